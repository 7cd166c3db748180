"""ZIP exports as imports; comment bars that follow a take's sync points

A pending import may be a ZIP export (the JSON with the original recordings), which can
be larger than 2 GB; a comment pinned to a take remembers whether its bars came from the
take's sync points, so that they move when the sync points do (existing comments: no).

Revision ID: dc4d55c0d96c
Revises: 7c41d2a9e6b3
Create Date: 2026-12-03 18:03:48
"""

import sqlalchemy as sa
from alembic import op

revision = "dc4d55c0d96c"
down_revision = "7c41d2a9e6b3"
branch_labels = None
depends_on = None


def _kinds(check: str) -> None:
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_pending_imports_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_pending_imports_kind"), check)


def upgrade() -> None:
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.alter_column(
            "size", existing_type=sa.INTEGER(), type_=sa.BigInteger(), existing_nullable=False
        )
    _kinds("kind IN ('csv', 'json', 'zip')")
    with op.batch_alter_table("recording_comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bars_from_sync", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("recording_comments", schema=None) as batch_op:
        batch_op.drop_column("bars_from_sync")
    op.execute("DELETE FROM pending_imports WHERE kind = 'zip'")
    _kinds("kind IN ('csv', 'json')")
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.alter_column(
            "size", existing_type=sa.BigInteger(), type_=sa.INTEGER(), existing_nullable=False
        )
