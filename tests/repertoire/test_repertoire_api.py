"""/api/v1/pieces, /pieces/{id}/sections and /skills."""

from datetime import UTC, datetime

import pytest

from tests.clients import field_errors
from tests.factories import log_session, make_instrument, make_piece, make_section, make_skill
from woodshed.db import db
from woodshed.repertoire.models import Piece


def test_it_adds_a_piece_and_reports_its_status_history(alice_api, alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, tzinfo=UTC))
    piano = make_instrument(alice.profile, "Piano")
    response = alice_api.post(
        "/api/v1/pieces",
        json={
            "title": "Nocturne Op. 9 No. 2",
            "composer": "Chopin",
            "instrument_id": str(piano.id),
            "difficulty": 7,
            "status": "learning",
            "started_on": "2026-03-01",
            "target_tempo_bpm": 66,
            "length_bars": 81,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["length_bars"] == 81
    assert response.headers["ETag"] == '"v1"'
    assert body["status_history"] == [
        {"from_status": None, "to_status": "learning", "changed_at": "2026-03-10T12:00:00Z"}
    ]
    assert body["instrument_id"] == str(piano.id)

    frozen_clock(datetime(2026, 4, 1, 9, tzinfo=UTC))
    url = f"/api/v1/pieces/{body['id']}"
    moved = alice_api.patch(url, json={"status": "polishing"}, headers={"If-Match": '"v1"'})
    assert moved.status_code == 200
    assert moved.get_json()["status_changed_at"] == "2026-04-01T09:00:00Z"
    assert [c["to_status"] for c in moved.get_json()["status_history"]] == [
        "learning",
        "polishing",
    ]
    stale = alice_api.patch(url, json={"title": "x"}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "Keep this to 200 characters or fewer."),
        ({"title": "x", "difficulty": 11}, "difficulty", "Enter a number of at most 10."),
        ({"title": "x", "status": "done"}, "status", None),
        (
            {"title": "x", "target_tempo_bpm": 0},
            "target_tempo_bpm",
            "Enter a number of at least 1.",
        ),
        ({"title": "x", "started_on": "2026-13-01"}, "started_on", None),
        ({"title": "x", "difficulty": "7"}, "difficulty", "Enter a whole number."),
        ({"title": "x", "length_bars": 0}, "length_bars", "Enter a number of at least 1."),
    ],
)
def test_it_refuses_bad_pieces_with_a_message_per_field(alice_api, body, field, message):
    response = alice_api.post("/api/v1/pieces", json=body)
    assert response.status_code == 422
    errors = field_errors(response)
    assert field in errors
    if message:
        assert errors[field] == message


def test_a_200_character_title_is_accepted(alice_api):
    response = alice_api.post("/api/v1/pieces", json={"title": "é" * 200})
    assert response.status_code == 201


