"""teaching: users.is_teacher, links (teacher/guardian ↔ musician profile), studio invites

At most one active link per kind, person and profile: a partial unique index over the
links whose ended_at is NULL (both databases support it).

Revision ID: c4ae72ac2dbc
Revises: bf097ff9e90b
Create Date: 2026-12-03 12:00:12.674054
"""

import sqlalchemy as sa
from alembic import op

revision = "c4ae72ac2dbc"
down_revision = "bf097ff9e90b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "links",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('teacher', 'guardian')", name=op.f("ck_links_kind")),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["users.id"],
            name=op.f("fk_links_accepted_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ended_by"], ["users.id"], name=op.f("fk_links_ended_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_links_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_links_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_links_profile_id"), ["profile_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_links_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_links_active_pair",
            ["kind", "user_id", "profile_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "studio_invites",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("link_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["links.id"],
            name=op.f("fk_studio_invites_link_id_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_studio_invites_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_studio_invites_code_hash")),
    )
    with op.batch_alter_table("studio_invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_studio_invites_user_id"), ["user_id"], unique=False)

    # A plain ALTER TABLE, never a batch copy of `users` (see downgrade).
    op.add_column(
        "users", sa.Column("is_teacher", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    # Not a batch copy of `users`: on SQLite that recreates the table, and the foreign keys
    # pointing at it would delete every profile with it (SQLite 3.35+ drops a column).
    op.execute("ALTER TABLE users DROP COLUMN is_teacher")

    with op.batch_alter_table("studio_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_studio_invites_user_id"))

    op.drop_table("studio_invites")
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_links_active_pair",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_links_user_id"))
        batch_op.drop_index(batch_op.f("ix_links_profile_id"))

    op.drop_table("links")
