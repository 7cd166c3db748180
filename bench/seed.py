"""Fast, realistic bulk data for the benchmark: one musician with N sessions over 10 years.

Sessions, items and tags go in with PostgreSQL COPY; the rollups are then filled with the
same code that `woodshed stats rebuild` uses, so they are exactly what the app maintains.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from woodshed.db import db, new_id, utcnow
from woodshed.journal.models import PracticeSession, SessionItem, Tag, session_tags
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.search import rebuild as search_rebuild
from woodshed.stats import rollup
from woodshed.timeutil import practice_date

ZONE = "Europe/Berlin"
YEARS = 10
TAGS = (
    "left hand", "right hand", "sight-reading", "scales", "arpeggios", "dynamics",
    "rhythm", "memory", "pedalling", "intonation", "tone", "phrasing",
)  # fmt: skip
#: What musicians write in their notes; search (PERF-SEARCH) looks through these.
NOTES = (
    "",
    "",
    "",
    "Slow practice, hands separately.",
    "Arpeggios uneven in the left hand again.",
    "Debussy: the pedal blurs the climax; half pedal works better.",
    "Ran the coda with the metronome at 60, then 66.",
    "Chopin nocturne: the ornaments rush. Count them out loud.",
    "Sight-reading a new étude — the fingering in bars 9-12 needs work.",
    "Played it through for the family. Nervous but it held together.",
    "Tárrega tremolo: a, m, i evenly; record tomorrow.",
    "Scales in thirds, then the Bach prelude at tempo.",
    "Satie: let it breathe, don't hurry the bass.",
)
SKILLS = ("Major scales", "Minor scales", "Arpeggios", "Sight-reading", "Ear training",
          "Chord voicings", "Rhythm reading", "Trills")  # fmt: skip


@dataclass
class Musician:
    name: str
    sessions: int
    email: str
    password: str
    profile_id: uuid.UUID
    token: str = ""


def create_musician(name: str, sessions: int, seed: int = 7) -> Musician:
    """An account with pieces, sections, skills and tags, and `sessions` sessions (in app ctx)."""
    from woodshed.accounts import passwords
    from woodshed.accounts.models import User
    from woodshed.accounts.services import issue_api_token

    rnd = random.Random(seed + sessions)
    password = f"{name}-bench-password"
    user = User(email=f"{name}@bench.example", password_hash=passwords.hash_password(password))
    user.profile = MusicianProfile(
        display_name=name.title(), timezone=ZONE, rest_weekdays=["SU"], weekly_goal_minutes=300
    )
    db.session.add(user)
    db.session.flush()
    profile = user.profile
    instruments = [Instrument(profile_id=profile.id, name=n) for n in ("Piano", "Guitar")]
    pieces = [
        Piece(
            profile_id=profile.id,
            title=f"Piece {i + 1}",
            composer=rnd.choice(("Bach", "Chopin", "Satie", "Debussy", "Tárrega")),
            target_tempo_bpm=rnd.choice((None, 80, 96, 120)),
            status=rnd.choice(("learning", "polishing", "performance_ready", "archived")),
        )
        for i in range(30)
    ]
    db.session.add_all([*instruments, *pieces])
    db.session.flush()
    sections = [
        Section(
            piece_id=p.id,
            profile_id=profile.id,
            name=name_,
            bar_start=start,
            bar_end=start + 15,
            target_tempo_bpm=p.target_tempo_bpm,
        )
        for p in pieces
        for name_, start in (("A", 1), ("B", 17), ("Coda", 33))
    ]
    skills = [Skill(profile_id=profile.id, name=n) for n in SKILLS]
    tags = [Tag(profile_id=profile.id, name=t, key=t.casefold()) for t in TAGS]
    db.session.add_all([*sections, *skills, *tags])
    db.session.flush()
    raw_token, _ = issue_api_token(user, "bench")
    _goals_plan_and_days_off(profile, pieces, sections, skills)
    db.session.commit()
    _copy_sessions(profile, rnd, sessions, instruments, pieces, sections, skills, tags)
    conn = db.session.connection()
    rollup.rebuild(conn, [profile.id])
    # Written around the services, like an import: the search index is made afterwards.
    search_rebuild.rebuild([profile.id])
    db.session.commit()
    return Musician(name, sessions, user.email, password, profile.id, raw_token)


def _goals_plan_and_days_off(profile, pieces, sections, skills) -> None:
    """What a musician who has used Woodshed for a while also has: open goals (one due this
    week), a plan three times a week and a holiday marked as days off, through the services."""
    from woodshed.goals.schemas import GoalIn
    from woodshed.goals.services import create_goal
    from woodshed.plans.schemas import PlanIn
    from woodshed.plans.services import create_plan
    from woodshed.stats.schemas import SkipPeriodIn
    from woodshed.stats.services import add_skip_period

    now = profile.today()
    goals = [
        {"title": "Five hours a week", "target": {"type": "minutes_per_week", "value": 300}},
        {
            "title": "Piece 1 up to tempo for the recital",
            "kind": "piece",
            "piece_id": pieces[0].id,
            "target_date": now + timedelta(days=5),
            "priority": "high",
            "target": {"type": "tempo", "value": 120},
        },
        {
            "title": "Learn the coda of Piece 2",
            "kind": "section",
            "section_id": sections[5].id,
            "target_date": now + timedelta(days=12),
            "target": {
                "type": "checklist",
                "items": [{"text": t} for t in ("Hands apart", "Hands together", "Memorised")],
            },
        },
        {
            "title": "Sight-read five days a week",
            "kind": "skill",
            "skill_id": skills[3].id,
            "target_date": now + timedelta(days=40),
            "target": {"type": "days_per_week", "value": 5},
        },
    ]
    for goal in goals:
        create_goal(profile, GoalIn.model_validate(goal))
    schedule = {
        "kind": "recurring",
        "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "start_date": (now - timedelta(days=60)).isoformat(),
        "time_of_day": "18:00",
        "duration_minutes": 45,
    }
    items = [{"section_id": sections[0].id, "target_minutes": 20}, {"skill_id": skills[0].id}]
    create_plan(
        profile,
        PlanIn.model_validate({"title": "Recital prep", "schedule": schedule, "items": items}),
    )
    holiday = (
        now.replace(month=8, day=1)
        if now.month > 8
        else now.replace(year=now.year - 1, month=8, day=1)
    )
    add_skip_period(
        profile,
        SkipPeriodIn.model_validate(
            {"start_date": holiday, "end_date": holiday + timedelta(days=13), "reason": "holiday"}
        ),
    )


def _copy_sessions(profile, rnd, count, instruments, pieces, sections, skills, tags) -> None:
    zone = ZoneInfo(ZONE)
    now = utcnow()
    first_day = (now - timedelta(days=365 * YEARS)).date()
    by_piece = {p.id: [s for s in sections if s.piece_id == p.id] for p in pieces}
    session_rows, item_rows, tag_rows = [], [], []
    words = random.Random(count)  # its own stream: the other columns stay as they were
    for _ in range(count):
        day = first_day + timedelta(days=rnd.randrange(365 * YEARS))
        local = datetime(
            day.year, day.month, day.day, rnd.randint(6, 23), rnd.randint(0, 59), tzinfo=zone
        )
        started = min(local.astimezone(UTC), now - timedelta(minutes=5))
        duration = max(5, min(600, int(rnd.gauss(40, 20))))
        session_id = new_id()
        rated = rnd.random() < 0.7
        mood, quality, enjoyment, confidence = (
            (rnd.randint(1, 5) for _ in range(4)) if rated else (None,) * 4
        )
        session_rows.append(
            (
                session_id, profile.id, started, practice_date(started, ZONE), ZONE, duration,
                rnd.choice(instruments).id, words.choice(NOTES),
                rnd.choice(("", "Start with bars 17-24.")), "",
                "", mood, quality, enjoyment, None, confidence,
                rnd.choice(("normal", "normal", "slow", "performance")), rnd.random() < 0.15,
                rnd.random() < 0.1, False, started, started, 1,
            )
        )  # fmt: skip
        for position in range(rnd.randint(1, 3)):
            if rnd.random() < 0.7:
                piece = rnd.choice(pieces)
                section = rnd.choice(by_piece[piece.id]) if rnd.random() < 0.6 else None
                tempo = rnd.randint(50, 130) if section and rnd.random() < 0.5 else None
                target = section.target_tempo_bpm if section else None
                item_rows.append(
                    (new_id(), session_id, position, piece.id, section.id if section else None,
                     None, rnd.choice((None, 10, 15, 20)), tempo, target, rnd.random() < 0.2)
                )  # fmt: skip
            else:
                skill = rnd.choice(skills)
                item_rows.append(
                    (new_id(), session_id, position, None, None, skill.id, rnd.choice((None, 10)),
                     None, None, False)
                )  # fmt: skip
        for tag in rnd.sample(tags, rnd.randint(0, 2)):
            tag_rows.append((session_id, tag.id))
    s, i = PracticeSession.__table__, SessionItem.__table__
    session_cols = ("id", "profile_id", "started_at", "practice_date", "timezone",
                    "duration_minutes", "instrument_id", "notes", "next_time", "struggles",
                    "achievements", "mood", "quality", "enjoyment", "difficulty", "confidence",
                    "mode", "exam_prep", "performance_prep", "private", "created_at",
                    "updated_at", "version")  # fmt: skip
    item_cols = ("id", "session_id", "position", "piece_id", "section_id", "skill_id",
                 "minutes", "tempo_bpm", "target_tempo_bpm", "run_through")  # fmt: skip
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cur:
        for table, cols, rows in (
            (s.name, session_cols, session_rows),
            (i.name, item_cols, item_rows),
            (session_tags.name, ("session_id", "tag_id"), tag_rows),
        ):
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    db.session.commit()


def count_sessions(profile_id: uuid.UUID) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(PracticeSession.profile_id == profile_id)
    )
