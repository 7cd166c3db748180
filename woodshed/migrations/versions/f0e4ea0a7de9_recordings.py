"""recordings: takes, their comments, resumable uploads and storage use per profile

Revision ID: f0e4ea0a7de9
Revises: e5a1c7d93f02
Create Date: 2026-12-03 12:03:41.424809
"""

import sqlalchemy as sa
from alembic import op

revision = "f0e4ea0a7de9"
down_revision = "e5a1c7d93f02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording_uploads",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_recording_uploads_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_uploads")),
    )
    with op.batch_alter_table("recording_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recording_uploads_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recording_uploads_profile_id"), ["profile_id"], unique=False
        )

    op.create_table(
        "storage_usage",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("used_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("used_bytes >= 0", name=op.f("ck_storage_usage_used_bytes")),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_storage_usage_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_storage_usage")),
    )
    op.create_table(
        "recordings",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("section_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("mime_type", sa.String(length=60), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("has_poster", sa.Boolean(), nullable=False),
        sa.Column("tempo", sa.JSON(), nullable=True),
        sa.Column("sync_points", sa.JSON(), nullable=False),
        sa.Column("metronome_bpm", sa.Float(), nullable=True),
        sa.Column("listened_by_teacher_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retention_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IS NULL OR kind IN ('audio', 'video')", name=op.f("ck_recordings_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'ready', 'failed')",
            name=op.f("ck_recordings_status"),
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_recordings_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_recordings_section_id_sections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["practice_sessions.id"],
            name=op.f("fk_recordings_session_id_practice_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recordings_profile_created", ["profile_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recordings_section_id"), ["section_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_session_id"), ["session_id"], unique=False)
        batch_op.create_index(
            "ix_recordings_status_due", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "recording_comments",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=True),
        sa.Column("bar_start", sa.Integer(), nullable=True),
        sa.Column("bar_end", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("at_ms >= 0", name=op.f("ck_recording_comments_at_ms")),
        sa.CheckConstraint(
            "bar_start IS NULL OR (bar_start >= 1 AND bar_end >= bar_start)",
            name=op.f("ck_recording_comments_bars"),
        ),
        sa.CheckConstraint(
            "end_ms IS NULL OR end_ms >= at_ms", name=op.f("ck_recording_comments_span")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_recording_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["recording_comments.id"],
            name=op.f("fk_recording_comments_parent_id_recording_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_recording_comments_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_recording_comments_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_comments")),
    )
    with op.batch_alter_table("recording_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recording_comments_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recording_comments_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            "ix_recording_comments_recording_at", ["recording_id", "at_ms", "id"], unique=False
        )
        batch_op.create_index(
            "ix_recording_comments_section_bars",
            ["profile_id", "bar_start", "bar_end"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("recording_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_recording_comments_section_bars")
        batch_op.drop_index("ix_recording_comments_recording_at")
        batch_op.drop_index(batch_op.f("ix_recording_comments_parent_id"))
        batch_op.drop_index(batch_op.f("ix_recording_comments_author_id"))

    op.drop_table("recording_comments")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_recordings_status_due")
        batch_op.drop_index(batch_op.f("ix_recordings_session_id"))
        batch_op.drop_index(batch_op.f("ix_recordings_section_id"))
        batch_op.drop_index("ix_recordings_profile_created")

    op.drop_table("recordings")
    op.drop_table("storage_usage")
    with op.batch_alter_table("recording_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_uploads_profile_id"))
        batch_op.drop_index(batch_op.f("ix_recording_uploads_expires_at"))

    op.drop_table("recording_uploads")
