"""single-line text: titles, names and short messages written before they were checked

Titles, names, reminder messages and addresses are one line now (`validation.line`): a
line break in a plan or goal title used to reach an email Subject and stall the worker.
This revision rewrites the rows stored before: each run of tabs, line breaks and other
control characters becomes one space, and a required name left empty becomes "Untitled".
Tags' and skills' matching keys are left as they were (a cleaned name could otherwise
collide with another one's key). Nothing to undo on downgrade.

Revision ID: a5ac311588d6
Revises: 5c1e0a7d9f42
Create Date: 2026-12-03 12:30:00
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "a5ac311588d6"
down_revision = "5c1e0a7d9f42"
branch_labels = None
depends_on = None

# (table, column, required): the single-line columns a person (or an import) writes.
COLUMNS = (
    ("musician_profiles", "display_name", True),
    ("instruments", "name", True),
    ("pieces", "title", True),
    ("pieces", "composer", False),
    ("pieces", "arranger", False),
    ("sections", "name", True),
    ("skills", "name", True),
    ("tags", "name", True),
    ("goals", "title", True),
    ("goal_checklist_items", "text", True),
    ("session_evidence", "url", False),
    ("resources", "title", False),
    ("resources", "url", False),
    ("plans", "title", True),
    ("plan_templates", "title", True),
    ("reminders", "message", False),
    ("notifications", "title", True),
    ("skip_periods", "reason", False),
)
BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _clean(value: str, required: bool) -> str:
    cleaned = re.sub(" {2,}", " ", BREAKING.sub(" ", value)).strip()
    return cleaned or ("Untitled" if required else "")


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for name, column, required in COLUMNS:
        table = sa.table(name, sa.column("id"), sa.column(column))
        col = table.c[column]
        if postgres:
            suspects = col.regexp_match("[\x01-\x1f\x7f-\x9f\u2028\u2029]")
        else:  # anything outside printable ASCII, narrowed down in Python
            suspects = col.op("GLOB")("*[^ -~]*")
        rows = bind.execute(sa.select(table.c.id, col).where(suspects)).all()
        changes = [
            {"row_id": row_id, "value": _clean(value, required)}
            for row_id, value in rows
            if value is not None and BREAKING.search(value)
        ]
        if changes:
            bind.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("row_id"))
                .values({column: sa.bindparam("value")}),
                changes,
            )


def downgrade():
    pass
