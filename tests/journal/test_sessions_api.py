from datetime import UTC, datetime

from tests.clients import field_errors
from tests.factories import log_session, make_instrument


def test_it_logs_a_session_with_only_start_and_duration(alice_api, alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    response = alice_api.post(
        "/api/v1/sessions", json={"started_at": "2026-03-10T00:30:00+01:00", "duration_minutes": 25}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    # 00:30 in Berlin is before the 04:00 rollover: it counts for the 9th.
    assert body["practice_date"] == "2026-03-09"
    assert body["timezone"] == "Europe/Berlin"
    assert response.headers["ETag"] == '"v1"'


def test_it_rejects_bad_input_with_field_errors(alice_api, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    response = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-03-11T12:00:00+00:00",
            "duration_minutes": 601,
            "mood": 6,
            "tags": ["x" * 200],
            "items": [{"piece_id": None, "bars": "40-33"}],
        },
    )
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["started_at"] == "The start time is in the future."
    assert errors["duration_minutes"] == "Enter a number of at most 600."
    assert errors["mood"] == "Enter a number of at most 5."
    assert errors["tags.0"] == "Keep this to 50 characters or fewer."
    assert "items.0.bars" in errors


def test_another_musicians_piece_is_rejected_like_a_missing_one(alice_api, bob, app):
    from woodshed.db import db
    from woodshed.repertoire.models import Piece

    piece = Piece(profile_id=bob.profile.id, title="Bob's etude")
    db.session.add(piece)
    db.session.flush()
    response = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-01-01T10:00:00Z",
            "duration_minutes": 20,
            "items": [{"piece_id": str(piece.id), "minutes": 10}],
        },
    )
    assert response.status_code == 422
    assert field_errors(response) == {"items.0.piece_id": "There is no such piece in your journal."}


def test_bob_cannot_read_or_change_alices_session(alice, bob_api):
    session = log_session(alice.profile, duration_minutes=40)
    url = f"/api/v1/sessions/{session.id}"
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, json={"duration_minutes": 5}).status_code == 404
    assert bob_api.delete(url).status_code == 404
    assert session.duration_minutes == 40


def test_resending_a_client_id_returns_the_same_session(alice_api):
    payload = {
        "id": "01a20093-0000-7000-8000-000000000001",
        "started_at": "2026-01-01T10:00:00Z",
        "duration_minutes": 20,
    }
    first = alice_api.post("/api/v1/sessions", json=payload)
    again = alice_api.post("/api/v1/sessions", json=payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]


def test_an_idempotency_key_replays_and_refuses_a_different_body(alice_api):
    headers = {"Idempotency-Key": "abc-123"}
    body = {"started_at": "2026-01-01T10:00:00Z", "duration_minutes": 20}
    first = alice_api.post("/api/v1/sessions", json=body, headers=headers)
    again = alice_api.post("/api/v1/sessions", json=body, headers=headers)
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = alice_api.post(
        "/api/v1/sessions", json=body | {"duration_minutes": 21}, headers=headers
    )
    assert other.status_code == 422
    listed = alice_api.get("/api/v1/sessions").get_json()["items"]
    assert len(listed) == 1


def test_edits_keep_a_revision_history_and_honour_if_match(alice_api, alice):
    session = log_session(alice.profile, duration_minutes=30)
    url = f"/api/v1/sessions/{session.id}"
    stale = alice_api.patch(url, json={"duration_minutes": 45}, headers={"If-Match": '"v9"'})
    assert stale.status_code == 412
    ok = alice_api.patch(url, json={"duration_minutes": 45}, headers={"If-Match": '"v1"'})
    assert ok.status_code == 200
    assert ok.headers["ETag"] == '"v2"'
    revisions = alice_api.get(f"{url}/revisions").get_json()
    assert revisions[0]["changes"] == {"duration_minutes": [30, 45]}


def test_search_finds_whole_words_not_parts_of_words(alice_api, alice):
    log_session(alice.profile, notes="Worked on the arpeggio fingering")
    log_session(alice.profile, next_time="Start with scales")
    log_session(alice.profile, notes="Harpsichord day")

    def found(q):
        return len(alice_api.get("/api/v1/sessions", query_string={"q": q}).get_json()["items"])

    assert found("arpeggio") == 1
    assert found("scales") == 1
    assert found("arp") == 1  # the last word also matches as a prefix
    assert found("psichord") == 0
    assert found("fingering arpeggio") == 1
    assert found("fingering scales") == 0


def test_filters_and_cursor_pagination(alice_api, alice):
    piano = make_instrument(alice.profile, "Piano")
    for day in range(1, 8):
        log_session(
            alice.profile,
            started_at=datetime(2026, 1, day, 10, tzinfo=UTC),
            instrument_id=piano.id if day % 2 else None,
            tags=["Scales"] if day < 3 else [],
        )
    page = alice_api.get("/api/v1/sessions", query_string={"limit": 3}).get_json()
    assert [s["practice_date"] for s in page["items"]] == ["2026-01-07", "2026-01-06", "2026-01-05"]
    rest = alice_api.get(
        "/api/v1/sessions", query_string={"limit": 10, "cursor": page["next_cursor"]}
    )
    assert len(rest.get_json()["items"]) == 4
    assert rest.get_json()["next_cursor"] is None
    only_piano = alice_api.get("/api/v1/sessions", query_string={"instrument_id": str(piano.id)})
    assert len(only_piano.get_json()["items"]) == 4
    tagged = alice_api.get("/api/v1/sessions", query_string={"tag": "scales"})
    assert len(tagged.get_json()["items"]) == 2
    ranged = alice_api.get(
        "/api/v1/sessions", query_string={"from": "2026-01-02", "to": "2026-01-03"}
    )
    assert [s["practice_date"] for s in ranged.get_json()["items"]] == ["2026-01-03", "2026-01-02"]
