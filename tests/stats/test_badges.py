"""Badges: awarded once with one notification, withdrawn with their cause, quiet when asked."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import log_session
from woodshed.db import db
from woodshed.journal import services as journal
from woodshed.notify.models import Notification
from woodshed.repertoire.models import Piece
from woodshed.stats import badges
from woodshed.stats.models import EarnedBadge

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def held(profile) -> set[str]:
    return {
        row.code
        for row in db.session.scalars(
            sa.select(EarnedBadge).where(EarnedBadge.profile_id == profile.id)
        )
        if row.revoked_at is None
    }


def badge_notes(profile) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.title).where(
                Notification.profile_id == profile.id, Notification.kind == "badge"
            )
        )
    )


def test_the_first_session_earns_a_badge_once_with_one_notification(alice, frozen_clock):
    frozen_clock(NOW)
    log_session(alice.profile, NOW - timedelta(hours=2), 20)
    db.session.commit()
    assert held(alice.profile) == {"first_session"}
    assert badge_notes(alice.profile) == ["Badge earned: First session"]

    log_session(alice.profile, NOW - timedelta(hours=1), 20)
    db.session.commit()
    badges.evaluate(alice.profile)  # recomputing awards nothing twice
    db.session.flush()
    assert badge_notes(alice.profile) == ["Badge earned: First session"]


def test_deleting_the_entry_that_earned_a_badge_withdraws_it_and_it_returns_silently(
    alice, frozen_clock
):
    frozen_clock(NOW)
    s = log_session(alice.profile, NOW - timedelta(hours=2), 20)
    db.session.commit()
    journal.delete_session(s)
    db.session.commit()
    assert held(alice.profile) == set()
    log_session(alice.profile, NOW - timedelta(hours=1), 20)
    db.session.commit()
    assert held(alice.profile) == {"first_session"}
    assert badge_notes(alice.profile) == ["Badge earned: First session"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EarnedBadge)) == 1


def test_a_week_of_practice_earns_the_seven_day_streak(alice, frozen_clock):
    frozen_clock(NOW)
    for day in range(1, 8):
        log_session(alice.profile, NOW - timedelta(days=day), 15)
    db.session.commit()
    assert "streak_7" in held(alice.profile)
    assert "streak_30" not in held(alice.profile)


def test_a_performance_ready_piece_earns_its_badge(alice, frozen_clock):
    frozen_clock(NOW)
    piece = Piece(profile_id=alice.profile.id, title="Prelude", status="polishing")
    db.session.add(piece)
    db.session.commit()
    assert "performance_ready" not in held(alice.profile)
    piece.status = "performance_ready"
    db.session.commit()
    assert "performance_ready" in held(alice.profile)


def test_reaching_the_target_tempo_earns_its_badge(alice, frozen_clock):
    frozen_clock(NOW)
    piece = Piece(profile_id=alice.profile.id, title="Etude", target_tempo_bpm=120)
    db.session.add(piece)
    db.session.flush()
    log_session(
        alice.profile,
        NOW - timedelta(hours=3),
        20,
        items=[{"piece_id": piece.id, "tempo_bpm": 100}],
    )
    db.session.commit()
    assert "target_tempo" not in held(alice.profile)
    log_session(
        alice.profile,
        NOW - timedelta(hours=2),
        20,
        items=[{"piece_id": piece.id, "tempo_bpm": 120}],
    )
    db.session.commit()
    assert "target_tempo" in held(alice.profile)


def test_quiet_mode_earns_silently(alice, frozen_clock):
    frozen_clock(NOW)
    alice.profile.motivation_mode = "quiet"
    log_session(alice.profile, NOW - timedelta(hours=2), 20)
    db.session.commit()
    assert held(alice.profile) == {"first_session"}
    assert badge_notes(alice.profile) == []


def test_the_badge_page_shows_earned_and_next_badges_with_progress(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    for day in range(1, 4):
        log_session(alice.profile, NOW - timedelta(days=day), 100, mode="slow")
    db.session.commit()
    html = alice_web.get("/stats/badges").get_data(as_text=True)
    assert "First session" in html
    assert '<progress id="badge-streak_7" max="7" value="3">' in html
    assert '<progress id="badge-slow_practice" max="10" value="3">' in html
    overview = {b["code"]: b for b in badges.overview(alice.profile)}
    assert overview["hours_10"]["percent"] == 50
