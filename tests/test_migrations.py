"""REL-MIG: the migrations build exactly the schema the models describe, on this run's
database (SQLite or PostgreSQL), and take it down again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from tests.conftest import new_database_url
from woodshed import migrate
from woodshed.db import make_engine
from woodshed.models import metadata
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Skill
from woodshed.stats import rollup


@pytest.fixture
def empty_database(database: str, tmp_path: Path) -> Iterator[Flask]:
    """A Flask shell around an engine on a brand-new, empty database."""
    url, drop = new_database_url(tmp_path)
    app = Flask("migrations")
    app.extensions["woodshed.engine"] = make_engine(url)
    yield app
    app.extensions["woodshed.engine"].dispose()
    drop()


def table_names(app: Flask) -> set[str]:
    with app.extensions["woodshed.engine"].connect() as conn:
        names = sa.inspect(conn).get_table_names()
    return {n for n in names if migrate.include_name(n, "table", None)}


def schema_diff(app: Flask) -> list:
    with app.extensions["woodshed.engine"].connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": migrate.include_name,
            },
        )
        return compare_metadata(context, metadata)


def test_upgrading_an_empty_database_to_head_matches_the_models(empty_database):
    assert table_names(empty_database) == set()
    migrate.upgrade(empty_database)
    assert table_names(empty_database) == set(metadata.tables) | {"alembic_version"}
    assert schema_diff(empty_database) == []


def test_the_database_records_the_head_revision(empty_database):
    migrate.upgrade(empty_database)
    with empty_database.extensions["woodshed.engine"].connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()


def test_downgrading_to_base_removes_every_table_and_upgrading_again_works(empty_database):
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, "base")
    assert table_names(empty_database) <= {"alembic_version"}
    migrate.upgrade(empty_database)
    assert schema_diff(empty_database) == []


def test_the_diff_would_notice_a_model_the_migrations_lack(empty_database):
    """The comparison is not vacuous: a table only in the models shows up."""
    migrate.upgrade(empty_database)
    extra = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(extra)
    sa.Table("only_in_the_models", extra, sa.Column("id", sa.Integer, primary_key=True))
    with empty_database.extensions["woodshed.engine"].connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": migrate.include_name})
        diff = compare_metadata(context, extra)
    assert [d[0] for d in diff] == ["add_table"]


def test_skills_sharing_a_name_get_distinct_names_and_keys_on_upgrade(empty_database):
    """bcddec2b36b9: names unique per musician ignoring case became a unique key."""
    migrate.upgrade(empty_database, "d3a8f61c2b94")
    profiles, skills = MusicianProfile.__table__, Skill.__table__
    alice, bob = uuid.uuid4(), uuid.uuid4()
    made = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [  # (profile, name) in the order they were made
        (alice, "Scales"),
        (alice, "SCALES"),
        (alice, "scales"),
        (alice, "Scales (2)"),  # a name of its own: kept, and not given to another
        (alice, "Straße"),
        (alice, "STRASSE"),
        (bob, "Scales"),  # another musician's skill keeps its name
    ]
    engine = empty_database.extensions["woodshed.engine"]
    with engine.begin() as conn:
        for profile_id, name in ((alice, "Alice"), (bob, "Bob")):
            conn.execute(sa.insert(profiles).values(id=profile_id, display_name=name))
        for minutes, (profile_id, name) in enumerate(rows):
            # Without `key`, which this revision does not have yet.
            conn.execute(
                sa.insert(skills).values(
                    id=uuid.uuid4(),
                    profile_id=profile_id,
                    name=name,
                    created_at=made + timedelta(minutes=minutes),
                )
            )
    migrate.upgrade(empty_database)
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(skills.c.profile_id == alice, skills.c.name, skills.c.key).order_by(
                skills.c.created_at
            )
        ).all()
    assert [tuple(row) for row in found] == [
        (True, "Scales", "scales"),
        (True, "SCALES (3)", "scales (3)"),
        (True, "scales (4)", "scales (4)"),
        (True, "Scales (2)", "scales (2)"),
        (True, "Straße", "strasse"),
        (True, "STRASSE (2)", "strasse (2)"),
        (False, "Scales", "scales"),
    ]


GOAL_DIMENSION = "9b2bdf419c95"


def _goal_rows(conn) -> list[list[tuple]]:
    """The goal rows of each breakdown rollup, in a stable order."""
    found = []
    for name in ("daily_breakdowns", "monthly_breakdowns", "lifetime_breakdowns"):
        table = metadata.tables[name]
        found.append(
            [
                tuple(row)
                for row in conn.execute(
                    sa.select(table)
                    .where(table.c.dimension == "goal")
                    .order_by(*(c for c in table.primary_key.columns))
                )
            ]
        )
    return found


def test_the_goal_dimension_is_added_up_from_existing_journals_as_the_rollups_count_it(
    empty_database,
):
    """Data written before the goal dimension existed gets the rows a rebuild writes."""
    migrate.upgrade(empty_database)
    engine = empty_database.extensions["woodshed.engine"]
    t = metadata.tables
    with engine.begin() as conn:
        user = conn.execute(
            t["users"].insert().values(email="m@example.org", password_hash="x")
        ).inserted_primary_key[0]
        profile = conn.execute(
            t["musician_profiles"].insert().values(user_id=user, display_name="M")
        ).inserted_primary_key[0]
        goals = [
            conn.execute(
                t["goals"].insert().values(profile_id=profile, title=title)
            ).inserted_primary_key[0]
            for title in ("Scales daily", "Exam")
        ]
        entries = [
            # (practice date, minutes, quality, confidence, linked goals)
            (date(2026, 1, 30), 20, 4, None, goals),
            (date(2026, 2, 2), 35, None, 2, goals[:1]),
            (date(2026, 2, 2), 10, 5, 5, []),
        ]
        for day, minutes, quality, confidence, linked in entries:
            session = conn.execute(
                t["practice_sessions"]
                .insert()
                .values(
                    profile_id=profile,
                    started_at=datetime.combine(day, time(18), UTC),
                    practice_date=day,
                    timezone="UTC",
                    duration_minutes=minutes,
                    quality=quality,
                    confidence=confidence,
                )
            ).inserted_primary_key[0]
            for goal in linked:
                conn.execute(t["session_goals"].insert().values(session_id=session, goal_id=goal))
        rollup.rebuild(conn, [profile])
        expected = _goal_rows(conn)
    # Each row twice: for the musician ("all") and for a teacher ("shared").
    assert [len(rows) for rows in expected] == [6, 6, 4]

    before = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(GOAL_DIMENSION)
    migrate.downgrade(empty_database, before.down_revision)
    with engine.connect() as conn:
        # (read without the audience key, which came later)
        for name in ("daily_breakdowns", "monthly_breakdowns", "lifetime_breakdowns"):
            table = sa.table(name, sa.column("dimension"))
            goal_rows = sa.select(sa.func.count()).where(table.c.dimension == "goal")
            assert conn.scalar(goal_rows.select_from(table)) == 0
    migrate.upgrade(empty_database)
    with engine.connect() as conn:
        assert _goal_rows(conn) == expected


SINGLE_LINE = "a5ac311588d6"


def test_titles_and_names_stored_with_line_breaks_become_one_line_on_upgrade(empty_database):
    """a5ac311588d6: single-line text written before it was checked is cleaned."""
    before = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(SINGLE_LINE)
    migrate.upgrade(empty_database, before.down_revision)
    engine = empty_database.extensions["woodshed.engine"]
    t = metadata.tables
    with engine.begin() as conn:
        profile = uuid.uuid4()
        conn.execute(
            t["musician_profiles"].insert().values(id=profile, display_name="Dora\r\n\tB.")
        )
        for title in ("Scales\r\nBcc: everyone@example.org", "\n", "Étude\u2028op. 10", "Plain"):
            conn.execute(t["goals"].insert().values(profile_id=profile, title=title))
    migrate.upgrade(empty_database)
    with engine.connect() as conn:
        name = conn.scalar(sa.select(t["musician_profiles"].c.display_name))
        titles = set(conn.scalars(sa.select(t["goals"].c.title)))
    assert name == "Dora B."
    assert titles == {"Scales Bcc: everyone@example.org", "Untitled", "Étude op. 10", "Plain"}


AUDIENCE = "a7d2c9e4f1b6"
ROLLUPS = ("daily_totals", "daily_breakdowns", "monthly_breakdowns", "lifetime_breakdowns")


def _rollup_rows(conn) -> dict[str, list[tuple]]:
    found = {}
    for name in ROLLUPS:
        table = metadata.tables[name]
        found[name] = [
            tuple(row)
            for row in conn.execute(
                sa.select(table).order_by(*(c for c in table.primary_key.columns))
            )
        ]
    return found


def test_the_audience_key_gives_teachers_rows_without_the_private_sessions_on_upgrade(
    empty_database,
):
    """Rollups written before the audience key existed: after the upgrade every musician
    has the "shared" rows a rebuild writes — a copy for a journal without private
    sessions, the non-private sessions alone for one with them."""
    migrate.upgrade(empty_database)
    engine = empty_database.extensions["woodshed.engine"]
    t = metadata.tables
    with engine.begin() as conn:
        profiles = []
        for n, privates in enumerate(((False, False), (False, True, True), (True,))):
            user = conn.execute(
                t["users"].insert().values(email=f"m{n}@example.org", password_hash="x")
            ).inserted_primary_key[0]
            profile = conn.execute(
                t["musician_profiles"].insert().values(user_id=user, display_name=f"M{n}")
            ).inserted_primary_key[0]
            profiles.append(profile)
            for i, private in enumerate(privates):
                day = date(2026, 3, 1) + timedelta(days=i * 17)
                conn.execute(
                    t["practice_sessions"]
                    .insert()
                    .values(
                        profile_id=profile,
                        started_at=datetime.combine(day, time(18), UTC),
                        practice_date=day,
                        timezone="UTC",
                        duration_minutes=10 + 7 * i,
                        quality=3,
                        private=private,
                    )
                )
        rollup.rebuild(conn, profiles)
        expected = _rollup_rows(conn)
    shared = [row for row in expected["daily_totals"] if row[1] == "shared"]
    assert len(shared) == 3  # 2 days of the first musician, 1 of the second, 0 of the third

    before = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(AUDIENCE)
    migrate.downgrade(empty_database, before.down_revision)
    with engine.connect() as conn:
        totals = sa.table("daily_totals", sa.column("profile_id"))
        assert conn.scalar(sa.select(sa.func.count()).select_from(totals)) == 6
    migrate.upgrade(empty_database)
    with engine.connect() as conn:
        assert _rollup_rows(conn) == expected
