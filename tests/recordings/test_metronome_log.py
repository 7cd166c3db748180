"""Bars from the metronome's log (issue 16): a take recorded while Woodshed's metronome ran
keeps the log (`[{at_ms, bpm, beats_per_bar, bar}]`), so comments get bars without tapped
marks; tapped marks win when there are some."""

from __future__ import annotations

import base64
import io
import json
import math
import uuid
from fractions import Fraction

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.clients import field_errors
from tests.data.helpers import export_of
from tests.factories import make_persona
from tests.recordings.media import make_recording, sine, wav_bytes
from woodshed.data.restore import restore_document
from woodshed.db import db
from woodshed.recordings import services
from woodshed.recordings.models import Recording
from woodshed.recordings.schemas import CommentIn, SyncPoints

TUS = {"Tus-Resumable": "1.0.0"}
#: 120 bpm in 4/4 from 1 s on: a bar every 2 s, so 1–3 s is bar 1, 3–5 s bar 2, …
STEADY = [{"at_ms": 1000, "bpm": 120, "beats_per_bar": 4, "bar": 1}]


def _oracle(log: list[dict], ms: int) -> int | None:
    """bar = bar0 + floor((t - at) / (60 / bpm * beats)) of the last segment begun, in
    exact arithmetic; None before the first downbeat."""
    begun = [s for s in log if s["at_ms"] <= ms]
    if not begun:
        return None
    s = begun[-1]
    bar_ms = Fraction(60_000) / Fraction(s["bpm"]) * s["beats_per_bar"]
    return s["bar"] + math.floor(Fraction(ms - s["at_ms"]) / bar_ms)


segment = st.fixed_dictionaries(
    {
        # Tempos as a person sets them: whole or half beats a minute.
        "bpm": st.integers(40, 800).map(lambda half: half / 2),
        "beats_per_bar": st.integers(1, 16),
        "bar": st.integers(1, 500),
    }
)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.integers(0, 3_600_000), segment),
        min_size=1,
        max_size=5,
        unique_by=lambda p: p[0],
    ),
    st.integers(0, 3_700_000),
)
def test_the_bar_at_a_moment_is_what_the_metronome_counted(segments, ms):
    log = [{"at_ms": at, **s} for at, s in sorted(segments, key=lambda p: p[0])]
    take = Recording(sync_points=[], metronome_log=log)
    assert services.bars_at(take, ms / 1000) == _oracle(log, ms)


@pytest.mark.parametrize(
    ("seconds", "bar"),
    [(0.5, None), (1.0, 1), (2.999, 1), (3.0, 2), (10.9, 5), (11.0, 6), (14.0, 7), (18.0, 9)],
)
def test_a_change_of_tempo_and_meter_starts_a_new_count(seconds, bar):
    # 120 bpm 4/4 from 1 s (2 s a bar); at 11 s, bar 6 begins in 3/4 at 90 bpm (2 s a bar)…
    log = [
        *STEADY,
        {"at_ms": 11_000, "bpm": 90, "beats_per_bar": 3, "bar": 6},
        # … and at 17 s the musician starts again from bar 9 at 60 bpm in 2/4 (2 s a bar).
        {"at_ms": 17_000, "bpm": 60, "beats_per_bar": 2, "bar": 9},
    ]
    assert services.bars_at(Recording(sync_points=[], metronome_log=log), seconds) == bar


def test_comments_get_bars_from_the_log_and_tapped_marks_win(alice):
    take = make_recording(alice.profile, metronome_log=STEADY)
    take.duration_seconds = 60.0
    assert take.metronome_bpm == 120  # the log's tempo is the tempo estimate's prior
    user = alice.user
    comment = services.add_comment(
        user, alice.profile, take, CommentIn(at_seconds=5.5, end_seconds=9.0, body="Rushed")
    )
    assert (comment.bar_start, comment.bar_end, comment.bars_from_sync) == (3, 5, True)
    own = services.add_comment(
        user, alice.profile, take, CommentIn(at_seconds=5.5, bar_start=40, body="Mine")
    )

    # The musician taps: bar 30 at 5 s, bar 31 at 7 s — the marks are the ground truth.
    marks = SyncPoints.model_validate(
        {"points": [{"bar": 30, "at_seconds": 5.0}, {"bar": 31, "at_seconds": 7.0}]}
    )
    services.set_sync_points(user, alice.profile, take, marks)
    assert (comment.bar_start, comment.bar_end) == (30, 32)
    # The marks cleared: the bars come from the log again.
    services.set_sync_points(user, alice.profile, take, SyncPoints(points=[]))
    assert (comment.bar_start, comment.bar_end) == (3, 5)
    assert (own.bar_start, own.bar_end) == (40, 40)  # the author's own bars stay throughout


