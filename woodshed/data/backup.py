"""Instance backup and restore: `woodshed backup FILE` and `woodshed restore FILE`.

A backup is a tar.gz holding

- `manifest.json`: format and version, when, the schema revision, row counts per table
  and the size and SHA-256 of every other member;
- the database, consistent as of one instant: SQLite through its online backup API
  (`database.sqlite3`), PostgreSQL through `pg_dump` in custom format
  (`database.pgdump`), with the row counts read from the same snapshot;
- `storage/…`: every stored file.

`restore` refuses a database or storage folder that already holds data (unless
`--force`), checks every hash before touching anything, and checks the row counts after.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from woodshed import __version__
from woodshed.db import utcnow
from woodshed.models import metadata
from woodshed.storage import sha256_of

FORMAT = "woodshed-backup"
VERSION = 1
MANIFEST = "manifest.json"


class BackupError(click.ClickException):
    """A backup or restore that cannot go ahead, with the reason for the operator."""


# --- helpers ---------------------------------------------------------------------------------


def _file_entry(path: Path, name: str) -> dict:
    with path.open("rb") as stream:
        return {"path": name, "size": path.stat().st_size, "sha256": sha256_of(stream)}


def _storage_files(root: Path) -> list[tuple[Path, str]]:
    """Every stored file, skipping temporary ones (names starting with a dot)."""
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            found.append((path, relative.as_posix()))
    return found


def _counts(conn: sa.Connection, tables: list[sa.Table] | None = None) -> dict[str, int]:
    existing = set(sa.inspect(conn).get_table_names())
    return {
        t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        for t in (tables or metadata.sorted_tables)
        if t.name in existing
    }


def _revision(conn: sa.Connection) -> str | None:
    from woodshed.migrate import current_revision

    return current_revision(conn)


def _pg_command(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"`{name}` is not on PATH. Install the PostgreSQL client tools (the same major "
            f"version as the server, e.g. the `postgresql-client` package) and try again."
        )
    return found


def _pg_target(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI (password in the environment, not on the command line)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


# --- backup ------------------------------------------------------------------------------------


def backup(app: Flask, target: Path) -> dict:
    """Write a backup of the instance to `target`; answers its manifest."""
    engine: sa.Engine = app.extensions["woodshed.engine"]
    storage_root = Path(app.config["STORAGE_PATH"])
    with tempfile.TemporaryDirectory(prefix="woodshed-backup-") as tmp:
        work = Path(tmp)
        if engine.dialect.name == "sqlite":
            database = _dump_sqlite(engine, work / "database.sqlite3")
        elif engine.dialect.name == "postgresql":
            database = _dump_postgres(engine, work / "database.pgdump")
        else:  # pragma: no cover
            raise BackupError(f"Backups of {engine.dialect.name} databases are not supported.")
        dump_path = work / database.pop("file_name")
        files = [(path, f"storage/{name}") for path, name in _storage_files(storage_root)]
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": utcnow().isoformat(),
            "generator": f"Woodshed {__version__}",
            "database": {**database, **_file_entry(dump_path, dump_path.name)},
            "files": [_file_entry(path, name) for path, name in files],
        }
        manifest_path = work / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        # Only the owner may read a backup (every musician's data), whatever the umask:
        # the file is created 0600 before a byte is written.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(manifest_path, MANIFEST)
            tar.add(dump_path, dump_path.name)
            for path, name in files:
                tar.add(path, name)
        os.replace(partial, target)
    return manifest


def _dump_sqlite(engine: sa.Engine, out: Path) -> dict:
    source = sqlite3.connect(engine.url.database)
    try:
        copy = sqlite3.connect(out)
        with copy:
            source.backup(copy)
        copy.close()
    finally:
        source.close()
    # Count from the copy itself: exactly what the backup holds.
    copy_engine = sa.create_engine(f"sqlite:///{out}")
    with copy_engine.connect() as conn:
        info = {"dialect": "sqlite", "tables": _counts(conn), "revision": _revision(conn)}
    copy_engine.dispose()
    return {**info, "file_name": out.name}


def _dump_postgres(engine: sa.Engine, out: Path) -> dict:
    pg_dump = _pg_command("pg_dump")
    uri, env = _pg_target(engine.url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            # pg_dump reads the snapshot this transaction exported: the counts and the dump
            # describe the same instant even while people keep logging.
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
            info = {
                "dialect": "postgresql",
                "schema": schema,
                "tables": _counts(conn),
                "revision": _revision(conn),
            }
            result = subprocess.run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--schema={schema}",
                    f"--snapshot={snapshot}",
                    f"--file={out}",
                    uri,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return {**info, "file_name": out.name}


# --- restore -----------------------------------------------------------------------------------


@dataclass
class Unpacked:
    manifest: dict
    folder: Path

    @property
    def database(self) -> Path:
        return self.folder / self.manifest["database"]["path"]


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name not in ("", ".")


def unpack(source: Path, folder: Path) -> Unpacked:
    """Extract a backup into `folder`, checking every member against the manifest."""
    try:
        tar = tarfile.open(source, "r:gz")  # noqa: SIM115 - closed by the `with` below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source} is not a Woodshed backup (tar.gz): {exc}") from None
    with tar:
        try:
            raw = tar.extractfile(MANIFEST)
            manifest = json.loads(raw.read()) if raw else None
        except (KeyError, json.JSONDecodeError):
            manifest = None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{source} has no Woodshed backup manifest.")
        if manifest.get("version") != VERSION:
            raise BackupError(
                f"This backup is format version {manifest.get('version')}; this Woodshed "
                f"restores version {VERSION}."
            )
        expected = {e["path"]: e for e in [manifest["database"], *manifest["files"]]}
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in expected or not member.isfile() or not _safe_member(member.name):
                raise BackupError(f"Unexpected member in the backup: {member.name!r}.")
            target = folder / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            with tar.extractfile(member) as stream, target.open("wb") as out:
                for chunk in iter(lambda s=stream: s.read(1024 * 1024), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            entry = expected.pop(member.name)
            if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
                raise BackupError(f"{member.name} is damaged: its SHA-256 does not match.")
        if expected:
            raise BackupError(f"The backup is missing {', '.join(sorted(expected))}.")
    return Unpacked(manifest, folder)


def _has_rows(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: n for name, n in _counts(conn).items() if n}


def _restore_sqlite(engine: sa.Engine, dump: Path) -> None:
    engine.dispose()
    source = sqlite3.connect(dump)
    target = sqlite3.connect(engine.url.database)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgres(engine: sa.Engine, dump: Path, schema: str) -> None:
    pg_restore = _pg_command("pg_restore")
    uri, env = _pg_target(engine.url)
    with engine.connect() as conn:
        current = conn.exec_driver_sql("SELECT current_setting('search_path')").scalar_one()
    if schema not in [s.strip().strip('"') for s in current.split(",")]:
        raise BackupError(
            f"The backup holds schema {schema!r}, but this instance's search_path is "
            f"{current!r}; restore into a database that uses the same schema."
        )
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    engine.dispose()
    # The schema itself exists already (created above, or `public`): restore its contents.
    listing = subprocess.run(
        [pg_restore, "--list", str(dump)], capture_output=True, text=True, check=False, env=env
    )
    if listing.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {listing.stderr.strip()}")
    wanted = [
        line
        for line in listing.stdout.splitlines()
        if " SCHEMA - " not in line and " COMMENT - SCHEMA " not in line
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listfile:
        listfile.write("\n".join(wanted) + "\n")
    try:
        result = subprocess.run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--clean",
                "--if-exists",
                "--exit-on-error",
                "--single-transaction",
                f"--use-list={listfile.name}",
                f"--dbname={uri}",
                str(dump),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(listfile.name).unlink(missing_ok=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def restore(app: Flask, source: Path, force: bool = False) -> dict:
    """Restore a backup into this (empty) instance; answers the backup's manifest."""
    engine: sa.Engine = app.extensions["woodshed.engine"]
    storage_root = Path(app.config["STORAGE_PATH"])
    with tempfile.TemporaryDirectory(prefix="woodshed-restore-") as tmp:
        unpacked = unpack(source, Path(tmp))
        database = unpacked.manifest["database"]
        if database["dialect"] != engine.dialect.name:
            raise BackupError(
                f"This is a backup of a {database['dialect']} database; this instance uses "
                f"{engine.dialect.name}. Restore it into a {database['dialect']} instance "
                "(accounts move between any two with the JSON export)."
            )
        if not force:
            rows = _has_rows(engine)
            if rows:
                held = ", ".join(f"{t}: {n}" for t, n in list(rows.items())[:5])
                raise BackupError(
                    f"The database is not empty ({held}). Restore into an empty instance, "
                    "or pass --force to replace everything in it."
                )
            if _storage_files(storage_root):
                raise BackupError(
                    f"The storage folder {storage_root} holds files. Restore into an empty "
                    "instance, or pass --force to replace them."
                )
        if engine.dialect.name == "sqlite":
            _restore_sqlite(engine, unpacked.database)
        else:
            _restore_postgres(engine, unpacked.database, database["schema"])
        if force and storage_root.is_dir():
            shutil.rmtree(storage_root)
        for entry in unpacked.manifest["files"]:
            target = storage_root / entry["path"].removeprefix("storage/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(unpacked.folder / entry["path"], target)
    verify(app, unpacked.manifest)
    return unpacked.manifest


def verify(app: Flask, manifest: dict) -> None:
    """The restored instance holds what the manifest says: row counts and file hashes."""
    engine: sa.Engine = app.extensions["woodshed.engine"]
    with engine.connect() as conn:
        counts = _counts(conn)
    wrong = {
        table: (n, counts.get(table))
        for table, n in manifest["database"]["tables"].items()
        if counts.get(table) != n
    }
    if wrong:
        detail = ", ".join(f"{t}: {got} rows, expected {want}" for t, (want, got) in wrong.items())
        raise BackupError(f"The restored database does not match the backup ({detail}).")
    root = Path(app.config["STORAGE_PATH"])
    for entry in manifest["files"]:
        path = root / entry["path"].removeprefix("storage/")
        if not path.is_file() or _file_entry(path, entry["path"]) != entry:
            raise BackupError(f"The restored file {entry['path']} does not match the backup.")


# --- commands ----------------------------------------------------------------------------------


@click.command("backup", help="Back up the database and stored files into FILE (a .tar.gz).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    manifest = backup(app, file)
    rows = sum(manifest["database"]["tables"].values())
    click.echo(
        f"Backed up {rows} rows in {len(manifest['database']['tables'])} tables and "
        f"{len(manifest['files'])} files to {file}."
    )


@click.command("restore", help="Restore a backup FILE into this empty instance.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data of a non-empty instance.")
@with_appcontext
def restore_command(file: Path, force: bool) -> None:
    from woodshed.migrate import head_revision

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    manifest = restore(app, file, force=force)
    rows = sum(manifest["database"]["tables"].values())
    click.echo(
        f"Restored {rows} rows and {len(manifest['files'])} files from {file}; "
        "row counts and file hashes match the backup."
    )
    if manifest["database"].get("revision") != head_revision():
        click.echo(
            f"The backup's schema is at {manifest['database'].get('revision')}; run "
            "`woodshed db upgrade` before starting Woodshed."
        )
