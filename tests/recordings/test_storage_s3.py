"""The S3 backend against a real S3 API on loopback (moto's server mode), and migration."""

from __future__ import annotations

import io
import uuid

import pytest

from woodshed.storage import LocalStorage, S3Storage, migrate


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint) -> S3Storage:
    bucket = f"woodshed-{uuid.uuid4().hex[:12]}"
    config = {
        "STORAGE_S3_BUCKET": bucket,
        "STORAGE_S3_ENDPOINT_URL": s3_endpoint,
        "STORAGE_S3_REGION": "us-east-1",
        "STORAGE_S3_ACCESS_KEY_ID": "test",
        "STORAGE_S3_SECRET_ACCESS_KEY": "test-secret",
    }
    store = S3Storage.from_config(config)
    store.client.create_bucket(Bucket=bucket)
    return store


def test_s3_keeps_files_per_profile_with_their_checksums(s3):
    profile, other = uuid.uuid4(), uuid.uuid4()
    stored = s3.save(profile, "recordings/a/original", io.BytesIO(b"0123456789" * 1000))
    s3.save(other, "recordings/b/original", b"bob")
    assert stored.size == 10000
    assert [f.name for f in s3.list(profile)] == ["recordings/a/original"]
    assert s3.list(profile)[0].sha256 == stored.sha256
    assert s3.size(profile, "recordings/a/original") == 10000
    assert (
        b"".join(s3.read_range(profile, "recordings/a/original", 5, 25))
        == (b"0123456789" * 3)[5:25]
    )
    with s3.open(profile, "recordings/a/original") as stream:
        assert stream.read() == b"0123456789" * 1000
    with pytest.raises(FileNotFoundError):
        s3.open(profile, "recordings/missing")
    assert s3.delete(profile, "recordings/a/original") is True
    assert s3.delete(profile, "recordings/a/original") is False
    assert s3.delete_all(other) == 1
    assert s3.list(other) == []


def test_s3_refuses_names_that_escape_the_profile(s3):
    with pytest.raises(ValueError, match="storage name"):
        s3.save(uuid.uuid4(), "../other/file", b"x")


def test_storage_migrate_copies_every_file_once_and_can_run_again(tmp_path, s3):
    local = LocalStorage(tmp_path)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    local.save(alice, "recordings/1/original", b"alice's take")
    local.save(alice, "recordings/1/peaks.json", b"[]")
    local.save(bob, "imports/x.csv", b"a,b")
    assert migrate(local, s3) == (3, 0)
    assert migrate(local, s3) == (0, 3)
    with s3.open(alice, "recordings/1/original") as stream:
        assert stream.read() == b"alice's take"
    back = LocalStorage(tmp_path / "back")
    assert migrate(s3, back) == (3, 0)
    assert {f.sha256 for f in back.list(alice)} == {f.sha256 for f in local.list(alice)}
