"""Teachers and links for the teaching tests (and the access matrix)."""

from __future__ import annotations

from tests.factories import Persona, make_persona
from woodshed.db import db, utcnow
from woodshed.teaching.models import SCOPES, Link


def make_teacher(name: str, **fields) -> Persona:
    persona = make_persona(name, **fields)
    persona.user.is_teacher = True
    db.session.flush()
    return persona


def make_link(teacher: Persona, student: Persona, scopes=SCOPES, ended: bool = False) -> Link:
    """An accepted link (as `links/join` makes it), ended by the student when `ended`."""
    now = utcnow()
    link = Link(
        kind="teacher",
        user_id=teacher.user.id,
        profile_id=student.profile.id,
        scopes=list(scopes),
        accepted_by=student.user.id,
        accepted_at=now,
        ended_at=now if ended else None,
        ended_by=student.user.id if ended else None,
    )
    db.session.add(link)
    db.session.flush()
    return link
