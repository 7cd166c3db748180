"""Alembic, driven from the application (`woodshed db …`) instead of an alembic.ini."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import Connection


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("woodshed") / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


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
