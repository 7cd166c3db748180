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


def make_piece(profile: MusicianProfile, title: str = "Nocturne", sections=(), **fields):
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
