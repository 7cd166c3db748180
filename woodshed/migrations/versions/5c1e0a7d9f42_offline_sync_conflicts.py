"""offline sync: the conflicts inbox (values that lost a merge of an offline edit)

Revision ID: 5c1e0a7d9f42
Revises: 901fb6d23624
Create Date: 2026-12-03 12:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5c1e0a7d9f42"
down_revision = "901fb6d23624"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_conflicts",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("live_value", sa.JSON(), nullable=True),
        sa.Column("other_value", sa.JSON(), nullable=True),
        sa.Column("other_source", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=10), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "object_type IN ('session')", name=op.f("ck_sync_conflicts_object_type")
        ),
        sa.CheckConstraint(
            "resolution IN ('live', 'other')", name=op.f("ck_sync_conflicts_resolution")
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_sync_conflicts_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_conflicts_profile_open",
            ["profile_id", "resolved_at", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sync_conflicts_object_id"), ["object_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflicts_object_id"))
        batch_op.drop_index("ix_sync_conflicts_profile_open")
    op.drop_table("sync_conflicts")
