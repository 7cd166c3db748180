"""`woodshed storage migrate`: move stored files between the local folder and an S3 bucket."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from woodshed.storage import backend_for, migrate


@click.group("storage", help="Stored files (recordings, pending imports).")
def storage_group() -> None:
    pass


@storage_group.command(
    "migrate",
    help="Copy every stored file from one store to the other, checked by SHA-256. "
    "`--to s3` copies the local folder into the configured bucket; `--to local` the "
    "reverse. Files already there are skipped; nothing is deleted from the source. "
    "Then set or unset WOODSHED_STORAGE_S3_BUCKET and restart.",
)
@click.option("--to", "target", type=click.Choice(["s3", "local"]), required=True)
@with_appcontext
def migrate_command(target: str) -> None:
    config = dict(current_app.config)
    if not config.get("STORAGE_S3_BUCKET"):
        raise click.UsageError("Set WOODSHED_STORAGE_S3_BUCKET (and its endpoint and keys) first.")
    s3 = backend_for(config)
    local = backend_for({**config, "STORAGE_S3_BUCKET": None})
    source, destination = (local, s3) if target == "s3" else (s3, local)
    copied, skipped = migrate(source, destination)
    click.echo(f"Copied {copied} files; {skipped} were there already.")
