"""The daily rollups stay equal to the journal through every kind of write."""

from datetime import UTC, datetime

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import log_session, make_goal, make_instrument
from tests.stats.test_oracle import NOW, build_journal, journal_st
from woodshed.db import db
from woodshed.goals import services as goals
from woodshed.journal import services as journal
from woodshed.journal.models import PracticeSession
from woodshed.repertoire.models import Piece, Section
from woodshed.stats import services
from woodshed.stats.models import DailyBreakdown, DailyTotal
from woodshed.stats.rollup import BreakdownSums, Contributions
from woodshed.stats.services import rebuild


def totals(profile):
    rows = db.session.execute(
        sa.select(DailyTotal.practice_date, DailyTotal.minutes, DailyTotal.sessions)
        .where(DailyTotal.profile_id == profile.id, DailyTotal.audience == "all")
        .order_by(DailyTotal.practice_date)
    )
    return [tuple(r) for r in rows]


def all_rollup_rows(profile):
    """Every rollup row of the profile, table by table, in a stable order."""
    return [
        [
            tuple(r)
            for r in db.session.execute(
                sa.select(table)
                .where(table.c.profile_id == profile.id)
                .order_by(*(table.c[c] for c in key_cols))
            )
        ]
        for table, key_cols, _fields, _rows in Contributions().tables()
    ]


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


def _piece_with_section(profile):
    piece = Piece(profile_id=profile.id, title="Etude")
    db.session.add(piece)
    db.session.flush()
    section = Section(piece_id=piece.id, profile_id=profile.id, name="A", bar_start=1, bar_end=8)
    db.session.add(section)
    db.session.flush()
    return piece, section


def breakdown(profile, by):
    return {
        row["label"]: (row["minutes"], row["sessions"]) for row in services.breakdown(profile, by)
    }


