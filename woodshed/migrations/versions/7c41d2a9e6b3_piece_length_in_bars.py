"""pieces: length_bars (how many bars a piece has; the bar strip's length)

Revision ID: 7c41d2a9e6b3
Revises: a7c2d9e4f1b3
Create Date: 2026-12-03 18:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7c41d2a9e6b3"
down_revision = "a7c2d9e4f1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pieces") as batch_op:
        batch_op.add_column(sa.Column("length_bars", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_pieces_length_bars"), "length_bars >= 1")


def downgrade() -> None:
    with op.batch_alter_table("pieces") as batch_op:
        batch_op.drop_constraint(op.f("ck_pieces_length_bars"), type_="check")
        batch_op.drop_column("length_bars")
