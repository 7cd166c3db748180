"""Links between a teacher (or, next, a guardian) and a musician profile; invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from woodshed.accounts.models import User
from woodshed.db import Base, IdMixin, utcnow
from woodshed.profiles.models import MusicianProfile

#: What a link may allow, in the order pages list them (all on by default).
SCOPES = (
    "sessions:read",
    "sessions:comment",
    "assignments:write",
    "reports:read",
    "recordings:read",
    "recordings:comment",
)
LINK_KINDS = ("teacher", "guardian")


class Link(IdMixin, Base):
    """One person (a teacher; next, a guardian) allowed to see one musician profile.

    A link is never deleted when it ends: `ended_at`/`ended_by` say when and by whom, so a
    teacher's comments can stay with the student attributed to a "former teacher". At most
    one active link per kind, person and profile (a partial unique index).
    """

    __tablename__ = "links"
    __table_args__ = (
        sa.Index(
            "uq_links_active_pair",
            "kind",
            "user_id",
            "profile_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.CheckConstraint("kind IN ('teacher', 'guardian')", name="kind"),
    )

    kind: Mapped[str] = mapped_column(sa.String(20), default="teacher")
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    accepted_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    profile: Mapped[MusicianProfile] = relationship(foreign_keys=[profile_id], lazy="joined")

    @classmethod
    def guarding(cls) -> sa.ColumnElement[bool]:
        """A guardian's link that counts: accepted (a second guardian's, once the first
        accepted it) and not ended. The one criterion of "a child's guardian now"."""
        return sa.and_(cls.kind == "guardian", cls.ended_at.is_(None), cls.accepted_at.is_not(None))

    @classmethod
    def guardian_request(cls) -> sa.ColumnElement[bool]:
        """A second guardian's request still open: neither accepted nor ended. Whether it
        is waiting or has lapsed is its age (`family.services.REQUEST_DAYS`)."""
        return sa.and_(cls.kind == "guardian", cls.accepted_at.is_(None), cls.ended_at.is_(None))

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def status(self) -> str:
        return "active" if self.ended_at is None else "ended"


class Invite(IdMixin, Base):
    """A teacher's invitation: an 8-character code, stored only as its SHA-256, used once."""

    __tablename__ = "studio_invites"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    link_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("links.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(lazy="joined")
