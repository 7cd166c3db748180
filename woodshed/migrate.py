"""Alembic, driven from the application (`woodshed db …`) instead of an alembic.ini."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import Connection


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("woodshed") / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision shipped with this code (fixed for the life of the process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The database's revision; quiet and cheap, as /readyz asks it every few seconds."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(app: Flask, revision: str = "head") -> None:
    with app.app_context():
        engine = app.extensions["woodshed.engine"]
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)


def downgrade(app: Flask, revision: str) -> None:
    with app.app_context(), app.extensions["woodshed.engine"].begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def revision(app: Flask, message: str, autogenerate: bool = True) -> None:
    with app.app_context(), app.extensions["woodshed.engine"].begin() as conn:
        command.revision(alembic_config(conn), message=message, autogenerate=autogenerate)


def include_name(name, kind, _parent) -> bool:
    """What model comparison looks at: the text-search structures live only in the
    migration (they differ per database: an FTS5 table on SQLite, a GIN index on PostgreSQL)."""
    if kind == "table" and name and name.startswith("search_fts"):
        return False
    return not (
        kind == "index" and name in ("ix_search_documents_body_tsv", "ix_search_documents_words")
    )
