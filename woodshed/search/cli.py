"""`woodshed search rebuild`: make the search index again from the objects."""

from __future__ import annotations

import uuid

import click
from flask.cli import with_appcontext

from woodshed.db import db
from woodshed.search import rebuild as search_rebuild


@click.group("search", help="Search index maintenance.")
def search_group() -> None:
    pass


@search_group.command("rebuild", help="Rebuild the search index from the objects.")
@click.option("--profile", "profile_ids", multiple=True, help="Only this profile id (repeatable).")
@with_appcontext
def rebuild(profile_ids: tuple[str, ...]) -> None:
    try:
        ids = [uuid.UUID(p) for p in profile_ids]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--profile") from exc
    count = search_rebuild.rebuild(ids) if ids else search_rebuild.rebuild_all()
    db.session.commit()
    click.echo(f"Indexed {count} objects for search.")
