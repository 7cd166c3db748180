"""names unique per musician ignoring case: skills.key, wider tags.key

A skill's name was unique per musician (ignoring case) only as far as the code checked it
before inserting, so two requests at once — or adopting a plan template with a skill of
a name one had — could store two. The casefolded name is now a column with a unique
constraint, like a tag's, so creating a skill by name is safe under concurrency (a clash
is re-read, see `policy.insert_or_existing`). Of skills that already share a name the
oldest keeps it; the others get " (2)", " (3)" … (a number no other skill's name has).

`tags.key` grows to 150 characters: casefolding can triple a name's length ("ΐ"), and a
50-character tag must still fit.

Revision ID: bcddec2b36b9
Revises: d3a8f61c2b94
Create Date: 2026-12-03 08:59:15
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "bcddec2b36b9"
down_revision = "d3a8f61c2b94"
branch_labels = None
depends_on = None

NAME_LENGTH = 200


def _distinct(name: str, taken: set[str]) -> str:
    """`name` with the smallest " (n)" that makes its casefolded form free, within 200."""
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = name[: NAME_LENGTH - len(suffix)] + suffix
        if candidate.casefold() not in taken:
            return candidate
        n += 1


def upgrade() -> None:
    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=600), nullable=True))

    # Keys are computed here, not in SQL: SQLite's lower() folds ASCII letters only.
    skills = sa.table(
        "skills",
        sa.column("id", sa.Uuid()),
        sa.column("profile_id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("key", sa.String()),
        sa.column("created_at", sa.DateTime()),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(skills.c.id, skills.c.profile_id, skills.c.name).order_by(
            skills.c.profile_id, skills.c.created_at, skills.c.id
        )
    ).all()
    # Only a later skill of a name already used is renamed, to a name no skill has.
    taken: dict = defaultdict(set)
    for _id, profile_id, name in rows:
        taken[profile_id].add(name.casefold())
    kept: dict = defaultdict(set)
    for skill_id, profile_id, name in rows:
        if name.casefold() in kept[profile_id]:
            name = _distinct(name, taken[profile_id])
            taken[profile_id].add(name.casefold())
        kept[profile_id].add(name.casefold())
        conn.execute(
            sa.update(skills).where(skills.c.id == skill_id).values(name=name, key=name.casefold())
        )

    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.alter_column("key", existing_type=sa.String(length=600), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_skills_profile_id_key"), ["profile_id", "key"]
        )

    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.alter_column(
            "key",
            existing_type=sa.VARCHAR(length=50),
            type_=sa.String(length=150),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Fails if a tag's key is longer than 50 characters now (nothing is cut silently).
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.alter_column(
            "key",
            existing_type=sa.String(length=150),
            type_=sa.VARCHAR(length=50),
            existing_nullable=False,
        )

    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_skills_profile_id_key"), type_="unique")
        batch_op.drop_column("key")
