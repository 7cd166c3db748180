"""session item notes: a short note of a session's own item (what was said about one passage)

Revision ID: a7c3e91b5d20
Revises: f0e4ea0a7de9
Create Date: 2026-12-03 15:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e91b5d20"
down_revision = "f0e4ea0a7de9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "session_items",
        sa.Column("note", sa.Text(), nullable=False, server_default=sa.text("''")),
    )


def downgrade() -> None:
    with op.batch_alter_table("session_items") as batch_op:
        batch_op.drop_column("note")
