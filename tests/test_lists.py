"""Every API list is paged one way (`api/keyset.py`): following `next_cursor` with a small
limit visits every item exactly once, in the order of one big page — also where the sort
key ties (same time, same title, same position)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import (
    log_session,
    make_goal,
    make_instrument,
    make_piece,
    make_plan,
    make_reminder,
    make_resource,
    make_section,
)
from woodshed.notify.services import notify
from woodshed.plans.sharing import save_as_template
from woodshed.repertoire.schemas import SkillIn
from woodshed.repertoire.services import create_skill
from woodshed.stats.schemas import SkipPeriodIn
from woodshed.stats.services import add_skip_period

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
N = 5


def _sessions(profile) -> str:
    for i in range(N):  # three at the same instant
        log_session(profile, started_at=T0 - timedelta(hours=max(i, 2)), tags=[f"tag {i % 2}"])
    return "/api/v1/sessions"


def _tags(profile) -> str:
    for i in range(N):  # tags used once each, then two used twice: ties in both
        log_session(profile, started_at=T0 - timedelta(hours=i + 1), tags=[f"tag {i}", "x", "y"])
    return "/api/v1/tags"


def _pieces(profile) -> str:
    for i in range(N):
        make_piece(profile, "Étude" if i < 3 else f"Étude {i}")
    return "/api/v1/pieces"


def _sections(profile) -> str:
    piece = make_piece(profile)
    for i in range(N):
        make_section(piece, f"Part {i}", bars=(1, 8) if i < 3 else (i, i + 4))
    return f"/api/v1/pieces/{piece.id}/sections"


def _skills(profile) -> str:
    for i in range(N):
        create_skill(profile, SkillIn(name=f"Skill {i}"))
    return "/api/v1/skills"


def _goals(profile) -> str:
    for i in range(N):
        make_goal(profile, f"Goal {i % 2}")
    return "/api/v1/goals"


def _resources(profile) -> str:
    for i in range(N):
        make_resource(profile, title=f"Video {i}")
    return "/api/v1/resources"


def _plans(profile) -> str:
    for i in range(N):
        make_plan(profile, title=f"Plan {i}")
    return "/api/v1/plans"


def _occurrences(profile) -> str:
    schedule = {
        "kind": "recurring",
        "rrule": "FREQ=DAILY",
        "start_date": T0.date().isoformat(),
        "end_date": (T0 + timedelta(days=N)).date().isoformat(),
        "time_of_day": "18:00",
        "duration_minutes": 20,
    }
    plan = make_plan(profile, schedule)
    return f"/api/v1/plans/{plan.id}/occurrences"


def _templates(profile) -> str:
    plan = make_plan(profile)
    for _ in range(N):
        save_as_template(profile, plan)
    return "/api/v1/templates"


def _notifications(profile) -> str:
    for i in range(N):
        notify(profile, "info", f"Note {i}")
    return "/api/v1/notifications"


def _reminders(profile) -> str:
    for i in range(N):
        make_reminder(profile, time=f"1{i}:00")
    return "/api/v1/reminders"


def _skip_days(profile) -> str:
    for i in range(N):
        start = date(2026, 4, 1 if i < 3 else 10 + i)
        add_skip_period(profile, SkipPeriodIn(start_date=start, end_date=start, reason=f"{i}"))
    return "/api/v1/skip-days"


def _instruments(profile) -> str:
    for i in range(N):
        make_instrument(profile, f"Instrument {i}", position=0 if i < 3 else i)
    return "/api/v1/instruments"


LISTS = {
    "sessions": _sessions,
    "tags": _tags,
    "pieces": _pieces,
    "sections": _sections,
    "skills": _skills,
    "goals": _goals,
    "resources": _resources,
    "plans": _plans,
    "occurrences": _occurrences,
    "templates": _templates,
    "notifications": _notifications,
    "reminders": _reminders,
    "skip days": _skip_days,
    "instruments": _instruments,
}


def _get(api, url: str, **params) -> dict:
    response = api.get(url, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("name", list(LISTS))
def test_following_next_cursor_visits_every_item_once_in_order(
    alice_api, alice, frozen_clock, name
):
    frozen_clock(T0)
    url = LISTS[name](alice.profile)
    whole = _get(alice_api, url, limit=200)
    assert whole["next_cursor"] is None
    assert len(whole["items"]) >= N
    seen, cursor, pages = [], None, 0
    while True:
        page = _get(alice_api, url, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole["items"]
    assert pages == -(-len(seen) // 2)  # no empty last page


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwgIjEiXQ"])
def test_the_notification_page_with_a_mangled_cursor_shows_the_first_page(alice_web, alice, cursor):
    notify(alice.profile, "info", "Hello there")
    response = alice_web.get(f"/notifications?cursor={cursor}")
    assert response.status_code == 200
    assert "Hello there" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/v1/search", "/api/v1/pieces"])
def test_a_cursor_padded_past_its_limit_is_refused_as_sent(alice_api, url):
    """The limit counts what was sent (schemathesis: a short cursor with 600 no-break
    spaces after it was stripped to fit, and the search without words answered 200)."""
    response = alice_api.get(url, query_string={"cursor": "abc" + "\u00a0" * 600})
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["cursor"]
