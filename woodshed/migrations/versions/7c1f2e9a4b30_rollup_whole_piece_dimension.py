"""rollup: whole-piece work as its own breakdown dimension

"What next" asks when each piece was last worked on as a whole; with this dimension the
answer is one index seek in daily_breakdowns instead of a scan of every session item.

Revision ID: 7c1f2e9a4b30
Revises: 0eb10318201d
Create Date: 2026-11-22 04:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7c1f2e9a4b30"
down_revision = "0eb10318201d"
branch_labels = None
depends_on = None

OLD = ("instrument", "piece", "section", "skill", "tag", "hour", "length")
NEW = (*OLD, "whole")


def _check(dimensions: tuple[str, ...]) -> str:
    return "dimension IN (" + ", ".join(repr(d) for d in dimensions) + ")"


def _set_dimensions(dimensions: tuple[str, ...]) -> None:
    with op.batch_alter_table("daily_breakdowns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_daily_breakdowns_dimension"), type_="check")
        batch_op.create_check_constraint(op.f("ck_daily_breakdowns_dimension"), _check(dimensions))


def upgrade() -> None:
    _set_dimensions(NEW)
    # Fill the new rows the way the rollup code does, for every musician with whole-piece
    # work; `woodshed stats rebuild` runs this same code.
    from woodshed.stats.rollup import rebuild

    conn = op.get_bind()
    items = sa.table(
        "session_items", sa.column("session_id"), sa.column("section_id"), sa.column("piece_id")
    )
    sessions = sa.table("practice_sessions", sa.column("id"), sa.column("profile_id"))
    profile_ids = conn.execute(
        sa.select(sessions.c.profile_id)
        .distinct()
        .join(items, items.c.session_id == sessions.c.id)
        .where(items.c.piece_id.is_not(None), items.c.section_id.is_(None))
    ).scalars()
    rebuild(conn, list(profile_ids))


def downgrade() -> None:
    for name in ("daily_breakdowns", "monthly_breakdowns"):
        table = sa.table(name, sa.column("dimension"))
        op.execute(sa.delete(table).where(table.c.dimension == "whole"))
    _set_dimensions(OLD)
