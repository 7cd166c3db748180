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


def test_bob_sees_none_of_alices_sessions_or_history(alice, bob_api):
    from woodshed.journal import services

    session = log_session(alice.profile, notes="alice practised arpeggios", tags=["secret"])
    services.update_session(alice.profile, session, {"duration_minutes": 45})
    assert bob_api.get("/api/v1/sessions").get_json()["items"] == []
    assert bob_api.get("/api/v1/sessions", query_string={"q": "arpeggios"}).get_json() == {
        "items": [],
        "next_cursor": None,
    }
    assert bob_api.get(f"/api/v1/sessions/{session.id}/revisions").status_code == 404
    assert bob_api.get("/api/v1/tags").get_json()["items"] == []


def test_bob_cannot_attach_alices_piece_section_or_goal(alice, bob_api):
    from tests.factories import make_piece
    from tests.journal import builders

    piece = make_piece(alice.profile, "Alice's", sections=[("A", 1, 4)])
    goal = builders.goal(alice.profile)
    response = bob_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-01-01T10:00:00Z",
            "duration_minutes": 20,
            "items": [{"section_id": str(piece.sections[0].id)}],
            "goal_ids": [str(goal.id)],
        },
    )
    assert response.status_code == 422
    assert field_errors(response) == {
        "items.0.section_id": "There is no such section in your journal.",
        "goal_ids.0": "There is no such goal in your journal.",
    }


def test_bobs_failed_writes_leave_alices_session_exactly_as_it_was(alice, bob_api, alice_api):
    session = log_session(alice.profile, duration_minutes=40, tags=["scales"], notes="mine")
    before = alice_api.get(f"/api/v1/sessions/{session.id}").get_json()
    url = f"/api/v1/sessions/{session.id}"
    assert bob_api.patch(url, json={"tags": ["bob"], "notes": "bob"}).status_code == 404
    assert bob_api.delete(url, headers={"If-Match": '"v1"'}).status_code == 404
    assert alice_api.get(url).get_json() == before


def test_the_api_filters_mirror_the_journal_page(alice, alice_api):
    from tests.factories import make_piece
    from tests.journal import builders

    piece = make_piece(alice.profile, "Etude", sections=[("A", 1, 8)])
    skill = builders.skill(alice.profile)
    goal = builders.goal(alice.profile)
    plain = log_session(alice.profile, started_at=datetime(2026, 1, 1, 10, tzinfo=UTC))
    rich = log_session(
        alice.profile,
        started_at=datetime(2026, 1, 2, 10, tzinfo=UTC),
        items=[{"section_id": piece.sections[0].id}, {"skill_id": skill.id}],
        goal_ids=[goal.id],
        exam_prep=True,
        performance_prep=True,
        confidence=4,
    )
    for name, value in {
        "piece_id": piece.id,
        "section_id": piece.sections[0].id,
        "skill_id": skill.id,
        "goal_id": goal.id,
        "exam_prep": "true",
        "performance_prep": "true",
    }.items():
        found = alice_api.get("/api/v1/sessions", query_string={name: str(value)}).get_json()
        assert [s["id"] for s in found["items"]] == [str(rich.id)], name
    not_exam = alice_api.get("/api/v1/sessions", query_string={"exam_prep": "false"}).get_json()
    assert [s["id"] for s in not_exam["items"]] == [str(plain.id)]
    rated = alice_api.get(
        "/api/v1/sessions", query_string={"rating": "confidence", "min_rating": 4}
    ).get_json()
    assert [s["id"] for s in rated["items"]] == [str(rich.id)]
    bad = alice_api.get("/api/v1/sessions", query_string={"min_rating": 4})
    assert field_errors(bad) == {"min_rating": "Choose which rating the minimum applies to."}


def test_changing_only_the_tags_moves_the_etag(alice, alice_api):
    session = log_session(alice.profile, tags=["scales"])
    url = f"/api/v1/sessions/{session.id}"
    response = alice_api.patch(url, json={"tags": ["arpeggios"]}, headers={"If-Match": '"v1"'})
    assert response.headers["ETag"] == '"v2"'
    stale = alice_api.patch(url, json={"tags": ["x"]}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 412


def test_a_javascript_evidence_link_is_refused(alice_api):
    response = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-01-01T10:00:00Z",
            "duration_minutes": 20,
            "evidence": [{"kind": "link", "url": "javascript:alert(1)"}],
        },
    )
    assert field_errors(response) == {
        "evidence.0.url": "Enter a full web address starting with https:// or http://."
    }
