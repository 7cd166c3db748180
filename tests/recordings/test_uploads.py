"""Uploading takes: limits, the quota, resumable (tus) uploads, signed links with ranges."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.clients import field_errors
from tests.recordings.media import make_recording, sine, wav_bytes
from woodshed.db import db
from woodshed.recordings import services
from woodshed.recordings.models import ORIGINAL, Recording
from woodshed.storage import storage

TUS = {"Tus-Resumable": "1.0.0"}


def _meta(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def _post_file(api, data: bytes, **form):
    return api.request(
        "POST",
        "/api/v1/recordings",
        data={"file": (io.BytesIO(data), "take.wav"), **form},
        content_type="multipart/form-data",
    )


def test_an_upload_keeps_the_original_byte_for_byte_and_waits_for_processing(alice, alice_api):
    raw = wav_bytes(sine(1.5))
    response = _post_file(alice_api, raw, title="Scales")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["title"] == "Scales"
    assert body["size_bytes"] == len(raw)
    assert body["sha256"] == hashlib.sha256(raw).hexdigest()
    recording = db.session.get(Recording, uuid.UUID(body["id"]))
    with storage().open(alice.profile, recording.file(ORIGINAL)) as stream:
        assert stream.read() == raw
    assert alice_api.get("/api/v1/recordings/usage").get_json()["used_bytes"] == len(raw)


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(app, alice, alice_api):
    app.config["RECORDING_MAX_BYTES"] = 10_000
    try:
        response = _post_file(alice_api, b"\0" * 20_000)
    finally:
        app.config["RECORDING_MAX_BYTES"] = 100 * 1024 * 1024
    assert response.status_code == 413
    assert storage().list(alice.profile, "recordings/") == []
    assert services.used_bytes(alice.profile) == 0


def test_a_session_of_another_musician_is_a_field_error(alice, bob, bob_api):
    from tests.factories import log_session

    session = log_session(alice.profile)
    response = _post_file(bob_api, wav_bytes(sine(0.5)), session_id=str(session.id))
    assert response.status_code == 422
    assert "session_id" in field_errors(response)
    assert storage().list(bob.profile, "recordings/") == []


def test_a_field_sent_twice_is_refused_and_nothing_is_stored(alice, alice_api):
    # A multipart field sent twice is a list; taking either copy would store what the
    # client may not have meant (found by schemathesis: a title sent nine times).
    response = _post_file(alice_api, wav_bytes(sine(0.5)), title=["[]", "Scales"])
    assert response.status_code == 422
    assert field_errors(response) == {"title": "Send this field once."}
    twice = alice_api.request(
        "POST",
        "/api/v1/recordings",
        data={"file": [(io.BytesIO(b"RIFF"), "a.wav"), (io.BytesIO(b"RIFF"), "b.wav")]},
        content_type="multipart/form-data",
    )
    assert field_errors(twice) == {"file": "Send this field once."}
    assert storage().list(alice.profile, "recordings/") == []
    # A field the body does not name is ignored, however often it comes.
    other = _post_file(alice_api, wav_bytes(sine(0.5)), note=["a", "b"], title="Scales")
    assert other.status_code == 201, other.get_json()


def test_bob_cannot_see_or_change_alices_recording(alice, bob_api):
    recording = make_recording(alice.profile)
    assert bob_api.get(f"/api/v1/recordings/{recording.id}").status_code == 404
    assert bob_api.delete(f"/api/v1/recordings/{recording.id}").status_code == 404
    assert bob_api.get("/api/v1/recordings").get_json()["items"] == []


def test_deleting_a_recording_gives_its_quota_back(alice, alice_api):
    recording = make_recording(alice.profile)
    assert services.used_bytes(alice.profile) == recording.size_bytes
    assert alice_api.delete(f"/api/v1/recordings/{recording.id}").status_code == 204
    assert services.used_bytes(alice.profile) == 0


def test_the_quota_is_reserved_when_an_upload_starts(app, alice, alice_api):
    app.config["RECORDING_QUOTA_BYTES"] = 100_000
    try:
        first = alice_api.post(
            "/api/v1/recordings/uploads", headers={**TUS, "Upload-Length": "60000"}
        )
        second = alice_api.post(
            "/api/v1/recordings/uploads", headers={**TUS, "Upload-Length": "60000"}
        )
    finally:
        app.config["RECORDING_QUOTA_BYTES"] = 1024 * 1024 * 1024
    assert first.status_code == 201
    assert second.status_code == 413
    assert services.used_bytes(alice.profile) == 60000


def test_a_resumable_upload_interrupted_at_60_percent_completes_with_the_same_sha256(
    alice, alice_api
):
    raw = wav_bytes(sine(3.0, 330))
    start = alice_api.post(
        "/api/v1/recordings/uploads",
        headers={
            **TUS,
            "Upload-Length": str(len(raw)),
            "Upload-Metadata": _meta(filename="take.wav", title="Long tone"),
        },
    )
    assert start.status_code == 201
    location = start.headers["Location"]
    cut = int(len(raw) * 0.6)
    patch = {**TUS, "Content-Type": "application/offset+octet-stream"}
    first = alice_api.request(
        "PATCH", location, data=raw[:cut], headers={**patch, "Upload-Offset": "0"}
    )
    assert first.status_code == 204
    # The connection dropped; the client asks where the upload stands and resumes there.
    head = alice_api.request("HEAD", location, headers=TUS)
    assert head.headers["Upload-Offset"] == str(cut)
    stale = alice_api.request("PATCH", location, data=raw, headers={**patch, "Upload-Offset": "0"})
    assert stale.status_code == 409
    rest = alice_api.request(
        "PATCH", location, data=raw[cut:], headers={**patch, "Upload-Offset": str(cut)}
    )
    assert rest.status_code == 204
    assert rest.headers["Upload-Offset"] == str(len(raw))
    recording = db.session.get(Recording, uuid.UUID(rest.headers["Recording-Id"]))
    assert recording.title == "Long tone"
    assert recording.sha256 == hashlib.sha256(raw).hexdigest()
    with storage().open(alice.profile, recording.file(ORIGINAL)) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == recording.sha256
    assert services.used_bytes(alice.profile) == len(raw)


def test_a_body_beyond_the_upload_length_is_refused(alice_api):
    start = alice_api.post("/api/v1/recordings/uploads", headers={**TUS, "Upload-Length": "10"})
    response = alice_api.request(
        "PATCH",
        start.headers["Location"],
        data=b"x" * 11,
        headers={**TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"},
    )
    assert response.status_code == 413


def test_cancelling_an_upload_gives_its_quota_back(alice, alice_api):
    start = alice_api.post("/api/v1/recordings/uploads", headers={**TUS, "Upload-Length": "500"})
    assert services.used_bytes(alice.profile) == 500
    assert alice_api.delete(start.headers["Location"], headers=TUS).status_code == 204
    assert services.used_bytes(alice.profile) == 0


def test_an_upload_over_the_file_limit_is_refused_at_the_start(alice, alice_api):
    response = alice_api.post(
        "/api/v1/recordings/uploads", headers={**TUS, "Upload-Length": str(200 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert services.used_bytes(alice.profile) == 0


# --- signed links ---------------------------------------------------------------------------


@pytest.fixture
def original_link(alice, client):
    raw = wav_bytes(sine(1.0))
    recording = make_recording(alice.profile, raw)
    with client.application.test_request_context():
        return services.media_url(recording, "original"), raw


def test_a_signed_link_serves_the_file_and_ranges(client, original_link):
    url, raw = original_link
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.data == raw
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == raw[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(raw)}"
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206
    assert tail.data == raw[-10:]
    beyond = client.get(url, headers={"Range": f"bytes={len(raw) + 5}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(raw)}"


def test_a_tampered_link_is_refused(client, original_link):
    url, _raw = original_link
    assert client.get(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")).status_code == 403


def test_an_expired_link_is_refused(app, alice, client, frozen_clock):
    frozen_clock(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    recording = make_recording(alice.profile)
    with app.test_request_context():
        url = services.media_url(recording, "original")
    assert client.get(url).status_code == 200
    frozen_clock(datetime(2026, 5, 1, 12, 0, tzinfo=UTC) + timedelta(hours=3))
    assert client.get(url).status_code == 403


def test_the_playback_link_is_not_found_before_processing(app, alice, client):
    recording = make_recording(alice.profile)
    with app.test_request_context():
        url = services.media_url(recording, "playback")
    assert client.get(url).status_code == 404


# --- comments and sync points ---------------------------------------------------------------


def test_a_comment_beyond_the_end_or_ending_before_it_starts_is_refused(alice, alice_api):
    recording = make_recording(alice.profile)
    recording.duration_seconds = 10.0
    db.session.flush()
    url = f"/api/v1/recordings/{recording.id}/comments"
    beyond = alice_api.post(url, json={"at_seconds": 12.0, "body": "late"})
    assert beyond.status_code == 422
    assert "at_seconds" in field_errors(beyond)
    backwards = alice_api.post(url, json={"at_seconds": 5.0, "end_seconds": 4.0, "body": "x"})
    assert backwards.status_code == 422


def test_a_comment_gets_its_bars_from_the_sync_points(alice, alice_api):
    recording = make_recording(alice.profile)
    recording.duration_seconds = 60.0
    db.session.flush()
    points = {"points": [{"bar": 30, "at_seconds": 10.0}, {"bar": 40, "at_seconds": 30.0}]}
    assert (
        alice_api.put(f"/api/v1/recordings/{recording.id}/sync-points", json=points).status_code
        == 200
    )
    url = f"/api/v1/recordings/{recording.id}/comments"
    made = alice_api.post(url, json={"at_seconds": 16.0, "end_seconds": 24.0, "body": "Rushed"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["bar_start"], body["bar_end"]) == (33, 37)
    assert body["author"]["role"] == "musician"
    listed = alice_api.get(url).get_json()
    assert [c["body"] for c in listed] == ["Rushed"]


def test_sync_points_must_go_forward_in_bars(alice, alice_api):
    recording = make_recording(alice.profile)
    points = {"points": [{"bar": 30, "at_seconds": 10.0}, {"bar": 20, "at_seconds": 30.0}]}
    response = alice_api.put(f"/api/v1/recordings/{recording.id}/sync-points", json=points)
    assert response.status_code == 422
    assert "later bars" in field_errors(response)["points"]


def test_a_comment_s_bars_and_times_are_refused_on_the_field_at_fault(alice, alice_api):
    recording = make_recording(alice.profile)
    url = f"/api/v1/recordings/{recording.id}/comments"
    no_first = alice_api.post(url, json={"at_seconds": 1, "bar_end": 4, "body": "Here"})
    assert no_first.status_code == 422
    assert field_errors(no_first) == {"bar_end": "Give the first bar too."}
    backwards = alice_api.post(
        url, json={"at_seconds": 1, "bar_start": 5, "bar_end": 4, "body": "Here"}
    )
    assert set(field_errors(backwards)) == {"bar_end"}
    early_end = alice_api.post(url, json={"at_seconds": 2, "end_seconds": 1, "body": "Here"})
    assert set(field_errors(early_end)) == {"end_seconds"}


def test_a_comment_on_bars_33_to_40_is_found_from_the_passage(alice, alice_api):
    from tests.factories import make_piece

    piece = make_piece(alice.profile, "Ballade", sections=[("Coda", 33, 40), ("Intro", 1, 8)])
    coda, intro = sorted(piece.sections, key=lambda s: -s.bar_start)
    recording = make_recording(alice.profile, section_id=coda.id)
    url = f"/api/v1/recordings/{recording.id}/comments"
    made = alice_api.post(
        url, json={"at_seconds": 0.2, "bar_start": 35, "bar_end": 36, "body": "Left hand"}
    )
    assert made.status_code == 201
    on_coda = services.comments_on_bars(alice.profile, coda)
    assert [c.body for c, _recording in on_coda] == ["Left hand"]
    assert services.comments_on_bars(alice.profile, intro) == []
