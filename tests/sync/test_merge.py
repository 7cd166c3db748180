"""REL-SYNC on the server: an edit made offline is merged field by field into the entry as
it is now; the same field changed on both sides keeps the later write live and the other
in the conflicts inbox; choosing in the inbox puts a value back as a new revision."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from woodshed.db import db
from woodshed.journal.models import PracticeSession, SessionRevision
from woodshed.sync.models import SyncConflict

START = "2026-03-02T18:00:00Z"
LAPTOP_EDIT = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


def _logged(api) -> dict:
    answer = api.post(
        "/api/v1/sessions",
        json={"started_at": START, "duration_minutes": 30, "notes": "slow", "tags": ["a"]},
    )
    assert answer.status_code == 201
    return answer.get_json()


def _edit(api, session, changes) -> dict:
    answer = api.patch(f"/api/v1/sessions/{session['id']}", json=changes)
    assert answer.status_code == 200
    return answer.get_json()


def _merge(api, session, changes, edited_at, base_version=1):
    base = {field: session[field] for field in changes}
    return api.post(
        f"/api/v1/sessions/{session['id']}/merge",
        json={
            "base_version": base_version,
            "base": base,
            "changes": changes,
            "edited_at": edited_at,
            "source": "phone",
        },
    )


def test_fields_changed_on_one_side_only_are_merged(alice_api):
    session = _logged(alice_api)
    _edit(alice_api, session, {"notes": "laptop notes"})
    answer = _merge(alice_api, session, {"duration_minutes": 45}, "2026-03-02T19:00:00Z")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["conflicts"] == []
    assert body["session"]["notes"] == "laptop notes"
    assert body["session"]["duration_minutes"] == 45
    assert alice_api.get("/api/v1/conflicts").get_json()["items"] == []


def test_a_value_already_there_is_no_conflict(alice_api):
    session = _logged(alice_api)
    _edit(alice_api, session, {"tags": ["A", "b"]})
    answer = _merge(alice_api, session, {"tags": ["b", "a"]}, "2026-03-02T19:00:00Z")
    assert answer.get_json()["conflicts"] == []


def test_the_later_write_is_live_and_the_other_waits_in_the_inbox(alice_api, frozen_clock):
    session = _logged(alice_api)
    frozen_clock(LAPTOP_EDIT)
    _edit(alice_api, session, {"duration_minutes": 45})
    # The phone's edit was made earlier (offline), so the laptop's 45 stays live.
    earlier = _merge(alice_api, session, {"duration_minutes": 35}, "2026-03-02T19:00:00Z")
    assert earlier.get_json()["session"]["duration_minutes"] == 45
    [kept] = earlier.get_json()["conflicts"]
    assert (kept["live_value"], kept["other_value"]) == (45, 35)
    assert kept["other_source"] == "phone, offline"
    # A later offline edit wins; the laptop's 45 is kept as the other value.
    frozen_clock(LAPTOP_EDIT + timedelta(hours=2))
    later = _merge(alice_api, session, {"duration_minutes": 50}, "2026-03-02T21:00:00Z")
    assert later.get_json()["session"]["duration_minutes"] == 50
    [kept2] = later.get_json()["conflicts"]
    assert (kept2["live_value"], kept2["other_value"]) == (50, 45)
    listed = alice_api.get("/api/v1/conflicts").get_json()["items"]
    assert {c["id"] for c in listed} == {kept["id"], kept2["id"]}


def test_keeping_the_other_value_puts_it_back_as_a_revision(alice_api, frozen_clock):
    session = _logged(alice_api)
    frozen_clock(LAPTOP_EDIT)
    _edit(alice_api, session, {"notes": "laptop"})
    [kept] = _merge(alice_api, session, {"notes": "phone"}, "2026-03-02T19:00:00Z").get_json()[
        "conflicts"
    ]
    answer = alice_api.post(f"/api/v1/conflicts/{kept['id']}/resolve", json={"keep": "other"})
    assert answer.status_code == 200
    assert alice_api.get(f"/api/v1/sessions/{session['id']}").get_json()["notes"] == "phone"
    assert alice_api.get("/api/v1/conflicts").get_json()["items"] == []
    again = alice_api.post(f"/api/v1/conflicts/{kept['id']}/resolve", json={"keep": "live"})
    assert again.status_code == 422
    revisions = alice_api.get(f"/api/v1/sessions/{session['id']}/revisions").get_json()
    assert sorted(r["changes"]["notes"] for r in revisions) == [
        ["laptop", "phone"],
        ["slow", "laptop"],
    ]


def test_another_persons_conflict_is_a_404_and_stays_open(alice_api, bob_api, frozen_clock):
    session = _logged(alice_api)
    frozen_clock(LAPTOP_EDIT)
    _edit(alice_api, session, {"notes": "laptop"})
    [kept] = _merge(alice_api, session, {"notes": "phone"}, "2026-03-02T19:00:00Z").get_json()[
        "conflicts"
    ]
    answer = bob_api.post(f"/api/v1/conflicts/{kept['id']}/resolve", json={"keep": "other"})
    assert answer.status_code == 404
    assert bob_api.get("/api/v1/conflicts").get_json()["items"] == []
    assert db.session.get(SyncConflict, uuid.UUID(kept["id"])).resolved_at is None


def test_a_merge_without_the_base_of_a_changed_field_is_a_422(alice_api):
    session = _logged(alice_api)
    _edit(alice_api, session, {"notes": "laptop"})
    answer = alice_api.post(
        f"/api/v1/sessions/{session['id']}/merge",
        json={
            "base_version": 1,
            "base": {},
            "changes": {"duration_minutes": 40},
            "edited_at": "2026-03-02T19:00:00Z",
        },
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "base"


def _edit_form(web, session_id) -> dict:
    html = web.get(f"/journal/{session_id}/edit").get_data(as_text=True)
    base = re.search(r'name="base" value="([^"]+)"', html).group(1).replace("&#34;", '"')
    return {"version": "1", "base": base}


def test_an_edit_form_saved_after_another_change_is_merged(alice_web, alice_api):
    session = _logged(alice_api)
    opened = _edit_form(alice_web, session["id"])
    assert json.loads(opened["base"])["duration_minutes"] == 30
    _edit(alice_api, session, {"notes": "from the API"})
    answer = alice_web.submit(
        f"/journal/{session['id']}/edit",
        {
            **opened,
            "started_at": "2026-03-02T19:00",  # Berlin: the same moment
            "duration_minutes": "55",
            "notes": "slow",
            "tags": "a",
            "mode": "normal",
            "edited_at": "2026-03-02T19:30:00+00:00",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    row = db.session.get(PracticeSession, uuid.UUID(session["id"]))
    db.session.refresh(row)
    assert (row.duration_minutes, row.notes) == (55, "from the API")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRevision)) == 2


def test_a_quick_log_sent_again_later_is_saved_once_at_the_time_it_ended(alice_web):
    ended = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    form = {
        "preset": "30",
        "id": "01a23c00-0000-7000-8000-000000000001",
        "ended_at": ended.isoformat(),
        "next": "/",
    }
    assert alice_web.submit("/journal/quick", form).status_code == 302
    assert alice_web.submit("/journal/quick", form).status_code == 302
    rows = db.session.scalars(sa.select(PracticeSession)).all()
    assert len(rows) == 1
    assert rows[0].started_at == (ended - timedelta(minutes=30)).replace(second=0)
