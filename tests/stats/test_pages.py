"""The stats page, its CSV downloads, days off, and the dashboard panel."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.clients import page_text
from tests.factories import log_session, make_goal, make_instrument
from woodshed.db import db
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.stats.models import SkipPeriod

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def practised(alice, frozen_clock):
    frozen_clock(NOW)
    log_session(
        alice.profile, datetime(2026, 3, 9, 17, 0, tzinfo=UTC), 30, tags=["=cmd|' /C calc'!A0"]
    )
    log_session(alice.profile, datetime(2026, 3, 8, 17, 0, tzinfo=UTC), 45)
    return alice


def test_the_stats_page_shows_totals_a_linked_heatmap_and_charts_with_tables(alice_web, practised):
    response = alice_web.get("/stats?from=2026-03-01&to=2026-03-10")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<svg class="heatmap-svg"' in html
    assert 'href="/journal?from=2026-03-09&amp;to=2026-03-09"' in html
    assert "<title>Mon, 9 Mar 2026: 30 min in 1 session</title>" in html
    assert 'data-chart="bar"' in html
    assert "<table data-chart-table>" in html
    assert "/stats/time.csv?from=2026-03-01&amp;to=2026-03-10&amp;bucket=day" in html
    text = page_text(response)
    assert "Current streak 2 days" in text
    assert "1 hour or more" in text  # the legend explains the scale
    assert "<script>" not in html
    assert " style=" not in html


def test_a_bad_range_keeps_what_was_typed_and_says_what_to_fix(alice_web, practised):
    response = alice_web.get("/stats?from=2026-03-09&to=2026-03-01")
    assert response.status_code == 422
    assert "The end date is before the start date." in page_text(response)
    assert 'value="2026-03-09"' in response.get_data(as_text=True)


def test_chart_data_downloads_as_csv_safe_for_spreadsheets(alice_web, practised):
    response = alice_web.get("/stats/tags.csv?from=2026-03-01&to=2026-03-10")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "Tag,Minutes,Sessions,Average quality"
    assert lines[1] == "'=cmd|' /C calc'!A0,30,1,"
    assert alice_web.get("/stats/nothing.csv").status_code == 404
    time_csv = alice_web.get("/stats/time.csv?from=2026-03-08&to=2026-03-09&bucket=day")
    assert time_csv.get_data(as_text=True).splitlines()[1:] == [
        "2026-03-08,45,45.0,1",
        "2026-03-09,30,37.5,1",
    ]


def test_the_goal_chart_shows_the_time_linked_to_each_open_goal_in_the_range(
    alice_web, alice, frozen_clock
):
    frozen_clock(NOW)
    scales = make_goal(
        alice.profile,
        "Scales daily",
        target_date="2026-04-01",
        target={"type": "minutes_per_week", "value": 90},
    )
    done = make_goal(alice.profile, "Old goal", status="completed")
    log_session(
        alice.profile, datetime(2026, 3, 9, 17, 0, tzinfo=UTC), 30, goal_ids=[scales.id, done.id]
    )
    log_session(alice.profile, datetime(2026, 2, 1, 17, 0, tzinfo=UTC), 45, goal_ids=[scales.id])
    response = alice_web.get("/stats/goals.csv?from=2026-03-01&to=2026-03-10")
    assert response.get_data(as_text=True).splitlines() == [
        "Goal,Minutes linked,Sessions linked,Target,Due",
        "Scales daily,30,1,90 min a week,2026-04-01",
    ]
    whole = alice_web.get("/stats/goals.csv?from=2026-01-01&to=2026-03-10")
    assert (
        whole.get_data(as_text=True).splitlines()[1] == "Scales daily,75,2,90 min a week,2026-04-01"
    )


def test_quiet_mode_hides_streaks_and_badges_on_every_page(alice_web, practised):
    practised.profile.motivation_mode = "quiet"
    db.session.flush()
    stats = page_text(alice_web.get("/stats"))
    assert "streak" not in stats.lower()
    assert "Badges" not in stats
    home = page_text(alice_web.get("/"))
    assert "Your practice" in home
    assert "Streak" not in home
    assert "Consistency" not in home
    assert "quiet mode" in page_text(alice_web.get("/stats/badges"))


def test_the_dashboard_panel_shows_the_week_against_the_goal(alice_web, practised):
    practised.profile.weekly_goal_minutes = 120
    db.session.flush()
    response = alice_web.get("/")
    text = page_text(response)
    assert "This week 30 min" in text
    assert "of your 2 h goal" in text
    assert "Streak 2 days" in text
    assert 'href="/stats"' in response.get_data(as_text=True)


def test_days_off_are_added_changed_and_removed_on_their_page(alice_web, alice, frozen_clock):
    frozen_clock(NOW)
    response = alice_web.submit(
        "/stats/skip-days", {"start_date": "2026-03-05", "end_date": "2026-03-01", "reason": "ski"}
    )
    assert response.status_code == 422
    assert "The end date is before the start date." in page_text(response)
    assert 'value="ski"' in response.get_data(as_text=True)

    response = alice_web.submit(
        "/stats/skip-days", {"start_date": "2026-03-01", "end_date": "2026-03-05", "reason": "ski"}
    )
    assert response.status_code == 302
    period = db.session.scalar(
        sa.select(SkipPeriod).where(SkipPeriod.profile_id == alice.profile.id)
    )
    assert (period.start_date.day, period.end_date.day, period.reason) == (1, 5, "ski")
    assert "5 days" in page_text(alice_web.get("/stats/skip-days"))

    stale = alice_web.submit(
        f"/stats/skip-days/{period.id}",
        {"start_date": "2026-03-01", "end_date": "2026-03-02", "version": "7"},
    )
    assert stale.status_code == 422
    ok = alice_web.submit(
        f"/stats/skip-days/{period.id}",
        {
            "start_date": "2026-03-01",
            "end_date": "2026-03-02",
            "reason": "ski",
            "version": str(period.version),
        },
    )
    assert ok.status_code == 302
    period_id = period.id
    assert alice_web.submit(f"/stats/skip-days/{period_id}/delete").status_code == 302
    assert db.session.scalar(sa.select(SkipPeriod.id).where(SkipPeriod.id == period_id)) is None


def test_bob_cannot_change_alices_days_off(alice, bob, frozen_clock, app):
    frozen_clock(NOW)
    period = SkipPeriod(
        profile_id=alice.profile.id, start_date=NOW.date(), end_date=NOW.date(), reason="x"
    )
    db.session.add(period)
    db.session.flush()
    web = app.test_client()
    web.sign_in(bob)
    assert web.submit(f"/stats/skip-days/{period.id}/delete").status_code == 404
    assert web.submit(f"/stats/skip-days/{period.id}", {"reason": "bob"}).status_code == 404
    db.session.refresh(period)
    assert period.reason == "x"


def _statements(app, web, url) -> int:
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    engine = app.extensions["woodshed.engine"]
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        assert web.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    return count


def _journal(profile, n: int) -> None:
    piano = make_instrument(profile, f"Piano {n}")
    for i in range(n):
        piece = Piece(profile_id=profile.id, title=f"Piece {i}", target_tempo_bpm=100)
        db.session.add(piece)
        db.session.flush()
        section = Section(
            piece_id=piece.id, profile_id=profile.id, name="A", bar_start=1, bar_end=4
        )
        skill = Skill(profile_id=profile.id, name=f"Skill {i}")
        db.session.add_all([section, skill])
        db.session.flush()
        log_session(
            profile,
            NOW - timedelta(days=i, hours=3),
            20 + i,
            instrument_id=piano.id,
            items=[{"section_id": section.id, "tempo_bpm": 80}, {"skill_id": skill.id}],
            tags=[f"tag {i}"],
            quality=3,
            exam_prep=True,
        )


@pytest.mark.parametrize("url", ["/", "/stats", "/stats/badges", "/stats/pieces.csv"])
def test_perf_queries_statements_do_not_grow_with_the_journal(app, alice, bob, frozen_clock, url):
    frozen_clock(NOW)
    _journal(alice.profile, 1)
    _journal(bob.profile, 40)
    few, many = app.test_client(), app.test_client()
    few.sign_in(alice)
    many.sign_in(bob)
    assert _statements(app, many, url) == _statements(app, few, url)


def test_a_new_musician_sees_friendly_empty_statistics(alice_web, alice, frozen_clock):
    frozen_clock(NOW)
    stats = alice_web.get("/stats")
    assert stats.status_code == 200
    assert "Nothing logged in this range yet." in page_text(stats)
    home = page_text(alice_web.get("/"))
    assert "Log a session and it will show up here." in home
    for path in ("/api/v1/stats/summary", "/api/v1/stats/streaks"):
        assert alice_web.get(path).status_code == 200
