"""Instance backup and restore round-trip the whole instance, files included (REL-ROUNDTRIP)."""

from __future__ import annotations

import io
import json
import os
import secrets
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.clients import WebClient
from tests.conftest import database_kind, new_database_url, postgres_url
from tests.conftest import test_config as instance_config
from tests.data.helpers import export_of, fill_account
from tests.factories import make_persona, make_piece
from woodshed import create_app, migrate
from woodshed.data.backup import BackupError, backup, restore
from woodshed.db import db, make_engine
from woodshed.models import metadata
from woodshed.storage import storage


@dataclass
class Instance:
    app: Flask
    url: str
    storage: Path


@pytest.fixture
def instances(database, tmp_path):
    """Build separate Woodshed instances (own database, own storage) that really commit."""
    made: list[tuple[Instance, callable]] = []

    def build(url: str | None = None, migrated: bool = True) -> Instance:
        drop = lambda: None  # noqa: E731
        if url is None:
            url, drop = new_database_url(tmp_path)
        folder = tmp_path / secrets.token_hex(4)
        if migrated:
            holder = Flask("migrate")
            holder.extensions["woodshed.engine"] = make_engine(url)
            migrate.upgrade(holder)
            holder.extensions["woodshed.engine"].dispose()
        config = instance_config(url, folder, None) | {"STORAGE_PATH": str(folder / "storage")}
        app = create_app(config)
        app.test_client_class = WebClient
        instance = Instance(app, url, folder / "storage")
        made.append((instance, drop))
        return instance

    yield build
    for instance, drop in made:
        instance.app.extensions["woodshed.engine"].dispose()
        drop()


def fresh_postgres_database(schema: str) -> tuple[str, callable]:
    """An empty database whose search_path names `schema` (as the source instance's)."""
    name = f"ws_restore_{secrets.token_hex(4)}"
    admin = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(postgres_url()).set(database=name)
    # Like `public` on a new server: the schema exists and is empty.
    with sa.create_engine(url).begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def empty_target(instances, source: Instance, migrated: bool = False) -> Instance:
    """A new instance for `source`'s backup (on PostgreSQL: same schema name, new database)."""
    if database_kind() == "postgresql":
        schema = sa.make_url(source.url).query["options"].split("=", 1)[1]
        url, drop = fresh_postgres_database(schema)
        target = instances(url, migrated=migrated)
        target.app.extensions["woodshed.drop"] = drop
        return target
    return instances(migrated=migrated)


def dispose(instance: Instance) -> None:
    drop = instance.app.extensions.pop("woodshed.drop", None)
    instance.app.extensions["woodshed.engine"].dispose()
    if drop:
        drop()


def table_counts(app: Flask) -> dict[str, int]:
    with app.extensions["woodshed.engine"].connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }


def filled(instances) -> tuple[Instance, dict]:
    source = instances()
    with source.app.app_context():
        alice = make_persona("alice", timezone="Europe/Berlin")
        fill_account(alice)
        storage().save(alice.profile, "recordings/take-1.webm", b"\x1aE\xdf\xa3 audio")
        storage().save(alice.profile, "recordings/take-2.webm", b"more audio")
        db.session.commit()
        document = export_of(alice.profile)
    return source, document


