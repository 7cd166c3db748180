"""Badges and milestones: derived from the log, awarded once, announced once.

Badges subscribe to `events.journal_changed`, which the statistics' bookkeeping sends
just before a transaction that changed the journal commits, so every code path awards
badges without calling this module, and a web request pays only for the checks that can
change: when something was only added, the badges not yet held; when something was taken
away (an entry deleted or edited, a piece's status moved back), every badge, and one whose
cause is gone is withdrawn. A badge earned for the first time is announced with
`events.badge_earned` (the notification centre subscribes). The rules are documented in
docs/formulas.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.orm import Session

from woodshed import events, policy
from woodshed.db import db, utcnow
from woodshed.goals.models import Goal
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, PieceStatusChange
from woodshed.stats import services
from woodshed.stats.models import DailyTotal, EarnedBadge, LifetimeBreakdown
from woodshed.stats.rollup import TotalSums

BADGES_URL = "/stats/badges"


@dataclass(frozen=True)
class Badge:
    code: str
    title: str
    description: str
    fact: str
    target: int
    icon: str  # a short label for the medal (no emoji: not every system has the font)


BADGES: tuple[Badge, ...] = (
    Badge(
        "first_session", "First session", "Log your first practice session.", "sessions", 1, "1st"
    ),
    Badge("streak_7", "7-day streak", "Practise 7 days in a row.", "longest_streak", 7, "7"),
    Badge("streak_30", "30-day streak", "Practise 30 days in a row.", "longest_streak", 30, "30"),
    Badge("hours_10", "10 hours", "Practise for 10 hours in total.", "minutes", 600, "10h"),
    Badge("hours_100", "100 hours", "Practise for 100 hours in total.", "minutes", 6000, "100h"),
    Badge(
        "piece_10",
        "Ten sessions on one piece",
        "Work on the same piece in 10 sessions.",
        "piece_sessions",
        10,
        "10×",
    ),
    Badge(
        "exam_champion",
        "Exam-prep champion",
        "Log 20 sessions marked as exam preparation.",
        "exam_sessions",
        20,
        "A+",
    ),
    Badge(
        "performance_ready",
        "Performance ready",
        "Bring a piece to the performance-ready status.",
        "performance_ready",
        1,
        "★",
    ),
    Badge(
        "target_tempo",
        "Target tempo reached",
        "Reach the target tempo of a passage.",
        "tempo_reached",
        1,
        "♩=",
    ),
    Badge(
        "slow_practice",
        "Slow and steady",
        "Log 10 sessions in slow-practice mode — slow practice is fast progress.",
        "slow_sessions",
        10,
        "♩",
    ),
    Badge(
        "clean_runs",
        "Clean run-throughs",
        "Play 5 run-throughs in sessions you rated 4 or 5 for quality.",
        "clean_runs",
        5,
        "✓",
    ),
    Badge("goal_met", "Goal met", "Complete one of your goals.", "goals_completed", 1, "✔"),
)
BY_CODE = {b.code: b for b in BADGES}


class Facts:
    """The numbers badges are judged on, each computed (one query or two) when first asked."""

    def __init__(self, profile: MusicianProfile) -> None:
        self.profile = profile

    @cached_property
    def _totals(self) -> TotalSums:
        """The all-time sums of the daily totals (the figures below that come from them)."""
        t = DailyTotal.__table__
        row = db.session.execute(
            sa.select(*(sa.func.sum(t.c[name]).label(name) for name in TotalSums.FIELDS)).where(
                t.c.profile_id == self.profile.id, t.c.audience == "all"
            )
        ).one()
        return TotalSums.of(row._mapping)

    @property
    def sessions(self) -> int:
        return self._totals.sessions

    @property
    def minutes(self) -> int:
        return self._totals.minutes

    @property
    def exam_sessions(self) -> int:
        return self._totals.exam_sessions

    @property
    def slow_sessions(self) -> int:
        return self._totals.slow_sessions

    @cached_property
    def longest_streak(self) -> int:
        return services.streaks(self.profile)["longest_streak"]

    @cached_property
    def piece_sessions(self) -> int:
        b = LifetimeBreakdown
        counts = db.session.execute(
            sa.select(b.key, b.sessions)
            .where(b.profile_id == self.profile.id, b.audience == "all", b.dimension == "piece")
            .order_by(b.sessions.desc())
            .limit(20)
        ).all()
        if not counts:
            return 0
        existing = {
            str(i)
            for i in db.session.scalars(
                sa.select(Piece.id).where(
                    Piece.profile_id == self.profile.id,
                    Piece.id.in_([uuid.UUID(k) for k, _ in counts]),
                )
            )
        }
        return max((int(n) for k, n in counts if k in existing), default=0)

    @cached_property
    def performance_ready(self) -> int:
        now = sa.select(Piece.id).where(
            Piece.profile_id == self.profile.id, Piece.status == "performance_ready"
        )
        ever = (
            sa.select(PieceStatusChange.id)
            .join(Piece, Piece.id == PieceStatusChange.piece_id)
            .where(
                Piece.profile_id == self.profile.id,
                PieceStatusChange.to_status == "performance_ready",
            )
        )
        return int(bool(db.session.scalar(sa.select(sa.or_(now.exists(), ever.exists())))))

    @property
    def tempo_reached(self) -> int:
        return min(self._totals.tempos_reached, 1)

    @property
    def clean_runs(self) -> int:
        return self._totals.clean_runs

    @cached_property
    def goals_completed(self) -> int:
        return db.session.execute(
            sa.select(sa.func.count())
            .select_from(Goal)
            .where(Goal.profile_id == self.profile.id, Goal.status == "completed")
        ).scalar_one()

    def value(self, badge: Badge) -> int:
        return getattr(self, badge.fact)


def earned(profile: MusicianProfile) -> dict[str, EarnedBadge]:
    rows = db.session.scalars(sa.select(EarnedBadge).where(EarnedBadge.profile_id == profile.id))
    return {row.code: row for row in rows}


def evaluate(profile: MusicianProfile, *, full: bool = True) -> list[Badge]:
    """Award what is now deserved (and, when `full`, withdraw what no longer is).

    Returns the badges awarded for the first time. Never awards a badge twice: each badge
    has one row per musician (unique constraint), revived silently if earned again.
    """
    rows = earned(profile)
    facts = Facts(profile)
    newly: list[Badge] = []
    for badge in BADGES:
        row = rows.get(badge.code)
        held = row is not None and row.revoked_at is None
        if held and not full:
            continue
        deserved = facts.value(badge) >= badge.target
        if deserved and row is None:
            # Another transaction of the musician's may be awarding it right now.
            _, created = policy.insert_or_existing(
                EarnedBadge(profile_id=profile.id, code=badge.code, earned_at=utcnow()),
                profile,
                key=("profile_id", "code"),
            )
            if created:
                newly.append(badge)
        elif row is not None and deserved != held:
            # Earned again (revived), or no longer deserved (withdrawn).
            row.revoked_at = None if deserved else utcnow()
    if newly:
        db.session.flush()
        for badge in newly:
            events.badge_earned.send(profile, badge=badge, url=BADGES_URL)
    return newly


def on_journal_changed(session: Session, *, profiles: dict[uuid.UUID, bool]) -> None:
    """`events.journal_changed` subscriber: judge the badges of the profiles whose journal
    changed (all of them where something may have been taken away)."""
    if not has_app_context() or not db.session.registry.has() or db.session() is not session:
        return  # a session outside the app (a script): `woodshed stats rebuild` catches up
    for profile_id, taken in profiles.items():
        profile = session.get(MusicianProfile, profile_id)
        if profile is not None:
            evaluate(profile, full=taken)


def overview(profile: MusicianProfile) -> list[dict]:
    """Every badge with the musician's progress towards it, earned ones first."""
    rows = earned(profile)
    facts = Facts(profile)
    items: list[dict[str, Any]] = []
    for badge in BADGES:
        row = rows.get(badge.code)
        current = min(facts.value(badge), badge.target)
        held = row is not None and row.revoked_at is None
        items.append(
            {
                "code": badge.code,
                "title": badge.title,
                "description": badge.description,
                "icon": badge.icon,
                "earned": held,
                "earned_at": row.earned_at if row is not None and held else None,
                "current": current,
                "target": badge.target,
                "percent": round(100 * current / badge.target),
            }
        )
    items.sort(key=lambda i: (not i["earned"], -i["percent"] if not i["earned"] else 0))
    return items
