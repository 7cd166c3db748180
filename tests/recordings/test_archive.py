"""The ZIP export (the JSON with each take's original) and its restore (issue 16, "Your
data"): the takes come back byte for byte into another store, and nothing but the files
the document names gets in."""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import zipfile

import pytest
import sqlalchemy as sa

from tests.clients import ApiClient
from tests.data.helpers import export_of
from tests.factories import make_persona
from tests.recordings.media import click_track, make_recording, sine, wav_bytes
from woodshed.data import archive
from woodshed.data.models import PendingImport
from woodshed.db import db
from woodshed.recordings import services, worker
from woodshed.recordings.models import ORIGINAL, PEAKS, PLAYBACK, Recording
from woodshed.storage import storage


@pytest.fixture
def takes(alice):
    """Two takes of alice's: one processed (as the worker leaves it), one waiting."""
    played = make_recording(alice.profile, wav_bytes(click_track(90, 2.0)), title="Scherzo")
    played.status, played.kind, played.duration_seconds = "ready", "audio", 2.0
    waiting = make_recording(alice.profile, wav_bytes(sine(0.7, 330)), title="Etude")
    db.session.flush()
    return played, waiting


def _zip(api: ApiClient) -> bytes:
    response = api.get("/api/v1/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data()


def _import(api: ApiClient, raw: bytes, dry_run: bool = False):
    return api.client.post(
        "/api/v1/import",
        data={"file": (io.BytesIO(raw), "export.zip"), "dry_run": str(dry_run).lower()},
        headers={"Authorization": f"Bearer {api.token}"},
    )


def _carol(app):
    carol = make_persona(f"carol-{uuid.uuid4().hex[:8]}")
    return carol, ApiClient.for_user(app, carol.user)


def _original(profile_id, take_id) -> bytes:
    with storage().open(profile_id, ORIGINAL.format(id=take_id)) as stream:
        return stream.read()


def test_the_zip_holds_the_json_export_and_each_takes_original(alice, alice_api, takes):
    with zipfile.ZipFile(io.BytesIO(_zip(alice_api))) as zipped:
        names = zipped.namelist()
        doc = json.loads(zipped.read("export.json"))
        assert doc == {**export_of(alice.profile), "exported_at": doc["exported_at"]}
        assert names[0] == "export.json"
        for take in takes:
            member = f"files/recordings/{take.id}/original"
            assert member in names
            assert zipped.read(member) == _original(alice.profile.id, take.id)
            assert hashlib.sha256(zipped.read(member)).hexdigest() == take.sha256
        assert len(names) == 1 + len(takes)  # the originals only: the rest is made again


def test_a_zip_restores_the_takes_byte_for_byte_into_another_store(
    app, alice, alice_api, takes, tmp_path, monkeypatch
):
    raw = _zip(alice_api)
    alices = {t.id: take_bytes(alice, t) for t in takes}
    monkeypatch.setitem(app.config, "STORAGE_PATH", str(tmp_path / "elsewhere"))  # another disk
    carol, carol_api = _carol(app)

    preview = _import(carol_api, raw, dry_run=True)
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["kind"] == "zip"
    assert preview.get_json()["contents"]["files_in_zip"] == 2
    assert preview.get_json()["problems"] == []
    assert storage().names(carol.profile) == set()  # a preview stores nothing

    done = _import(carol_api, raw)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["created"]["files"] == 2
    restored = {
        r.title: r
        for r in db.session.scalars(
            sa.select(Recording).where(Recording.profile_id == carol.profile.id)
        )
    }
    for take in takes:
        copy = restored[take.title]
        assert _original(carol.profile.id, copy.id) == alices[take.id]
        assert (copy.sha256, copy.size_bytes) == (take.sha256, take.size_bytes)
        # The worker makes the playback copy and the peaks again on this server.
        assert copy.status == "pending"
        assert copy.next_attempt_at is not None
    assert services.used_bytes(carol.profile) == sum(t.size_bytes for t in takes)

    worker.run_once("after-restore")
    for copy in restored.values():
        db.session.refresh(copy)
        assert copy.status == "ready", copy.failure_reason
        assert {copy.file(PLAYBACK), copy.file(PEAKS)} <= storage().names(carol.profile)


def take_bytes(alice, take) -> bytes:
    return _original(alice.profile.id, take.id)


def test_a_zip_restored_on_the_same_server_gives_new_ids_and_the_files_follow(
    app, alice, alice_api, takes
):
    raw = _zip(alice_api)
    carol, carol_api = _carol(app)
    assert _import(carol_api, raw).status_code == 200
    copies = db.session.scalars(
        sa.select(Recording).where(Recording.profile_id == carol.profile.id)
    ).all()
    assert {c.id for c in copies}.isdisjoint({t.id for t in takes})  # alice's ids are taken
    assert {_original(carol.profile.id, c.id) for c in copies} == {
        take_bytes(alice, t) for t in takes
    }


def test_a_json_export_without_files_still_restores_as_before(app, alice, alice_api, takes):
    carol, carol_api = _carol(app)
    raw = alice_api.get("/api/v1/export").get_data()
    response = _import(carol_api, raw)
    assert response.status_code == 200
    assert response.get_json()["kind"] == "json"
    copy = db.session.scalars(
        sa.select(Recording).where(
            Recording.profile_id == carol.profile.id, Recording.title == "Scherzo"
        )
    ).one()
    assert copy.status == "ready"  # no original here: nothing to process
    assert not services.has_original(copy)


def _rezip(raw: bytes, change) -> bytes:
    """The archive with its members passed through `change(name, data)` → [(name, data)]."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            for name, data in change(info.filename, source.read(info)):
                target.writestr(name, data)
    return out.getvalue()


def _refused(app, raw: bytes, words: str):
    carol, carol_api = _carol(app)
    response = _import(carol_api, raw)
    assert response.status_code == 422, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["errors"][0]["field"] == "file"
    assert words in problem["errors"][0]["message"]
    assert storage().names(carol.profile) == set()
    held = sa.select(sa.func.count()).select_from(Recording)
    assert db.session.scalar(held.where(Recording.profile_id == carol.profile.id)) == 0


def test_a_path_outside_the_files_folder_is_refused(app, alice_api, takes):
    def add(name, data):
        return [(name, data), *([("../../evil", b"x")] if name == "export.json" else [])]

    raw = _rezip(_zip(alice_api), add)
    _refused(app, raw, "“../../evil”, which is not a file of a Woodshed export")


def test_a_file_no_take_names_is_refused(app, alice_api, takes):
    extra = f"files/recordings/{uuid.uuid4()}/original"

    def add(name, data):
        return [(name, data), *([(extra, b"x")] if name == "export.json" else [])]

    raw = _rezip(_zip(alice_api), add)
    _refused(app, raw, "which no take in export.json names")


def test_a_file_whose_bytes_are_not_its_takes_is_refused_and_nothing_stays(app, alice_api, takes):
    def swap(name, data):
        return [(name, bytes(reversed(data)) if name.endswith("original") else data)]

    _refused(app, _rezip(_zip(alice_api), swap), "is not the file its take describes")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, alice_api, takes, monkeypatch):
    played = takes[0]
    bomb = b"\0" * (64 * 1024 * 1024)  # 64 MB of zeros: some 64 KB deflated

    def inflate(name, data):
        return [(name, bomb if name.endswith(f"{played.id}/original") else data)]

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_zip(alice_api))) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            for name, data in inflate(info.filename, source.read(info)):
                target.writestr(name, data)
    assert len(out.getvalue()) < 1024 * 1024
    _refused(app, out.getvalue(), f"unpacks to {len(bomb)} bytes; its take says")

    # … and a document that unpacks past the import limit.
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 64 * 1024)
    padded = _rezip(
        _zip(alice_api),
        lambda n, d: [(n, d + b" " * (128 * 1024) if n == "export.json" else d)],
    )
    _refused(app, padded, "export.json unpacks to more than")


def test_a_file_that_is_not_a_zip_or_holds_no_export_is_refused(app, alice_api, takes):
    _refused(app, b"PK\x03\x04 not really a zip", "not a readable ZIP")
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as zipped:
        zipped.writestr("files/", "")  # a folder, and nothing in it
    _refused(app, empty.getvalue(), "holds no export.json")


def test_a_zip_over_the_quota_is_refused(app, alice_api, takes, monkeypatch):
    raw = _zip(alice_api)
    # Room for one take, not two.
    monkeypatch.setitem(app.config, "RECORDING_QUOTA_BYTES", takes[0].size_bytes)
    _refused(app, raw, "more than the")


def test_the_page_previews_and_restores_a_zip(app, alice_api, takes, frozen_clock):
    raw = _zip(alice_api)
    carol, _api = _carol(app)
    web = app.test_client()
    web.sign_in(carol)
    response = web.submit(
        "/settings/data/import",
        {"file": (io.BytesIO(raw), "woodshed-export.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    pending = db.session.scalar(
        sa.select(PendingImport).where(PendingImport.profile_id == carol.profile.id)
    )
    assert (pending.kind, pending.size) == ("zip", len(raw))
    first = pending.id
    again = web.submit(
        "/settings/data/import",
        {"file": (io.BytesIO(raw), "woodshed-export.zip")},
        content_type="multipart/form-data",
    )
    waiting = db.session.scalars(
        sa.select(PendingImport).where(PendingImport.profile_id == carol.profile.id)
    ).all()
    assert [p.id for p in waiting] != [first]  # a second ZIP replaces the first
    assert len(waiting) == 1
    assert storage().names(carol.profile) == {waiting[0].stored_name}
    pending = waiting[0]
    response = again
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Files in the ZIP: 2" in page  # was "2 files in zip", "1 instruments"
    assert "Recordings: 2" in page
    # The export's time in the one date style (it was the raw ISO string).
    assert re.search(r"Exported \w{3}, \d{1,2} \w{3} \d{4}, \d{2}:\d{2}\. It holds", page)
    assert "The original recordings in the ZIP are stored again" in page
    done = web.submit(f"/settings/data/imports/{pending.id}/commit", {})
    assert done.status_code == 302
    assert "with the files of 2 recordings" in web.get(done.headers["Location"]).get_data(
        as_text=True
    )
    assert {n.rsplit("/", 1)[-1] for n in storage().names(carol.profile)} == {"original"}
    assert services.used_bytes(carol.profile) == sum(t.size_bytes for t in takes)


def test_a_zip_export_that_fails_midway_is_never_a_readable_zip(alice, takes, monkeypatch):
    real_open = type(storage()).open
    opened = []

    def failing_open(self, profile, name):
        opened.append(name)
        if len(opened) == 2:
            raise OSError("the disk went away")
        return real_open(self, profile, name)

    monkeypatch.setattr(type(storage()), "open", failing_open)
    produced = bytearray()

    def download() -> None:
        for chunk in archive.export_archive(alice.profile):
            produced.extend(chunk)

    with pytest.raises(OSError, match="the disk went away"):
        download()
    assert len(produced) > 0  # the document and the first take had gone out …
    with pytest.raises(zipfile.BadZipFile):  # … but without the central directory
        zipfile.ZipFile(io.BytesIO(bytes(produced)))


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_a_zip_restores_into_an_s3_store(app, alice, alice_api, takes, s3_endpoint, monkeypatch):
    raw = _zip(alice_api)  # from the local folder …
    alices = {t.title: take_bytes(alice, t) for t in takes}
    bucket = f"woodshed-{uuid.uuid4().hex[:12]}"
    for key, value in {
        "STORAGE_S3_BUCKET": bucket,
        "STORAGE_S3_ENDPOINT_URL": s3_endpoint,
        "STORAGE_S3_REGION": "us-east-1",
        "STORAGE_S3_ACCESS_KEY_ID": "test",
        "STORAGE_S3_SECRET_ACCESS_KEY": "test-secret",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    storage().client.create_bucket(Bucket=bucket)  # … into a bucket
    carol, carol_api = _carol(app)

    assert _import(carol_api, raw).status_code == 200
    copies = db.session.scalars(
        sa.select(Recording).where(Recording.profile_id == carol.profile.id)
    ).all()
    assert {c.title: _original(carol.profile.id, c.id) for c in copies} == alices
    assert {c.status for c in copies} == {"pending"}
    assert len(storage().names(carol.profile, "recordings/")) == 2


def test_a_damaged_member_is_refused_not_a_server_error(app, alice_api, takes):
    raw = bytearray(_zip(alice_api))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zipped:
        member = zipped.getinfo(f"files/recordings/{takes[0].id}/original")
    # The member is stored as it is: a byte in the middle of its data, changed.
    at = member.header_offset + 30 + len(member.filename) + member.file_size // 2
    raw[at] ^= 0xFF
    _refused(app, bytes(raw), "is damaged in the ZIP")
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = _rezip(_zip(alice_api), lambda n, d: [(n, d)] * (2 if n == "export.json" else 1))
    _refused(app, twice, "holds export.json twice")
