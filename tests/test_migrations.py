"""REL-MIG: the migrations build exactly the schema the models describe, on this run's
database (SQLite or PostgreSQL), and take it down again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from tests.conftest import new_database_url
from woodshed import migrate
from woodshed.db import make_engine
from woodshed.models import metadata


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Flask]:
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