def test_a_client_id_makes_creating_a_piece_idempotent(alice_api, alice):
    body = {"id": "01a20093-0000-7000-8000-0000000000aa", "title": "Gymnopédie No. 1"}
    first = alice_api.post("/api/v1/pieces", json=body)
    again = alice_api.post("/api/v1/pieces", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    keyed = alice_api.post(
        "/api/v1/pieces", json={"title": "Other"}, headers={"Idempotency-Key": "k-1"}
    )
    replay = alice_api.post(
        "/api/v1/pieces", json={"title": "Other"}, headers={"Idempotency-Key": "k-1"}
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == keyed.get_json()["id"]
    assert len(alice_api.get("/api/v1/pieces").get_json()["items"]) == 2


def test_piece_lists_filter_search_and_page_by_title(alice_api, alice):
    piano = make_instrument(alice.profile, "Piano")
    for title, composer, status in [
        ("Étude Op. 10 No. 3", "Chopin", "learning"),
        ("arabesque No. 1", "Debussy", "polishing"),
        ("Clair de lune", "Debussy", "wishlist"),
        ("Nocturne Op. 9 No. 2", "Chopin", "learning"),
        ("Ballade No. 1", "Chopin", "archived"),
    ]:
        make_piece(alice.profile, title, composer=composer, status=status, instrument_id=piano.id)
    make_piece(alice.profile, "Romanza")  # no instrument

    def titles(**params):
        return [
            p["title"]
            for p in alice_api.get("/api/v1/pieces", query_string=params).get_json()["items"]
        ]

    assert titles(q="debussy") == ["arabesque No. 1", "Clair de lune"]
    assert titles(q="chopin nocturne") == ["Nocturne Op. 9 No. 2"]
    assert set(titles(status="learning")) == {
        "Nocturne Op. 9 No. 2",
        "Étude Op. 10 No. 3",
        "Romanza",
    }
    assert "Romanza" not in titles(instrument_id=str(piano.id))
    assert titles(q="50%_") == []

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = alice_api.get("/api/v1/pieces", query_string=params).get_json()
        seen += [p["title"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(titles(limit=50))
    assert len(seen) == 6
    assert seen == titles(limit=50)
    assert seen[:2] == ["arabesque No. 1", "Ballade No. 1"]  # case does not decide the order

    bad = alice_api.get("/api/v1/pieces", query_string={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 422
    assert "cursor" in field_errors(bad)


def test_sections_live_under_their_piece(alice_api, alice):
    piece = make_piece(alice.profile)
    other = make_piece(alice.profile, "Other piece")
    url = f"/api/v1/pieces/{piece.id}/sections"
    made = alice_api.post(url, json={"name": "B", "bar_start": 33, "bar_end": 40})
    assert made.status_code == 201, made.get_json()
    section = made.get_json()
    assert section["piece_id"] == str(piece.id)
    inner = alice_api.post(url, json={"name": "B1", "bar_start": 33, "bar_end": 36})
    assert inner.status_code == 201
    listed = alice_api.get(url).get_json()["items"]
    assert [s["name"] for s in listed] == ["B", "B1"]  # containing range first

    assert alice_api.get(f"/api/v1/pieces/{other.id}/sections/{section['id']}").status_code == 404
    one = f"{url}/{section['id']}"
    assert alice_api.get(one).headers["ETag"] == '"v1"'
    assert alice_api.patch(one, json={"bar_end": 30}).status_code == 422
    assert field_errors(alice_api.patch(one, json={"bar_end": 30})) == {
        "bar_end": "The last bar (30) comes before the first (33)."
    }
    assert (
        alice_api.patch(one, json={"bar_start": 1}, headers={"If-Match": '"v1"'}).status_code == 200
    )
    assert alice_api.delete(one, headers={"If-Match": '"v1"'}).status_code == 412
    assert alice_api.delete(one).status_code == 204
    assert [s["name"] for s in alice_api.get(url).get_json()["items"]] == ["B1"]


def test_a_range_from_40_to_33_is_refused(alice_api, alice):
    piece = make_piece(alice.profile)
    response = alice_api.post(
        f"/api/v1/pieces/{piece.id}/sections", json={"name": "B", "bar_start": 40, "bar_end": 33}
    )
    assert response.status_code == 422
    assert field_errors(response) == {"bar_end": "The last bar (33) comes before the first (40)."}


def test_section_ids_cannot_be_reused_across_pieces(alice_api, alice):
    first, second = make_piece(alice.profile), make_piece(alice.profile, "Second")
    body = {"id": "01a20093-0000-7000-8000-0000000000bb", "name": "A", "bar_start": 1, "bar_end": 4}
    assert alice_api.post(f"/api/v1/pieces/{first.id}/sections", json=body).status_code == 201
    again = alice_api.post(f"/api/v1/pieces/{second.id}/sections", json=body)
    assert again.status_code == 422
    assert field_errors(again) == {"id": "This id is already in use."}


def test_skill_names_are_unique_ignoring_case(alice_api, alice, bob):
    make_skill(alice.profile, "Étude technique")
    make_skill(bob.profile, "Arpeggios")  # bob's names do not matter to alice
    taken = alice_api.post("/api/v1/skills", json={"name": "ÉTUDE TECHNIQUE"})
    assert taken.status_code == 422
    assert field_errors(taken) == {"name": "You already have a skill with this name."}
    assert alice_api.post("/api/v1/skills", json={"name": "arpeggios"}).status_code == 201
    renamed = alice_api.post("/api/v1/skills", json={"name": "Scales", "category": "scale"})
    url = f"/api/v1/skills/{renamed.get_json()['id']}"
    assert alice_api.patch(url, json={"name": "arpeggios"}).status_code == 422
    assert alice_api.patch(url, json={"name": "SCALES"}).status_code == 200  # its own name


def test_skills_refuse_an_unknown_category_and_filter_by_one(alice_api, alice):
    bad = alice_api.post("/api/v1/skills", json={"name": "Yodel", "category": "singing"})
    assert bad.status_code == 422
    assert "category" in field_errors(bad)
    make_skill(alice.profile, "C major", category="scale")
    make_skill(alice.profile, "Intervals", category="ear_training")
    scales = alice_api.get("/api/v1/skills", query_string={"category": "scale"}).get_json()
    assert [s["name"] for s in scales["items"]] == ["C major"]


def test_hostile_text_comes_back_as_text(alice_api):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    made = alice_api.post("/api/v1/pieces", json={"title": hostile, "notes": hostile})
    assert made.status_code == 201
    assert made.get_json()["title"] == hostile


def test_deleting_a_piece_keeps_the_sessions_that_practised_it(alice_api, alice):
    piece = make_piece(alice.profile)
    section = make_section(piece)
    session = log_session(alice.profile, items=[{"section_id": str(section.id), "minutes": 10}])
    piece_id, session_id = piece.id, session.id
    assert alice_api.delete(f"/api/v1/pieces/{piece_id}").status_code == 204
    kept = alice_api.get(f"/api/v1/sessions/{session_id}").get_json()
    assert kept["items"][0]["piece_id"] is None
    assert kept["items"][0]["minutes"] == 10
    assert alice_api.get(f"/api/v1/pieces/{piece_id}").status_code == 404
    db.session.expunge_all()
    assert db.session.get(Piece, piece_id) is None
