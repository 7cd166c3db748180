"""The reminder pages (issue 12, item 11): the kind is chosen first and the form shows only
that kind's fields, without JavaScript too; reminders are one click from every page's menu
and described in plain words."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.clients import page_text
from tests.factories import make_reminder
from woodshed.db import db
from woodshed.notify.models import Reminder

#: The inputs each kind's form shows (and no others of these).
KIND_INPUTS = {
    "daily": {"time", "days"},
    "weekly": {"time", "days"},
    "before_occurrence": {"minutes_before"},
    "inactivity": {"time", "after_days"},
    "goal_deadline": {"time", "days_before"},
}
ALL_INPUTS = {"time", "days", "minutes_before", "after_days", "days_before"}


def inputs_of(html: str, action: str) -> set[str]:
    """The names of the kind-specific inputs inside the form that posts to `action`."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert form, action
    return set(re.findall(r'name="([a-z_]+)"', form[0])) & ALL_INPUTS


@pytest.mark.parametrize("kind", list(KIND_INPUTS))
def test_the_new_reminder_form_shows_only_the_chosen_kinds_fields(alice_web, kind):
    html = alice_web.get("/settings/reminders", query_string={"kind": kind}).get_data(as_text=True)
    assert inputs_of(html, "/settings/reminders") == KIND_INPUTS[kind]
    assert f'<input type="hidden" name="kind" value="{kind}">' in html
    assert f'href="/settings/reminders?kind={kind}#add-reminder" aria-current="true"' in html


def test_without_a_choice_the_form_is_for_an_everyday_reminder(alice_web):
    html = alice_web.get("/settings/reminders").get_data(as_text=True)
    assert inputs_of(html, "/settings/reminders") == KIND_INPUTS["daily"]
    assert "Every day" in page_text(alice_web.get("/settings/reminders?kind=nonsense"))


def test_a_refused_reminder_keeps_its_kind_and_names_the_field(alice_web):
    response = alice_web.submit(
        "/settings/reminders", {"kind": "weekly", "time": "07:15", "channels": "in_app"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert inputs_of(html, "/settings/reminders") == KIND_INPUTS["weekly"]
    assert re.search(r'id="f-days".*?Choose at least one weekday\.', html, re.S)
    assert 'value="07:15"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 0


def test_a_reminder_of_each_kind_is_added_from_its_own_form(alice_web, alice):
    for kind, fields in {
        "inactivity": {"after_days": "4"},
        "before_occurrence": {"minutes_before": "15"},
        "goal_deadline": {"days_before": "5", "time": "09:00"},
    }.items():
        response = alice_web.submit(
            "/settings/reminders", {"kind": kind, "channels": "in_app", **fields}
        )
        assert response.status_code == 302, page_text(response)[:600]
    stored = {r.kind: r for r in db.session.scalars(sa.select(Reminder))}
    assert stored["inactivity"].after_days == 4
    assert stored["before_occurrence"].minutes_before == 15
    assert stored["goal_deadline"].days_before == 5


def test_editing_shows_the_reminders_kind_and_can_change_it(alice_web, alice):
    reminder = make_reminder(alice.profile, kind="inactivity", after_days=3, time=None)
    action = f"/settings/reminders/{reminder.id}"
    html = alice_web.get(action).get_data(as_text=True)
    assert inputs_of(html, action) == KIND_INPUTS["inactivity"]
    switched = alice_web.get(action, query_string={"kind": "weekly"}).get_data(as_text=True)
    assert inputs_of(switched, action) == KIND_INPUTS["weekly"]
    response = alice_web.submit(
        action,
        {
            "kind": "weekly",
            "version": str(reminder.version),
            "time": "19:00",
            "days": ["MO", "TH"],
            "channels": "in_app",
        },
    )
    assert response.status_code == 302, page_text(response)[:600]
    db.session.refresh(reminder)
    assert (reminder.kind, reminder.days) == ("weekly", ["MO", "TH"])
    listing = page_text(alice_web.get("/settings/reminders"))
    assert "On chosen weekdays at 19:00 on Monday, Thursday" in listing


def test_every_page_has_reminders_in_its_menu(alice_web):
    for path in ("/", "/journal", "/plans"):
        html = alice_web.get(path).get_data(as_text=True)
        menu = html[html.index('<details class="user-menu">') : html.index("</details>")]
        assert 'href="/settings/reminders"' in menu, path
