"""rollup: an audience key — every session ("all") or the non-private ones ("shared")

A linked teacher reads a student's statistics, heatmap, repertoire and goals through the
same rollups as the student, with audience = "shared": private sessions never count
there. Existing rows become the "all" rows; the "shared" rows are a copy of them for
musicians with no private session, and rebuilt by the rollup code for the others.

Revision ID: a7d2c9e4f1b6
Revises: f0e4ea0a7de9
Create Date: 2026-12-03 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7d2c9e4f1b6"
down_revision = "f0e4ea0a7de9"
branch_labels = None
depends_on = None

#: table → its key columns after profile_id (before: without "audience").
KEYS: dict[str, tuple[str, ...]] = {
    "daily_totals": ("practice_date",),
    "daily_breakdowns": ("practice_date", "dimension", "key"),
    "monthly_breakdowns": ("dimension", "month", "key"),
    "lifetime_breakdowns": ("dimension", "key"),
}
INDEXES = {
    "ix_daily_breakdowns_profile_dimension_date": ("dimension", "practice_date"),
    "ix_daily_breakdowns_profile_dimension_key_date": ("dimension", "key", "practice_date"),
}
CHECK = "audience IN ('all', 'shared')"


def upgrade() -> None:
    for table, key in KEYS.items():
        with op.batch_alter_table(table, recreate="always") as batch_op:
            batch_op.add_column(
                sa.Column("audience", sa.String(length=6), nullable=False, server_default="all")
            )
            batch_op.drop_constraint(op.f(f"pk_{table}"), type_="primary")
            batch_op.create_primary_key(op.f(f"pk_{table}"), ["profile_id", "audience", *key])
            batch_op.create_check_constraint(op.f(f"ck_{table}_audience"), CHECK)
            if table == "daily_breakdowns":
                for name, columns in INDEXES.items():
                    batch_op.drop_index(name)
                    batch_op.create_index(name, ["profile_id", "audience", *columns])
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("audience", server_default=None)

    conn = op.get_bind()
    sessions = sa.table(
        "practice_sessions", sa.column("profile_id", sa.Uuid()), sa.column("private", sa.Boolean())
    )
    with_private = sa.select(sessions.c.profile_id).where(sessions.c.private.is_(True)).distinct()
    for table in KEYS:
        names = [c["name"] for c in sa.inspect(conn).get_columns(table)]
        rows = sa.table(table, *(sa.column(c) for c in names))
        copied = [rows.c[c] if c != "audience" else sa.literal("shared") for c in names]
        conn.execute(
            rows.insert().from_select(
                names,
                sa.select(*copied).where(
                    rows.c.audience == "all", rows.c.profile_id.not_in(with_private)
                ),
            )
        )
    # Musicians with private sessions: their "shared" rows from the rollup code itself
    # (`woodshed stats rebuild` runs the same).
    from woodshed.stats.rollup import rebuild

    rebuild(conn, list(conn.execute(with_private).scalars()))


def downgrade() -> None:
    for table, key in KEYS.items():
        rows = sa.table(table, sa.column("audience"))
        op.execute(sa.delete(rows).where(rows.c.audience != "all"))
        with op.batch_alter_table(table, recreate="always") as batch_op:
            if table == "daily_breakdowns":
                for name, names in INDEXES.items():
                    batch_op.drop_index(name)
                    batch_op.create_index(name, ["profile_id", *names])
            batch_op.drop_constraint(op.f(f"ck_{table}_audience"), type_="check")
            batch_op.drop_constraint(op.f(f"pk_{table}"), type_="primary")
            batch_op.create_primary_key(op.f(f"pk_{table}"), ["profile_id", *key])
            batch_op.drop_column("audience")
