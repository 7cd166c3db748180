"""PERF-QUERIES: pages cost a fixed number of statements, however many rows they show."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

from tests.factories import make_piece, make_plan, make_reminder, make_section, make_skill
from woodshed.db import db
from woodshed.notify.services import notify

SCHEDULE = {
    "kind": "recurring",
    "rrule": "FREQ=DAILY",
    "start_date": "2026-11-25",
    "time_of_day": "18:00",
    "duration_minutes": 30,
}


@contextmanager
def counting(app):
    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    engine = app.extensions["woodshed.engine"]
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _plans(alice, n: int) -> None:
    for i in range(n):
        piece = make_piece(alice.profile, f"Piece {i}")
        section = make_section(piece)
        skill = make_skill(alice.profile, f"Skill {i}")
        make_plan(
            alice.profile,
            SCHEDULE,
            title=f"Plan {i}",
            items=[{"section_id": section.id, "target_minutes": 10}, {"skill_id": skill.id}],
        )


def _cost(app, web, url: str) -> int:
    web.get(url)  # warm up: lazy generation, first-request set-up
    with counting(app) as counter:
        assert web.get(url).status_code == 200
    return counter["n"]


def _web(app, persona):
    web = app.test_client()
    web.sign_in(persona)
    return web


def test_plan_pages_and_the_feed_cost_the_same_for_one_plan_or_eight(app, alice, bob, frozen_clock):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    _plans(alice, 1)
    _plans(bob, 8)
    costs = {}
    for persona in (alice, bob):
        web = _web(app, persona)
        from woodshed.plans.calendar import regenerate

        _, url = regenerate(persona.profile)
        db.session.flush()
        costs[persona.email] = [
            _cost(app, web, "/plans"),
            _cost(app, web, "/"),
            _cost(app, web, url.removeprefix("http://woodshed.test")),
        ]
    assert costs[alice.email] == costs[bob.email]


def test_notifications_and_reminder_settings_cost_the_same_for_few_or_many(
    app, alice, bob, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    notify(alice.profile, "badge", "One")
    make_reminder(alice.profile)
    for i in range(30):
        notify(bob.profile, "badge", f"Badge {i}")
    for _ in range(12):
        make_reminder(bob.profile)
    a, b = _web(app, alice), _web(app, bob)
    for url in ("/notifications", "/settings/reminders"):
        assert _cost(app, a, url) == _cost(app, b, url), url