def test_editing_items_and_tags_moves_the_breakdown(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    piece, section = _piece_with_section(alice.profile)
    s = log_session(
        alice.profile,
        datetime(2026, 3, 9, 17, 0, tzinfo=UTC),
        40,
        items=[{"section_id": section.id, "minutes": 10}, {"piece_id": piece.id}],
        tags=["Scales"],
    )
    # The section has its 10 minutes; the piece gets them plus the 30 left over.
    assert breakdown(alice.profile, "section") == {"Etude › A": (10, 1)}
    assert breakdown(alice.profile, "piece") == {"Etude": (40, 1)}
    assert breakdown(alice.profile, "tag") == {"Scales": (40, 1)}

    journal.update_session(
        alice.profile, s, {"items": [{"piece_id": piece.id}], "tags": ["Arpeggios"]}
    )
    assert breakdown(alice.profile, "section") == {}
    assert breakdown(alice.profile, "piece") == {"Etude": (40, 1)}
    assert breakdown(alice.profile, "tag") == {"Arpeggios": (40, 1)}
    assert_matches_rebuild(alice.profile)


def test_deleting_an_instrument_or_piece_moves_its_time_like_a_fresh_count(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    piano = make_instrument(alice.profile, "Piano")
    piece, _section = _piece_with_section(alice.profile)
    log_session(
        alice.profile,
        datetime(2026, 3, 9, 17, 0, tzinfo=UTC),
        25,
        instrument_id=piano.id,
        items=[{"piece_id": piece.id}],
    )
    assert breakdown(alice.profile, "instrument") == {"Piano": (25, 1)}
    db.session.delete(piano)
    db.session.delete(piece)
    db.session.flush()
    assert breakdown(alice.profile, "instrument") == {"No instrument": (25, 1)}
    assert breakdown(alice.profile, "piece") == {}
    assert_matches_rebuild(alice.profile)


def test_linking_unlinking_and_deleting_goals_moves_their_time(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    scales, exam = make_goal(alice.profile, "Scales daily"), make_goal(alice.profile, "Exam")
    first = log_session(
        alice.profile,
        datetime(2026, 3, 9, 17, 0, tzinfo=UTC),
        40,
        goal_ids=[scales.id, exam.id],
        quality=4,
    )
    log_session(alice.profile, datetime(2026, 3, 8, 17, 0, tzinfo=UTC), 15, goal_ids=[exam.id])
    # A goal gets the whole session, like a tag.
    assert breakdown(alice.profile, "goal") == {"Scales daily": (40, 1), "Exam": (55, 2)}

    journal.update_session(alice.profile, first, {"goal_ids": [scales.id]})
    assert breakdown(alice.profile, "goal") == {"Scales daily": (40, 1), "Exam": (15, 1)}
    assert_matches_rebuild(alice.profile)

    goals.delete_goal(scales)
    sums = services.dimension_sums(alice.profile, ("goal",), None, None)["goal"]
    assert {key: (s.minutes, s.sessions) for key, s in sums.items()} == {str(exam.id): (15, 1)}
    assert_matches_rebuild(alice.profile)


def test_a_bulk_delete_is_reconciled_when_the_transaction_commits(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    log_session(alice.profile, datetime(2026, 3, 9, 17, 0, tzinfo=UTC), 25)
    log_session(alice.profile, datetime(2026, 3, 8, 17, 0, tzinfo=UTC), 35)
    db.session.execute(
        sa.delete(PracticeSession).where(
            PracticeSession.profile_id == alice.profile.id, PracticeSession.duration_minutes == 25
        )
    )
    db.session.commit()
    assert totals(alice.profile) == [(datetime(2026, 3, 8).date(), 35, 1)]


def test_other_musicians_rollups_are_untouched(alice, bob, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    log_session(bob.profile, datetime(2026, 3, 9, 17, 0, tzinfo=UTC), 45)
    s = log_session(alice.profile, datetime(2026, 3, 9, 17, 0, tzinfo=UTC), 25)
    journal.delete_session(s)
    assert totals(alice.profile) == []
    assert totals(bob.profile) == [(datetime(2026, 3, 9).date(), 45, 1)]


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=journal_st)
def test_the_incremental_rollup_equals_a_fresh_aggregation(app, frozen_clock, data):
    frozen_clock(NOW)
    profile, _today = build_journal(data)
    assert_matches_rebuild(profile)


def test_the_rebuild_command_repairs_damaged_rollups(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    log_session(alice.profile, datetime(2026, 3, 9, 17, 0, tzinfo=UTC), 25)
    db.session.execute(sa.update(DailyTotal).values(minutes=999))
    result = app.test_cli_runner().invoke(
        args=["stats", "rebuild", "--profile", str(alice.profile.id)]
    )
    assert result.exit_code == 0, result.output
    assert "from 1 sessions" in result.output
    assert totals(alice.profile) == [(datetime(2026, 3, 9).date(), 25, 1)]
    bad = app.test_cli_runner().invoke(args=["stats", "rebuild", "--profile", "nope"])
    assert bad.exit_code != 0


def test_responses_carry_server_timing_and_query_counts_only_when_asked(make_app, alice):
    plain = make_app().test_client()
    response = plain.get("/healthz")
    assert response.headers["Server-Timing"].startswith("app;dur=")
    assert "X-Query-Count" not in response.headers
    counted = make_app(BENCH_METRICS=True).test_client()
    counted.sign_in(alice)
    assert int(counted.get("/stats").headers["X-Query-Count"]) > 0


def test_an_item_added_by_id_alone_is_counted(alice, frozen_clock):
    from woodshed.journal.models import SessionItem

    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    piece, _section = _piece_with_section(alice.profile)
    s = log_session(alice.profile, datetime(2026, 3, 9, 17, 0, tzinfo=UTC), 30)
    db.session.add(SessionItem(session_id=s.id, piece_id=piece.id, minutes=12))
    db.session.flush()
    assert breakdown(alice.profile, "piece") == {"Etude": (12, 1)}
    assert_matches_rebuild(alice.profile)


def test_changing_a_target_tempo_moves_the_tempo_figures(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    _piece, section = _piece_with_section(alice.profile)
    section.target_tempo_bpm = 100
    log_session(
        alice.profile,
        datetime(2026, 3, 9, 17, 0, tzinfo=UTC),
        30,
        items=[{"section_id": section.id, "tempo_bpm": 80}],
    )

    def ratio():
        return db.session.execute(
            sa.select(DailyBreakdown.ratio_sum, DailyBreakdown.ratio_n).where(
                DailyBreakdown.profile_id == alice.profile.id,
                DailyBreakdown.audience == "all",
                DailyBreakdown.dimension == "section",
            )
        ).one()

    assert tuple(ratio()) == (800, 1)
    section.target_tempo_bpm = 80
    db.session.flush()
    assert tuple(ratio()) == (1000, 1)
    assert_matches_rebuild(alice.profile)


def test_the_named_sums_are_exactly_the_summed_columns_of_each_rollup_table():
    """A column added to a rollup table without its field (or the reverse) fails here, so
    no consumer can read a sum by a position that shifted."""
    for rollup in Contributions().tables():
        summed = {c.name for c in rollup.table.columns if c.name not in rollup.key_columns}
        assert summed == set(rollup.fields), rollup.table.name


@given(
    first=st.lists(st.integers(-1000, 1000), min_size=12, max_size=12),
    second=st.lists(st.integers(-1000, 1000), min_size=12, max_size=12),
)
def test_sums_add_and_subtract_field_by_field(first, second):
    a = BreakdownSums(**dict(zip(BreakdownSums.FIELDS, first, strict=True)))
    b = BreakdownSums.of(dict(zip(BreakdownSums.FIELDS, second, strict=True)))
    a.add(b)
    assert a.values() == {
        n: x + y for n, x, y in zip(BreakdownSums.FIELDS, first, second, strict=True)
    }
    a.subtract(b)
    assert a.values() == dict(zip(BreakdownSums.FIELDS, first, strict=True))
    assert bool(a) == any(first)
    assert a.average("quality") == (round(a.quality_sum / a.quality_n, 2) if a.quality_n else None)
