"""family: child profiles, consents, second guardians, sign-offs, kid-mode PIN

Revision ID: ebcef435a386
Revises: 243d40d9fe0e
Create Date: 2026-12-03 15:06:06.444133
"""

import sqlalchemy as sa
from alembic import op

revision = "ebcef435a386"
down_revision = "243d40d9fe0e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kid_pins",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_kid_pins_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kid_pins")),
        sa.UniqueConstraint("user_id", name=op.f("uq_kid_pins_user_id")),
    )
    op.create_table(
        "consents",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("guardian_id", sa.Uuid(), nullable=True),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("notice_version", sa.String(length=20), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('child_profile', 'teacher_link', 'child_email')",
            name=op.f("ck_consents_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["users.id"],
            name=op.f("fk_consents_guardian_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_consents_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_guardian_id"), "consents", ["guardian_id"], unique=False)
    op.create_index(op.f("ix_consents_profile_id"), "consents", ["profile_id"], unique=False)

    op.create_table(
        "guardian_invites",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("link_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_guardian_invites_invited_by_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["links.id"],
            name=op.f("fk_guardian_invites_link_id_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_guardian_invites_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_guardian_invites_code_hash")),
    )
    op.create_index(
        op.f("ix_guardian_invites_invited_by"), "guardian_invites", ["invited_by"], unique=False
    )
    op.create_index(
        op.f("ix_guardian_invites_profile_id"), "guardian_invites", ["profile_id"], unique=False
    )

    op.create_table(
        "signoffs",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("guardian_id", sa.Uuid(), nullable=True),
        sa.Column("item_index", sa.Integer(), nullable=True),
        sa.Column("assignment_item_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answer", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_item_id"],
            ["assignment_items.id"],
            name=op.f("fk_signoffs_assignment_item_id_assignment_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["users.id"],
            name=op.f("fk_signoffs_guardian_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_signoffs_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["practice_sessions.id"],
            name=op.f("fk_signoffs_session_id_practice_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoffs")),
    )
    op.create_index(op.f("ix_signoffs_profile_id"), "signoffs", ["profile_id"], unique=False)
    op.create_index(op.f("ix_signoffs_session_id"), "signoffs", ["session_id"], unique=False)

    op.add_column(
        "assignment_items",
        sa.Column("question", sa.String(length=300), server_default=sa.text("''"), nullable=False),
    )

    op.add_column("musician_profiles", sa.Column("birth_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("musician_profiles", "birth_year")

    op.drop_column("assignment_items", "question")

    op.drop_index(op.f("ix_signoffs_session_id"), table_name="signoffs")
    op.drop_index(op.f("ix_signoffs_profile_id"), table_name="signoffs")

    op.drop_table("signoffs")
    op.drop_index(op.f("ix_guardian_invites_profile_id"), table_name="guardian_invites")
    op.drop_index(op.f("ix_guardian_invites_invited_by"), table_name="guardian_invites")

    op.drop_table("guardian_invites")
    op.drop_index(op.f("ix_consents_profile_id"), table_name="consents")
    op.drop_index(op.f("ix_consents_guardian_id"), table_name="consents")

    op.drop_table("consents")
    op.drop_table("kid_pins")
