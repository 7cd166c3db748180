"""Creating and reading in-app notifications."""

from __future__ import annotations

import sqlalchemy as sa

from woodshed.db import db, utcnow
from woodshed.notify.models import Notification
from woodshed.profiles.models import MusicianProfile


def notify(
    profile: MusicianProfile, kind: str, title: str, body: str = "", url: str | None = None
) -> Notification:
    """Put a notification in the musician's notification centre."""
    note = Notification(profile_id=profile.id, kind=kind, title=title[:200], body=body, url=url)
    db.session.add(note)
    db.session.flush()
    return note


def unread_count(profile: MusicianProfile) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.profile_id == profile.id, Notification.read_at.is_(None))
    )


def mark_all_read(profile: MusicianProfile) -> int:
    return db.session.execute(
        sa.update(Notification)
        .where(Notification.profile_id == profile.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
