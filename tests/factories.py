"""Small builders for test data; each returns real rows, flushed, never committed."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from woodshed.accounts import mfa, passwords
from woodshed.accounts.models import TotpCredential, User
from woodshed.db import db, utcnow
from woodshed.profiles.models import Instrument, MusicianProfile


@dataclass
class Persona:
    user: User
    password: str
    totp_secret: str | None = None  # set when the account signs in with a second factor
    last_step: int = 0  # the newest TOTP step this persona has typed

    def next_code(self) -> str:
        """A code the server has not seen yet: now, or a step ahead (±1 step is allowed)."""
        # Never the step before now: at a step boundary the server may already be one step
        # further, and a code two steps old is (rightly) refused.
        now = mfa.step_at(utcnow())
        step = max(now, self.last_step + 1)
        if step > now + 1:
            # A third sign-in within one 30-second step: a person would wait for the next
            # code; the test lets the server forget the step it accepted last instead.
            db.session.execute(
                sa.update(TotpCredential)
                .where(TotpCredential.user_id == self.user.id)
                .values(last_step=now - 1)
            )
            step = now
        self.last_step = step
        return mfa.code_at(self.totp_secret, step)

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
    totp: bool = False,
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
    persona = Persona(user, password)
    if totp:
        enable_totp(persona)
    return persona


def enable_totp(persona: Persona) -> list[str]:
    """Turn two-factor sign-in on for a persona (as enrolment would); its recovery codes."""
    enrolment = mfa.begin(persona.user)
    db.session.execute(
        sa.update(TotpCredential)
        .where(TotpCredential.user_id == persona.user.id)
        .values(confirmed_at=utcnow())
    )
    persona.totp_secret = enrolment.secret
    return mfa.new_recovery_codes(persona.user)


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
    from woodshed.timeutil import day_start

    if started_at is None:
        # An hour ago, but never before the musician's day began: then it is logged today,
        # whatever the hour (at 04:30 with the day starting at 04:00, an hour ago is yesterday).
        now = utcnow()
        began = day_start(profile.today(now), profile.timezone, profile.day_rollover_hour)
        started_at = max(now - timedelta(hours=1), began)
    data = SessionIn.model_validate(
        {
            "started_at": started_at,
            "duration_minutes": duration_minutes,
            **fields,
        }
    )
    session, _ = create_session(profile, data)
    return session


# --- repertoire, goals, library ---------------------------------------------------------------


def make_piece(profile: MusicianProfile, title: str = "Nocturne op. 9/2", sections=(), **fields):
    """A piece through the real service (its first status is in its history), with sections
    given as (name, bar_start, bar_end) or dicts of section fields."""
    from woodshed.repertoire.schemas import PieceIn
    from woodshed.repertoire.services import create_piece

    piece, _ = create_piece(profile, PieceIn.model_validate({"title": title, **fields}))
    for spec in sections:
        if not isinstance(spec, dict):
            spec = dict(zip(("name", "bar_start", "bar_end"), spec, strict=True))
        spec = dict(spec)
        bars = (spec.pop("bar_start"), spec.pop("bar_end"))
        make_section(piece, spec.pop("name"), bars, **spec)
    return piece


def make_section(piece, name: str = "A section", bars: tuple[int, int] = (1, 8), **fields):
    from woodshed.repertoire.schemas import SectionIn
    from woodshed.repertoire.services import create_section

    data = SectionIn.model_validate(
        {"name": name, "bar_start": bars[0], "bar_end": bars[1], **fields}
    )
    profile = db.session.get(MusicianProfile, piece.profile_id)
    section, _ = create_section(profile, piece, data)
    return section


def make_skill(profile: MusicianProfile, name: str = "Scales in thirds", **fields):
    from woodshed.repertoire.schemas import SkillIn
    from woodshed.repertoire.services import create_skill

    skill, _ = create_skill(profile, SkillIn.model_validate({"name": name, **fields}))
    return skill


def make_goal(profile: MusicianProfile, title: str = "Practise every day", **fields):
    from woodshed.goals.schemas import GoalIn
    from woodshed.goals.services import create_goal

    goal, _ = create_goal(profile, GoalIn.model_validate({"title": title, **fields}))
    return goal


def make_resource(profile: MusicianProfile, **fields):
    from woodshed.library.schemas import ResourceIn
    from woodshed.library.services import create_resource

    data = {"kind": "link", "title": "Lesson video", "url": "https://example.org/video"} | fields
    resource, _ = create_resource(profile, ResourceIn.model_validate(data))
    return resource


# --- plans, reminders -------------------------------------------------------------------------


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
    from woodshed.library.models import Resource

    fields.setdefault("url", "https://example.org/fingering")
    resource = Resource(profile_id=profile.id, **fields)
    db.session.add(resource)
    db.session.flush()
    return resource


def make_pending_import(
    profile: MusicianProfile, content: bytes = b"date,minutes\n2024-03-05,30\n"
):
    """An uploaded CSV waiting for its preview (as after POST /settings/data/import)."""
    from woodshed.data.services import start_import

    return start_import(profile, "log.csv", content)
