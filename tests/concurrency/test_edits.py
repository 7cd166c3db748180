"""Edits sent at once (issue 19 item 8, REL-SYNC): without `If-Match` each applies, one
after the other, and each is kept as a revision; with a stale `If-Match` the answer is
412 with the object as it is now, so an offline client can merge and send again.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.racing import race
from woodshed.db import db
from woodshed.journal.models import PracticeSession, SessionRevision

AT_ONCE = 20


def _session(caller) -> dict:
    answer = caller.post(
        "/sessions", json={"started_at": "2026-03-02T18:00:00Z", "duration_minutes": 30}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_edits_without_if_match_all_apply_one_after_the_other(served, caller):
    session = _session(caller)
    path = f"/sessions/{session['id']}"
    answers = race(
        AT_ONCE,
        lambda i: caller.request("PATCH", path, json={"duration_minutes": 100 + i}),
    )
    assert sorted(a.status_code for a in answers) == [200] * AT_ONCE, [
        a.text for a in answers if a.status_code != 200
    ]
    # Every edit saw the one before it: the versions answered are 2 … 21, each once.
    assert sorted(a.json()["version"] for a in answers) == list(range(2, AT_ONCE + 2))

    def stored():
        row = db.session.get(PracticeSession, session_id)
        revisions = db.session.scalars(
            sa.select(SessionRevision).where(SessionRevision.session_id == session_id)
        ).all()
        return row.version, row.duration_minutes, len(revisions)

    session_id = uuid.UUID(session["id"])
    version, minutes, revisions = served.seed(stored)
    assert version == AT_ONCE + 1
    assert revisions == AT_ONCE
    last = max(answers, key=lambda a: a.json()["version"])
    assert minutes == last.json()["duration_minutes"]


def test_a_stale_if_match_answers_412_with_the_current_object(caller):
    session = _session(caller)
    path = f"/sessions/{session['id']}"
    assert caller.request("PATCH", path, json={"notes": "first"}).status_code == 200
    stale = caller.request(
        "PATCH", path, json={"duration_minutes": 45}, headers={"If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["Content-Type"].startswith("application/problem+json")
    body = stale.json()
    assert body["current"]["id"] == session["id"]
    assert body["current"]["notes"] == "first"
    assert body["current"]["duration_minutes"] == 30
    assert stale.headers["ETag"] == '"v2"'


def test_stale_edits_sent_at_once_answer_412_never_5xx(caller):
    session = _session(caller)
    path = f"/sessions/{session['id']}"
    answers = race(
        AT_ONCE,
        lambda i: caller.request(
            "PATCH", path, json={"duration_minutes": 60 + i}, headers={"If-Match": '"v1"'}
        ),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [412] * (AT_ONCE - 1)
    assert all(a.json()["current"]["version"] == 2 for a in answers if a.status_code == 412)
