"""Recording pages: the list with the usage bar, the player, comments that keep what was typed."""

from __future__ import annotations

import io

from tests.recordings import media
from tests.recordings.media import make_recording
from woodshed.db import db
from woodshed.recordings import worker


def test_the_page_shows_the_usage_bar_and_the_takes(alice, alice_web):
    make_recording(alice.profile, title="Bars 33–40")
    page = alice_web.get("/recordings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bars 33–40" in html
    assert 'role="meter"' in html
    assert "Waiting to be processed" in html


def test_uploading_without_javascript_stores_the_take(alice, alice_web):
    response = alice_web.post(
        "/recordings",
        data={
            "csrf_token": alice_web.csrf_token(),
            "title": "Long tone",
            "file": (io.BytesIO(media.wav_bytes(media.sine(0.5))), "tone.wav"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_a_ready_take_has_the_player_and_a_bad_comment_keeps_what_was_typed(alice, alice_web):
    recording = make_recording(alice.profile, media.wav_bytes(media.click_track(100, 8.0)))
    worker.run_once("page-test")
    db.session.refresh(recording)
    page = alice_web.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "data-player" in page
    assert "wavesurfer" not in page  # loaded by the page module, not inline
    response = alice_web.post(
        f"/recordings/{recording.id}/comments",
        data={"csrf_token": alice_web.csrf_token(), "at_seconds": "99", "body": "Too late"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Too late" in html
    assert "seconds long" in html


def test_retention_warns_a_week_ahead_then_deletes_the_take_and_its_files(
    app, alice, alice_web, frozen_clock
):
    from datetime import UTC, datetime, timedelta

    from woodshed.recordings.models import ORIGINAL, Recording
    from woodshed.storage import storage

    start = frozen_clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    recording = make_recording(alice.profile, title="Old take")
    name = recording.file(ORIGINAL)
    app.config["RECORDING_RETENTION_DAYS"] = 30
    try:
        frozen_clock(start + timedelta(days=20))
        assert "takes go" not in alice_web.get("/recordings").get_data(as_text=True)
        assert "take goes" not in alice_web.get("/recordings").get_data(as_text=True)
        frozen_clock(start + timedelta(days=24))
        assert "take goes within a week" in alice_web.get("/recordings").get_data(as_text=True)
        frozen_clock(start + timedelta(days=31))
        counts = worker.run_once("retention")
    finally:
        app.config["RECORDING_RETENTION_DAYS"] = 0
    assert counts["retention_deleted"] == 1
    assert db.session.get(Recording, recording.id) is None
    assert not storage().exists(alice.profile, name)


def test_deleting_a_session_deletes_its_recordings_and_their_files(alice, alice_web):
    from tests.factories import log_session
    from woodshed.journal.services import delete_session
    from woodshed.recordings import services
    from woodshed.recordings.models import ORIGINAL, Recording
    from woodshed.storage import storage

    session = log_session(alice.profile)
    recording = make_recording(alice.profile, session_id=session.id)
    name = recording.file(ORIGINAL)
    delete_session(session)
    db.session.commit()  # files go once the deletion commits
    assert db.session.get(Recording, recording.id) is None
    assert services.used_bytes(alice.profile) == 0
    assert not storage().exists(alice.profile, name)
