"""What importing needs to remember: uploads awaiting confirmation, the saved column
mapping, and fingerprints of spreadsheet rows already imported."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from woodshed.db import Base, IdMixin, utcnow

DATE_ORDERS = ("DMY", "MDY")


class PendingImport(IdMixin, Base):
    """An uploaded file kept in storage between the preview and the commit."""

    __tablename__ = "pending_imports"
    __table_args__ = (sa.CheckConstraint("kind IN ('csv', 'json', 'zip')", name="kind"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(4))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    stored_name: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)  # a ZIP export may pass 2 GB
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportMapping(IdMixin, Base):
    """The column mapping a musician saved for next time: {column header: field}."""

    __tablename__ = "import_mappings"
    __table_args__ = (sa.CheckConstraint("date_order IN ('DMY', 'MDY')", name="date_order"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), unique=True
    )
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    date_order: Mapped[str] = mapped_column(sa.String(3), default="DMY")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImportFingerprint(Base):
    """A spreadsheet row already imported, so importing the same file again adds nothing.

    Deleting the session deletes its fingerprint: importing the file again brings it back.
    """

    __tablename__ = "import_fingerprints"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
