"""Recordings in the JSON export and its restore (issue 16, "Your data")."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.data.helpers import export_of, fill_account
from tests.factories import make_persona
from tests.recordings.media import make_recording
from woodshed.data.restore import restore_document
from woodshed.db import db
from woodshed.recordings import services
from woodshed.recordings.models import Recording


def test_the_export_holds_each_take_with_its_comments_and_lists_its_file(alice):
    fill_account(alice)
    doc = export_of(alice.profile)
    (take,) = doc["recordings"]
    assert take["title"] == "Bars 1–8, slow"
    assert take["tempo"]["bpm"] == 60.2
    assert take["sync_points"][1] == {"bar": 5, "at_seconds": 8.5}
    assert "lease_until" not in take
    assert "attempts" not in take
    comments = take["recording_comments"]
    assert [(c["body"], c["editor"]) for c in comments] == [
        ("Lift the wrist here", None),
        ("Will do", "self"),
    ]
    assert comments[1]["parent_id"] == comments[0]["id"]
    files = {f["name"]: f for f in doc["files"]}
    original = files[f"recordings/{take['id']}/original"]
    assert original["sha256"] == take["sha256"]
    assert original["size"] == take["size_bytes"]


def test_a_restore_brings_takes_back_counts_their_quota_and_queues_waiting_ones(alice):
    waiting = make_recording(alice.profile, title="Not processed yet")
    fill_account(alice)
    doc = export_of(alice.profile)
    carol = make_persona(f"carol-{uuid.uuid4().hex[:8]}")

    counts = restore_document(carol.profile, doc)

    assert counts["recordings"] == 2
    assert counts["recording_comments"] == 2
    restored = {
        r.title: r
        for r in db.session.scalars(
            sa.select(Recording).where(Recording.profile_id == carol.profile.id)
        )
    }
    assert set(restored) == {"Bars 1–8, slow", "Not processed yet"}
    assert restored["Not processed yet"].status == "pending"
    assert restored["Not processed yet"].next_attempt_at is not None
    assert services.used_bytes(carol.profile) == sum(r.size_bytes for r in restored.values())
    assert services.used_bytes(carol.profile) == services.used_bytes(alice.profile)
    # The files did not travel with the JSON: the page says so.
    take = restored["Bars 1–8, slow"]
    assert not services.has_original(take)
    assert services.has_original(waiting)
    web = make_web(carol)
    page = web.get(f"/recordings/{take.id}").get_data(as_text=True)
    assert "not on this server" in page
    comments = services.comments_of(take)
    assert [c["author"]["role"] for c in comments] == ["former_teacher", "musician"]


def make_web(persona):
    from flask import current_app

    web = current_app.test_client()
    web.sign_in(persona)
    return web
