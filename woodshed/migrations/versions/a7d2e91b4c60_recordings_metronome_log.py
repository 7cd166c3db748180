"""The metronome's log of a take: bars without tapped marks

A take recorded in the browser while Woodshed's metronome ran keeps the metronome's log
relative to the take's start (`[{at_ms, bpm, beats_per_bar, bar}]`), so the bars of any
moment are known without tapped marks. Existing takes: none.

Revision ID: a7d2e91b4c60
Revises: dc4d55c0d96c
Create Date: 2026-12-03 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7d2e91b4c60"
down_revision = "dc4d55c0d96c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metronome_log", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_column("metronome_log")
