"""A child's Profile tab holds what is the child's; the clock and language are the
guardian's (docs/children.md) and follow the guardian's own profile."""

from __future__ import annotations

from tests.clients import page_text
from tests.factories import make_persona
from tests.family.helpers import make_child


def test_a_childs_profile_tab_names_the_child_and_leaves_the_guardians_settings_out(
    alice, alice_web
):
    mia = make_child(alice, "Mia")
    page = alice_web.get(f"/children/{mia.id}/settings/profile")
    html, text = page.get_data(as_text=True), page_text(page)

    assert page.status_code == 200
    assert "About Mia" in text
    assert "About you" not in text
    for name in ("timezone", "day_rollover_hour", "week_start", "locale"):
        assert f'name="{name}"' not in html
    assert 'name="display_name"' in html
    assert 'name="practice_goals"' in html
    note = html[html.index('id="guardians-settings"') :].split("</p>")[0]
    assert '<a href="/settings/profile">your Profile settings</a>' in note  # not the child's
    # The guardian's own tab is unchanged.
    own = alice_web.get("/settings/profile").get_data(as_text=True)
    assert "About you" in own
    assert 'name="timezone"' in own


def test_saving_a_childs_tab_keeps_the_guardians_settings_and_the_guardians_pass_on(
    alice, alice_web
):
    mia = make_child(alice, "Mia")
    before = (mia.timezone, mia.day_rollover_hour, mia.week_start, mia.locale)
    saved = alice_web.submit(
        f"/children/{mia.id}/settings/profile",
        {
            "version": str(mia.version),
            "display_name": "Mia B.",
            "motivation_mode": "quiet",
            "daily_minimum_minutes": "5",
            "timezone": "Pacific/Auckland",  # not the child's to set: not applied
            "week_start": "SU",
        },
    )
    assert saved.status_code == 302, page_text(saved)[:600]
    assert (mia.display_name, mia.motivation_mode, mia.daily_minimum_minutes) == (
        "Mia B.",
        "quiet",
        5,
    )
    assert (mia.timezone, mia.day_rollover_hour, mia.week_start, mia.locale) == before

    own = alice.profile
    alice_web.submit(
        "/settings/profile",
        {
            "version": str(own.version),
            "display_name": own.display_name,
            "timezone": "America/Chicago",
            "day_rollover_hour": "2",
            "week_start": "SU",
            "motivation_mode": own.motivation_mode,
            "locale": "de",
            "daily_minimum_minutes": "1",
        },
    )
    other = make_persona("bob")  # not Mia's guardian: their changes are their own
    assert (mia.timezone, mia.day_rollover_hour, mia.week_start, mia.locale) == (
        "America/Chicago",
        2,
        "SU",
        "de",
    )
    assert other.profile.timezone != "America/Chicago"


def test_a_guardians_clock_changed_through_the_api_passes_on_to_the_children(alice, alice_api):
    mia = make_child(alice, "Mia")
    me = alice_api.get("/api/v1/me")
    changed = alice_api.patch(
        "/api/v1/me",
        json={"timezone": "Asia/Tokyo", "skill_level": "advanced"},
        headers={"If-Match": me.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.get_json()
    assert (mia.timezone, mia.skill_level) == ("Asia/Tokyo", None)  # the clock, not the rest
