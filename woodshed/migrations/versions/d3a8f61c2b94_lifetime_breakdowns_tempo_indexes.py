"""rollup: lifetime breakdowns; best tempo per piece and section by index

Progress, all-time breakdowns and badges read "so far" sums per object: one row each in
lifetime_breakdowns instead of one per month in monthly_breakdowns. The partial indexes
make "the best tempo reached on this piece or section" (tempo goals) one backward seek.

Revision ID: d3a8f61c2b94
Revises: 7c1f2e9a4b30
Create Date: 2026-12-02 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d3a8f61c2b94"
down_revision = "7c1f2e9a4b30"
branch_labels = None
depends_on = None

FIELDS = (
    "minutes",
    "sessions",
    "quality_sum",
    "quality_n",
    "enjoyment_sum",
    "enjoyment_n",
    "confidence_sum",
    "confidence_n",
    "tempo_sum",
    "tempo_n",
    "ratio_sum",
    "ratio_n",
)


def upgrade() -> None:
    op.create_table(
        "lifetime_breakdowns",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("dimension", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FIELDS),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["musician_profiles.id"],
            name=op.f("fk_lifetime_breakdowns_profile_id_musician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "profile_id", "dimension", "key", name=op.f("pk_lifetime_breakdowns")
        ),
    )
    # The monthly rollup already holds every sum: add its months up.
    monthly = sa.table(
        "monthly_breakdowns",
        *(sa.column(c) for c in ("profile_id", "dimension", "key", *FIELDS)),
    )
    lifetime = sa.table(
        "lifetime_breakdowns",
        *(sa.column(c) for c in ("profile_id", "dimension", "key", *FIELDS)),
    )
    op.execute(
        lifetime.insert().from_select(
            ["profile_id", "dimension", "key", *FIELDS],
            sa.select(
                monthly.c.profile_id,
                monthly.c.dimension,
                monthly.c.key,
                *(sa.func.sum(monthly.c[f]) for f in FIELDS),
            ).group_by(monthly.c.profile_id, monthly.c.dimension, monthly.c.key),
        )
    )
    for column in ("piece_id", "section_id"):
        op.create_index(
            f"ix_session_items_{column}_tempo",
            "session_items",
            [column, "tempo_bpm"],
            postgresql_where=sa.text("tempo_bpm IS NOT NULL"),
            sqlite_where=sa.text("tempo_bpm IS NOT NULL"),
        )


def downgrade() -> None:
    for column in ("piece_id", "section_id"):
        op.drop_index(f"ix_session_items_{column}_tempo", table_name="session_items")
    op.drop_table("lifetime_breakdowns")
