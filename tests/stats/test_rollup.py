"""The daily rollups stay equal to the journal through every kind of write."""

from datetime import UTC, datetime

import sqlalchemy as sa

from tests.factories import log_session
from woodshed.db import db
from woodshed.journal import services as journal
from woodshed.stats.models import DailyBreakdown, DailyTotal
from woodshed.stats.services import rebuild


def totals(profile):
    rows = db.session.execute(
        sa.select(DailyTotal.practice_date, DailyTotal.minutes, DailyTotal.sessions)
        .where(DailyTotal.profile_id == profile.id)
        .order_by(DailyTotal.practice_date)
    )
    return [tuple(r) for r in rows]


def all_rollup_rows(profile):
    t = [
        tuple(r)
        for r in db.session.execute(
            sa.select(DailyTotal.__table__)
            .where(DailyTotal.profile_id == profile.id)
            .order_by(DailyTotal.practice_date)
        )
    ]
    b = [
        tuple(r)
        for r in db.session.execute(
            sa.select(DailyBreakdown.__table__)
            .where(DailyBreakdown.profile_id == profile.id)
            .order_by(DailyBreakdown.practice_date, DailyBreakdown.dimension, DailyBreakdown.key)
        )
    ]
    return t, b


def assert_matches_rebuild(profile):
    before = all_rollup_rows(profile)
    rebuild([profile.id])
    assert all_rollup_rows(profile) == before


def test_creating_editing_and_deleting_a_session_keeps_the_day_totals(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    first = log_session(alice.profile, datetime(2026, 3, 9, 17, 0, tzinfo=UTC), 30)
    log_session(alice.profile, datetime(2026, 3, 9, 19, 0, tzinfo=UTC), 15)
    assert totals(alice.profile) == [(datetime(2026, 3, 9).date(), 45, 2)]

    journal.update_session(alice.profile, first, {"duration_minutes": 50})
    assert totals(alice.profile) == [(datetime(2026, 3, 9).date(), 65, 2)]

    journal.update_session(
        alice.profile, first, {"started_at": datetime(2026, 3, 1, 10, 0, tzinfo=UTC)}
    )
    assert totals(alice.profile) == [
        (datetime(2026, 3, 1).date(), 50, 1),
        (datetime(2026, 3, 9).date(), 15, 1),
    ]
    journal.delete_session(first)
    assert totals(alice.profile) == [(datetime(2026, 3, 9).date(), 15, 1)]
    assert_matches_rebuild(alice.profile)