def test_the_log_comes_with_a_one_request_upload_and_shows_in_the_api(alice, alice_api):
    log = [*STEADY, {"at_ms": 9000, "bpm": 100.5, "beats_per_bar": 3, "bar": 5}]
    made = alice_api.post(
        "/api/v1/recordings",
        data={
            "file": (io.BytesIO(wav_bytes(sine(1.0))), "t.wav"),
            "metronome_log": json.dumps(log),
        },
        content_type="multipart/form-data",
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["metronome_log"] == log
    assert body["metronome_bpm"] == 120
    got = alice_api.get(f"/api/v1/recordings/{body['id']}").get_json()
    assert got["metronome_log"] == log
    plain = make_recording(alice.profile)
    assert alice_api.get(f"/api/v1/recordings/{plain.id}").get_json()["metronome_log"] is None


def test_the_log_comes_with_a_resumable_upload(alice, alice_api):
    raw = wav_bytes(sine(0.5))
    meta = base64.b64encode(json.dumps(STEADY).encode()).decode()
    start = alice_api.post(
        "/api/v1/recordings/uploads",
        headers={**TUS, "Upload-Length": str(len(raw)), "Upload-Metadata": f"metronome_log {meta}"},
    )
    assert start.status_code == 201, start.get_data(as_text=True)
    done = alice_api.request(
        "PATCH",
        start.headers["Location"],
        data=raw,
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    take = db.session.get(Recording, uuid.UUID(done.headers["Recording-Id"]))
    assert take.metronome_log == STEADY


BAD_LOGS = [
    ([{"at_ms": -1, "bpm": 120, "beats_per_bar": 4}], "metronome_log.0.at_ms"),
    ([{"at_ms": 0, "bpm": 19, "beats_per_bar": 4}], "metronome_log.0.bpm"),
    ([{"at_ms": 0, "bpm": 401, "beats_per_bar": 4}], "metronome_log.0.bpm"),
    ([{"at_ms": 0, "bpm": 120, "beats_per_bar": 0}], "metronome_log.0.beats_per_bar"),
    ([{"at_ms": 0, "bpm": 120, "beats_per_bar": 17}], "metronome_log.0.beats_per_bar"),
    ([{"at_ms": 0, "bpm": 120, "beats_per_bar": 4, "bar": 0}], "metronome_log.0.bar"),
    ([{"at_ms": 0, "bpm": "fast", "beats_per_bar": 4}], "metronome_log.0.bpm"),
    ([{"bpm": 120, "beats_per_bar": 4}], "metronome_log.0.at_ms"),
    (
        [
            {"at_ms": 5000, "bpm": 120, "beats_per_bar": 4},
            {"at_ms": 1000, "bpm": 90, "beats_per_bar": 3},
        ],
        "metronome_log",
    ),
    (
        [
            {"at_ms": 1000, "bpm": 120, "beats_per_bar": 4},
            {"at_ms": 1000, "bpm": 90, "beats_per_bar": 3},
        ],
        "metronome_log",
    ),
    ({"at_ms": 0}, "metronome_log"),
    ("not a list", "metronome_log"),
]


@pytest.mark.parametrize(("log", "field"), BAD_LOGS)
def test_a_bad_log_is_a_field_error_in_the_json_api(alice, alice_api, log, field):
    take = make_recording(alice.profile)
    response = alice_api.patch(f"/api/v1/recordings/{take.id}", json={"metronome_log": log})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in field_errors(response), field_errors(response)
    db.session.refresh(take)
    assert take.metronome_log is None


@pytest.mark.parametrize(("log", "field"), [*BAD_LOGS[:4], *BAD_LOGS[8:10]])
def test_a_bad_log_is_a_field_error_in_the_uploads(alice, alice_api, log, field):
    made = alice_api.post(
        "/api/v1/recordings",
        data={"file": (io.BytesIO(b"RIFF...."), "t.wav"), "metronome_log": json.dumps(log)},
        content_type="multipart/form-data",
    )
    assert made.status_code == 422, made.get_data(as_text=True)
    assert field in field_errors(made)
    meta = base64.b64encode(json.dumps(log).encode()).decode()
    start = alice_api.post(
        "/api/v1/recordings/uploads",
        headers={**TUS, "Upload-Length": "100", "Upload-Metadata": f"metronome_log {meta}"},
    )
    assert start.status_code == 422, start.get_data(as_text=True)
    assert field in field_errors(start)
    assert services.used_bytes(alice.profile) == 0


@pytest.mark.parametrize("text", ["[{at_ms: 1", "[" * 100_000])
def test_log_text_that_is_not_json_is_a_field_error(alice_api, text):
    made = alice_api.post(
        "/api/v1/recordings",
        data={"file": (io.BytesIO(b"RIFF...."), "t.wav"), "metronome_log": text},
        content_type="multipart/form-data",
    )
    assert made.status_code == 422
    assert "metronome" in field_errors(made)["metronome_log"]


def test_a_new_log_moves_the_bars_it_gave_and_none_removes_them(alice, alice_api):
    take = make_recording(alice.profile, metronome_log=STEADY)
    url = f"/api/v1/recordings/{take.id}"
    said = alice_api.post(f"{url}/comments", json={"at_seconds": 0.5, "body": "Before"})
    assert said.get_json()["bar_start"] is None  # before the first click: bars unknown
    said = alice_api.post(f"{url}/comments", json={"at_seconds": 4.0, "body": "Late"})
    assert said.get_json()["bar_start"] == 2
    later = [{"at_ms": 0, "bpm": 60, "beats_per_bar": 2, "bar": 17}]  # 2 s a bar from 0 s
    assert alice_api.patch(url, json={"metronome_log": later}).status_code == 200
    bars = [(c["body"], c["bar_start"]) for c in alice_api.get(f"{url}/comments").get_json()]
    assert bars == [("Before", 17), ("Late", 19)]
    assert alice_api.patch(url, json={"metronome_log": None}).status_code == 200
    bars = [(c["body"], c["bar_start"]) for c in alice_api.get(f"{url}/comments").get_json()]
    assert bars == [("Before", None), ("Late", None)]


def test_the_log_travels_in_the_export_and_a_broken_one_restores_without_bars(alice):
    log = [*STEADY, {"at_ms": 9000, "bpm": 100.5, "beats_per_bar": 3, "bar": 5}]
    take = make_recording(alice.profile, title="With the metronome", metronome_log=log)
    services.add_comment(alice.user, alice.profile, take, CommentIn(at_seconds=4, body="Here"))
    doc = export_of(alice.profile)
    (exported,) = [r for r in doc["recordings"] if r["title"] == "With the metronome"]
    assert exported["metronome_log"] == log
    assert exported["recording_comments"][0]["bars_from_sync"] is True

    carol = make_persona(f"carol-{uuid.uuid4().hex[:8]}")
    restore_document(carol.profile, doc)
    (back,) = db.session.scalars(
        sa.select(Recording).where(Recording.profile_id == carol.profile.id)
    ).all()
    assert back.metronome_log == log
    assert services.bars_at(back, 10.0) == 5

    exported["metronome_log"] = [{"at_ms": "soon", "bpm": 0}]
    exported["title"] = "Broken"
    dave = make_persona(f"dave-{uuid.uuid4().hex[:8]}")
    restore_document(dave.profile, doc)
    (broken,) = db.session.scalars(
        sa.select(Recording).where(Recording.profile_id == dave.profile.id)
    ).all()
    assert services.bars_at(broken, 10.0) is None
    assert services.metronome_log(broken) == []
