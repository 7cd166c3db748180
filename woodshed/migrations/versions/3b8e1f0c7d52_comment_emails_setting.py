"""notification settings: comment_emails (email when a comment or a reply arrives)

Revision ID: 3b8e1f0c7d52
Revises: ebcef435a386
Create Date: 2026-12-03 16:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "3b8e1f0c7d52"
down_revision = "ebcef435a386"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "notification_settings",
        sa.Column("comment_emails", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("notification_settings") as batch_op:
        batch_op.drop_column("comment_emails")
