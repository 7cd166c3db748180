"""family: profile_moves (a child's profile moved to the child's own account)

Revision ID: a7c2d9e4f1b3
Revises: 3b8e1f0c7d52
Create Date: 2026-12-03 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c2d9e4f1b3"
down_revision = "3b8e1f0c7d52"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_moves",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_profile_moves_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_profile_moves_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_profile_moves_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_moves")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_profile_moves_token_hash")),
    )
    op.create_index(
        op.f("ix_profile_moves_invited_by"), "profile_moves", ["invited_by"], unique=False
    )
    op.create_index(
        op.f("ix_profile_moves_profile_id"), "profile_moves", ["profile_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_profile_moves_profile_id"), table_name="profile_moves")
    op.drop_index(op.f("ix_profile_moves_invited_by"), table_name="profile_moves")
    op.drop_table("profile_moves")