def test_backup_then_restore_into_a_fresh_instance_gives_the_same_instance(instances, tmp_path):
    source, document = filled(instances)
    archive = tmp_path / "backup.tar.gz"
    result = source.app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "3 files" in result.output  # the two below and the everything-account's take

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json"
    assert manifest["database"]["tables"] == table_counts(source.app)
    assert manifest["database"]["revision"] == migrate.head_revision()
    take = document["recordings"][0]["id"]
    assert {f["path"] for f in manifest["files"]} == {
        f"storage/profiles/{document_profile(source)}/recordings/take-1.webm",
        f"storage/profiles/{document_profile(source)}/recordings/take-2.webm",
        f"storage/profiles/{document_profile(source)}/recordings/{take}/original",
    }

    target = empty_target(instances, source)
    try:
        result = target.app.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "row counts and file hashes match" in result.output
        assert table_counts(target.app) == manifest["database"]["tables"]
        source_files = sorted(
            (p.relative_to(source.storage), p.read_bytes())
            for p in source.storage.rglob("*")
            if p.is_file()
        )
        target_files = sorted(
            (p.relative_to(target.storage), p.read_bytes())
            for p in target.storage.rglob("*")
            if p.is_file()
        )
        assert target_files == source_files
        with target.app.app_context():
            from woodshed.accounts.models import User

            user = db.session.scalar(sa.select(User))
            assert export_of(user.profile) | {"exported_at": None} == document | {
                "exported_at": None
            }
        # The restored instance works: sign in and see the dashboard.
        web = target.app.test_client()
        response = web.submit(
            "/login", {"email": "alice@example.org", "password": "alice-plays-the-long-game"}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        home = web.get("/")
        assert home.status_code == 200
        assert "Hello, Alice" in home.get_data(as_text=True)
    finally:
        dispose(target)


def document_profile(instance: Instance) -> str:
    with instance.app.app_context():
        from woodshed.profiles.models import MusicianProfile

        return str(db.session.scalar(sa.select(MusicianProfile.id)))


def test_restore_refuses_an_instance_that_holds_data(instances, tmp_path):
    source, _ = filled(instances)
    archive = tmp_path / "backup.tar.gz"
    backup(source.app, archive)
    other, _ = filled(instances)
    with pytest.raises(BackupError, match="The database is not empty"):
        restore(other.app, archive)
    result = other.app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "pass --force" in result.output


def test_restore_with_force_replaces_what_was_there(instances, tmp_path):
    source, _ = filled(instances)
    archive = tmp_path / "backup.tar.gz"
    backup(source.app, archive)
    other = empty_target(instances, source, migrated=True)
    try:
        with other.app.app_context():
            make_persona("zed")
            db.session.commit()
        (other.storage / "stray.txt").parent.mkdir(parents=True, exist_ok=True)
        (other.storage / "stray.txt").write_text("old")
        with pytest.raises(BackupError, match="not empty"):
            restore(other.app, archive)
        restore(other.app, archive, force=True)
        assert table_counts(other.app) == table_counts(source.app)
        assert not (other.storage / "stray.txt").exists()
    finally:
        dispose(other)


def test_a_damaged_backup_is_refused_before_anything_changes(instances, tmp_path):
    source, _ = filled(instances)
    archive = tmp_path / "backup.tar.gz"
    backup(source.app, archive)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(damaged, "w:gz") as out:
        for member in tar:
            data = tar.extractfile(member).read()
            if member.name.endswith("take-2.webm"):
                data = b"tampered!!"
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    target = instances()
    with pytest.raises(BackupError, match=r"take-2\.webm is damaged"):
        restore(target.app, damaged)
    assert sum(table_counts(target.app).values()) == 0
    assert not target.storage.exists() or not any(target.storage.rglob("*"))


def test_something_that_is_not_a_backup_is_refused(instances, tmp_path):
    target = instances()
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(BackupError, match="not a Woodshed backup"):
        restore(target.app, junk)


@pytest.mark.skipif(database_kind() != "postgresql", reason="pg_dump is for PostgreSQL")
def test_a_missing_pg_dump_is_a_clear_error(instances, tmp_path, monkeypatch):
    source = instances()
    monkeypatch.setenv("PATH", str(tmp_path))
    result = source.app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.tar.gz")])
    assert result.exit_code != 0
    assert "`pg_dump` is not on PATH" in result.output


def test_a_backup_is_readable_only_by_its_owner_whatever_the_umask(instances, tmp_path):
    source, _ = filled(instances)
    archive = tmp_path / "backup.tar.gz"
    previous = os.umask(0o022)
    try:
        backup(source.app, archive)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600


def test_an_erased_account_leaves_no_bytes_in_the_sqlite_file_or_its_log(instances, tmp_path):
    """secure_delete zeroes freed pages; the checkpoint after an erasure empties the WAL."""
    path = tmp_path / "erasure.sqlite3"
    source = instances(f"sqlite:///{path}")
    marker = "Quintessential-Marker-4711"
    with source.app.app_context():
        dora = make_persona("dora")
        make_piece(dora.profile, marker, composer=marker)
        db.session.commit()
        user_id = dora.user.id
    with source.app.test_request_context():
        from woodshed.accounts.models import User
        from woodshed.accounts.services import erase_account

        erase_account(db.session.get(User, user_id), "dora@example.org")
        db.session.commit()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("erasure.sqlite3*"))
    assert marker.encode() not in stored
