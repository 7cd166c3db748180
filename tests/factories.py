"""Small builders for test data; each returns real rows, flushed, never committed."""

from __future__ import annotations

from dataclasses import dataclass

from woodshed.accounts import passwords
from woodshed.accounts.models import User
from woodshed.db import db
from woodshed.profiles.models import Instrument, MusicianProfile


@dataclass
class Persona:
    user: User
    password: str

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def profile(self) -> MusicianProfile:
        return self.user.profile


def make_persona(
    name: str,
    *,
    timezone: str = "UTC",
    is_admin: bool = False,
    password: str | None = None,
    **profile_fields,
) -> Persona:
    password = password or f"{name}-plays-the-long-game"
    user = User(
        email=f"{name}@example.org",
        password_hash=passwords.hash_password(password),
        is_admin=is_admin,
    )
    user.profile = MusicianProfile(
        display_name=name.title(), timezone=timezone, rest_weekdays=[], **profile_fields
    )
    db.session.add(user)
    db.session.flush()
    return Persona(user, password)


def make_instrument(profile: MusicianProfile, name: str = "Piano", **fields) -> Instrument:
    instrument = Instrument(profile_id=profile.id, name=name, **fields)
    db.session.add(instrument)
    db.session.flush()
    return instrument


def log_session(profile: MusicianProfile, started_at=None, duration_minutes: int = 30, **fields):
    """Log a session through the real service (practice date, tags, search index)."""
    from datetime import timedelta

    from woodshed.db import utcnow
    from woodshed.journal.schemas import SessionIn
    from woodshed.journal.services import create_session

    data = SessionIn.model_validate(
        {
            "started_at": started_at or utcnow() - timedelta(hours=1),
            "duration_minutes": duration_minutes,
            **fields,
        }
    )
    session, _ = create_session(profile, data)
    return session


def make_piece(profile: MusicianProfile, title: str = "Nocturne op. 9/2", sections=(), **fields):
    """A piece with sections given as (name, bar_start, bar_end) or dicts of Section fields."""
    from woodshed.repertoire.models import Piece, Section

    piece = Piece(profile_id=profile.id, title=title, **fields)
    for spec in sections:
        if not isinstance(spec, dict):
            spec = dict(zip(("name", "bar_start", "bar_end"), spec, strict=True))
        piece.sections.append(Section(profile_id=profile.id, **spec))
    db.session.add(piece)
    db.session.flush()
    return piece


# --- plans, reminders -------------------------------------------------------------------------


def make_section(piece, name: str = "A section", bar_start: int = 1, bar_end: int = 8):
    from woodshed.repertoire.models import Section

    section = Section(
        piece_id=piece.id,
        profile_id=piece.profile_id,
        name=name,
        bar_start=bar_start,
        bar_end=bar_end,
    )
    db.session.add(section)
    db.session.flush()
    return section


def make_skill(profile: MusicianProfile, name: str = "Scales in thirds", **fields):
    from woodshed.repertoire.models import Skill

    skill = Skill(profile_id=profile.id, name=name, **fields)
    db.session.add(skill)
    db.session.flush()
    return skill


def make_plan(profile: MusicianProfile, schedule: dict | None = None, items=(), **fields):
    """A plan through the real service (occurrences generated)."""
    from woodshed.db import utcnow
    from woodshed.plans.schemas import PlanIn
    from woodshed.plans.services import create_plan

    schedule = schedule or {
        "kind": "recurring",
        "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "start_date": utcnow().date().isoformat(),
        "time_of_day": "18:00",
        "duration_minutes": 45,
    }
    data = PlanIn.model_validate(
        {"title": "Chopin bootcamp", "schedule": schedule, "items": list(items), **fields}
    )
    plan, _ = create_plan(profile, data)
    return plan


def make_reminder(profile: MusicianProfile, **fields):
    from woodshed.notify.schemas import ReminderIn
    from woodshed.notify.services import create_reminder

    data = ReminderIn.model_validate({"kind": "daily", "time": "18:00"} | fields)
    reminder, _ = create_reminder(profile, data)
    return reminder
