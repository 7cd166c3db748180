"""`woodshed stats rebuild`: recompute the rollups (and badges) from the journal."""

from __future__ import annotations

import uuid

import click
from flask.cli import with_appcontext


@click.group("stats", help="Statistics maintenance.")
def stats_group() -> None:
    pass


@stats_group.command(
    "rebuild", help="Recompute the daily rollups from the sessions and re-check badges."
)
@click.option("--profile", "profile_ids", multiple=True, help="Only this profile id (repeatable).")
@with_appcontext
def rebuild(profile_ids: tuple[str, ...]) -> None:
    import sqlalchemy as sa

    from woodshed.db import db
    from woodshed.profiles.models import MusicianProfile
    from woodshed.stats import badges, services

    try:
        ids = [uuid.UUID(p) for p in profile_ids] or None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--profile") from exc
    profiles, sessions = services.rebuild(ids)
    for profile in db.session.scalars(
        sa.select(MusicianProfile).where(MusicianProfile.id.in_(ids))
        if ids
        else sa.select(MusicianProfile)
    ):
        badges.evaluate(profile)
    db.session.commit()
    click.echo(f"Rebuilt the statistics of {profiles} profiles from {sessions} sessions.")
