"""Family: child profiles managed by guardians, consent on record, a guardian's second
guardian invitation, parents' notes and sign-offs, the kid-mode PIN.

A child profile is a `MusicianProfile` without an account (`user_id` null); each guardian
is a `teaching.models.Link` of kind "guardian" to it (accepted: `accepted_at` set). The
policy treats an accepted guardian like the musician: full read and write.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from woodshed.db import Base, IdMixin, utcnow
from woodshed.repertoire.models import _in

if TYPE_CHECKING:
    from woodshed.accounts.models import User

#: What a guardian consents to, each stored on its own row.
CONSENT_KINDS = ("child_profile", "teacher_link", "child_email")
#: The version of the notice shown beside each consent (docs/children.md).
NOTICE_VERSION = "2026-12"
#: How long a guardian's note on a session, and an answer to a teacher's question, may be
#: (`services.add_signoff` enforces them; the API's schema reads the same numbers).
SIGNOFF_NOTE_MAX_CHARS = 2000
SIGNOFF_ANSWER_MAX_CHARS = 500


class Consent(IdMixin, Base):
    """A guardian's explicit consent: who, when, which notice, what was allowed."""

    __tablename__ = "consents"
    __table_args__ = (sa.CheckConstraint(_in("kind", CONSENT_KINDS), name="kind"),)

    kind: Mapped[str] = mapped_column(sa.String(20))
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    notice_version: Mapped[str] = mapped_column(sa.String(20))
    #: What was allowed: for a teacher link the link's scopes and the teacher's id.
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    subject_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuardianInvite(IdMixin, Base):
    """A guardian's invitation of a second guardian for one child: a hashed 8-character
    code, used once; the link it makes waits for the inviting guardian's acceptance."""

    __tablename__ = "guardian_invites"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    invited_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    link_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("links.id", ondelete="SET NULL")
    )


class Signoff(IdMixin, Base):
    """A guardian's note on a child's session or one of its items; with `item_index`, the
    guardian signs that item off (optionally answering the assignment's question)."""

    __tablename__ = "signoffs"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    item_index: Mapped[int | None]
    assignment_item_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("assignment_items.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    answer: Mapped[str] = mapped_column(sa.String(SIGNOFF_ANSWER_MAX_CHARS), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    guardian: Mapped[User | None] = relationship("User", lazy="joined")


class KidPin(IdMixin, Base):
    """The PIN that leaves kid mode (4–8 digits, argon2id-hashed); 3 wrong tries lock it
    for 5 minutes."""

    __tablename__ = "kid_pins"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    pin_hash: Mapped[str] = mapped_column(sa.String(255))
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileMove(IdMixin, Base):
    """A guardian's invitation for a child to take their profile to an account of their
    own: an emailed single-use link (stored as its SHA-256) to one address. Accepting it
    creates the account with this profile as its own (docs/children.md)."""

    __tablename__ = "profile_moves"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    #: The account the profile moved to (set when the link is used).
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
