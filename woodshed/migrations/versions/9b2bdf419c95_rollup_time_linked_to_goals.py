"""rollup: time linked to goals as its own breakdown dimension

The stats page's goal chart summed the sessions linked to each goal on every view; with
this dimension it reads the rollups like every other chart. The rows of the journals that
exist are added up here in SQL (the whole session's minutes and ratings per linked goal,
as `stats.rollup.Contributions.add_session` counts them), without the application's code.

Revision ID: 9b2bdf419c95
Revises: bcddec2b36b9
Create Date: 2026-12-03 09:25:16.114572
"""

import sqlalchemy as sa
from alembic import op

revision = "9b2bdf419c95"
down_revision = "bcddec2b36b9"
branch_labels = None
depends_on = None

OLD = ("instrument", "piece", "section", "skill", "tag", "hour", "length", "whole")
NEW = (*OLD, "goal")
TABLES = ("daily_breakdowns", "monthly_breakdowns", "lifetime_breakdowns")
RATINGS = ("quality", "enjoyment", "confidence")
FIELDS = (
    "minutes",
    "sessions",
    *(f"{r}_{part}" for r in RATINGS for part in ("sum", "n")),
    "tempo_sum",
    "tempo_n",
    "ratio_sum",
    "ratio_n",
)


def _check(dimensions: tuple[str, ...]) -> str:
    return "dimension IN (" + ", ".join(repr(d) for d in dimensions) + ")"


def _set_dimensions(dimensions: tuple[str, ...]) -> None:
    with op.batch_alter_table("daily_breakdowns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_daily_breakdowns_dimension"), type_="check")
        batch_op.create_check_constraint(op.f("ck_daily_breakdowns_dimension"), _check(dimensions))


#: Where the dashes of `str(uuid)` go among SQLite's 32 hex digits: (start, length).
HEX_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def _goal_key(column, dialect: str):
    """The goal's id as the rollups write it (`str(uuid)`): SQLite stores 32 hex digits."""
    if dialect == "postgresql":
        return sa.cast(column, sa.Text)
    parts = [sa.func.substr(column, start, length) for start, length in HEX_GROUPS]
    key = parts[0]
    for part in parts[1:]:
        key = key.op("||")("-").op("||")(part)
    return sa.func.lower(key)


def _month(column, dialect: str):
    if dialect == "postgresql":
        return sa.cast(sa.func.date_trunc("month", column), sa.Date)
    return sa.func.date(column, "start of month")


def upgrade() -> None:
    _set_dimensions(NEW)
    dialect = op.get_bind().dialect.name
    sessions = sa.table(
        "practice_sessions",
        *(sa.column(c) for c in ("id", "profile_id", "practice_date", "duration_minutes")),
        *(sa.column(r) for r in RATINGS),
    )
    links = sa.table("session_goals", sa.column("session_id"), sa.column("goal_id"))
    sums = [
        sa.func.sum(sessions.c.duration_minutes),
        sa.func.count(),
        *(
            agg
            for r in RATINGS
            for agg in (
                sa.func.coalesce(sa.func.sum(sessions.c[r]), 0),
                sa.func.count(sessions.c[r]),
            )
        ),
        *(sa.literal(0) for _ in range(4)),  # no tempos: a goal is not a passage
    ]
    key = _goal_key(links.c.goal_id, dialect)
    spans = {
        "daily_breakdowns": ("practice_date", sessions.c.practice_date),
        "monthly_breakdowns": ("month", _month(sessions.c.practice_date, dialect)),
        "lifetime_breakdowns": (None, None),
    }
    for name, (date_name, date_value) in spans.items():
        groups = [sessions.c.profile_id, key] + ([date_value] if date_name else [])
        keys = ["profile_id", "key"] + ([date_name] if date_name else [])
        table = sa.table(name, *(sa.column(c) for c in ("dimension", *keys, *FIELDS)))
        select = (
            sa.select(sa.literal("goal"), *groups, *sums)
            .select_from(links.join(sessions, sessions.c.id == links.c.session_id))
            .group_by(*groups)
        )
        op.execute(table.insert().from_select(["dimension", *keys, *FIELDS], select))


def downgrade() -> None:
    for name in TABLES:
        table = sa.table(name, sa.column("dimension"))
        op.execute(sa.delete(table).where(table.c.dimension == "goal"))
    _set_dimensions(OLD)
