"""REL-IDEM+: a create sent many times at once — the same client id, the same natural key —
answers one object every time, never a 5xx, on SQLite and PostgreSQL.

Each test sends real HTTP requests from threads released together to the served app
(see conftest.py), then reads what the database holds.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.concurrency.conftest import AT_ONCE
from tests.racing import race
from woodshed.db import db
from woodshed.journal.models import PracticeSession, Tag, session_tags
from woodshed.notify.models import Notification, NotificationSettings
from woodshed.plans.models import CalendarFeed, PlanOccurrence
from woodshed.repertoire.models import Piece, PieceStatusChange, Section, Skill
from woodshed.search import SearchDocument
from woodshed.stats.models import DailyTotal, EarnedBadge


def _soon() -> str:
    """A local start (the racers live in UTC) two hours from now, to the minute."""
    return (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


def _check_in(caller) -> tuple[str, str]:
    """A plan check-in: posted to its occurrence, the entry it made read as a session."""
    plan = caller.post("/plans", json=RESOURCES["plan"][1]())
    assert plan.status_code == 201, plan.text
    occurrences = caller.get(f"/plans/{plan.json()['id']}/occurrences").json()["items"]
    return f"/occurrences/{occurrences[0]['id']}/check-in", "/sessions"


#: Each resource that takes a client-chosen id: its collection (or a function of the caller
#: that makes what it needs and answers where to post and where the object is read) and a
#: valid body.
RESOURCES = {
    "session": (
        "/sessions",
        lambda: {
            "started_at": "2026-03-02T18:00:00Z",
            "duration_minutes": 30,
            "notes": "Slow practice",
            "tags": ["Scales", "left hand"],
        },
    ),
    "piece": ("/pieces", lambda: {"title": "Nocturne op. 9/2", "composer": "Chopin"}),
    "skill": ("/skills", lambda: {"name": "Scales in thirds"}),
    "goal": ("/goals", lambda: {"title": "Play the nocturne for the family"}),
    "resource": (
        "/resources",
        lambda: {"kind": "link", "title": "Score", "url": "https://example.org/score"},
    ),
    "plan": (
        "/plans",
        lambda: {
            "title": "Evening practice",
            "schedule": {"kind": "single", "start": _soon(), "duration_minutes": 30},
        },
    ),
    "reminder": ("/reminders", lambda: {"kind": "daily", "time": "18:00"}),
    "skip period": (
        "/skip-days",
        lambda: {"start_date": "2026-03-01", "end_date": "2026-03-07", "reason": "Holiday"},
    ),
    "instrument": ("/instruments", lambda: {"name": "Piano"}),
    "plan check-in": (_check_in, lambda: {"notes": "Done", "duration_minutes": 30}),
}


def _read(served, query):
    with served.app.app_context():
        try:
            return query()
        finally:
            db.session.remove()


def _count(served, stmt) -> int:
    return _read(served, lambda: db.session.scalar(stmt))


def _scalars(served, stmt) -> list:
    return _read(served, lambda: list(db.session.scalars(stmt)))


def _problems(answers) -> list[str]:
    return [f"{a.status_code} {a.text[:300]}" for a in answers if a.status_code >= 300]


def _differences(answers, stored: dict) -> list[tuple[int, str]]:
    """(answer status, field) where an answer says something else than the stored object."""
    return [
        (a.status_code, key)
        for a in answers
        for key in sorted(set(a.json()) | set(stored))
        if a.json().get(key) != stored.get(key)
    ]


def _one_created_the_rest_found(answers, client_id: str) -> None:
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 200: len(answers) - 1}, _problems(answers)
    assert {a.json()["id"] for a in answers} == {client_id}


def test_every_create_that_takes_a_client_id_is_raced_here_and_documents_its_200(app):
    """A create whose body has a client `id` answers 200 when the id was sent before: the
    document says so (schemathesis met an undocumented 200 from instruments), and it is raced
    with concurrent requests in these tests."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    creates = []
    for path, operations in document["paths"].items():
        post = operations.get("post")
        body = (post or {}).get("requestBody", {}).get("content", {}).get("application/json")
        if not body or "201" not in post["responses"]:
            continue
        schema = schemas[body["schema"]["$ref"].rsplit("/", 1)[1]]
        if "id" in schema.get("properties", {}):
            creates.append(path)
            assert "200" in post["responses"], path
    raced = {p for p, _ in RESOURCES.values() if isinstance(p, str)} | {
        "/occurrences/{occurrence_id}/check-in",  # RESOURCES["plan check-in"]
        "/pieces/{piece_id}/sections",  # test_a_section_resent_at_once_answers_the_same_section
        "/assignments",  # test_assignment_client_id.py
    }
    assert {c.removeprefix("/api/v1") for c in creates} == raced


@pytest.mark.parametrize("name", list(RESOURCES))
def test_a_create_resent_at_once_with_one_client_id_answers_the_same_object(served, caller, name):
    path, body = RESOURCES[name]
    path, read = path(caller) if callable(path) else (path, path)
    client_id = str(uuid.uuid4())
    answers = race(AT_ONCE, lambda _i: caller.post(path, json=body() | {"id": client_id}))
    _one_created_the_rest_found(answers, client_id)
    stored = caller.get(f"{read}/{client_id}")
    assert stored.status_code == 200
    assert _differences(answers, stored.json()) == []


def test_a_session_resent_at_once_is_stored_once_with_its_tags_and_search_text(served, caller):
    path, body = RESOURCES["session"]
    client_id = str(uuid.uuid4())
    race(AT_ONCE, lambda _i: caller.post(path, json=body() | {"id": client_id}))
    sid = uuid.UUID(client_id)
    links = sa.select(sa.func.count()).select_from(session_tags)
    assert _count(served, links.where(session_tags.c.session_id == sid)) == 2
    tags = sa.select(sa.func.count()).select_from(Tag)
    assert _count(served, tags.where(Tag.profile_id == uuid.UUID(caller.profile_id))) == 2
    documents = sa.select(sa.func.count()).select_from(SearchDocument)
    assert _count(served, documents.where(SearchDocument.object_id == sid)) == 1
    totals = sa.select(DailyTotal.sessions).where(
        DailyTotal.profile_id == uuid.UUID(caller.profile_id), DailyTotal.audience == "all"
    )
    assert _read(served, lambda: list(db.session.scalars(totals))) == [1]


def test_a_session_naming_a_new_piece_resent_at_once_creates_the_piece_once(served, caller):
    client_id = str(uuid.uuid4())
    body = {
        "id": client_id,
        "started_at": "2026-03-04T18:00:00Z",
        "duration_minutes": 30,
        "items": [{"piece_title": "Ballade no. 4", "bars": "33-40", "minutes": 20}],
    }
    answers = race(AT_ONCE, lambda _i: caller.post("/sessions", json=body))
    _one_created_the_rest_found(answers, client_id)
    mine = uuid.UUID(caller.profile_id)
    pieces = _scalars(served, sa.select(Piece.id).where(Piece.profile_id == mine))
    sections = _scalars(served, sa.select(Section.piece_id).where(Section.profile_id == mine))
    assert len(pieces) == 1
    assert sections == pieces
    assert {a.json()["items"][0]["piece_id"] for a in answers} == {str(pieces[0])}


def test_a_piece_resent_at_once_has_one_first_status_in_its_history(served, caller):
    path, body = RESOURCES["piece"]
    client_id = str(uuid.uuid4())
    race(AT_ONCE, lambda _i: caller.post(path, json=body() | {"id": client_id}))
    history = sa.select(sa.func.count()).select_from(PieceStatusChange)
    assert _count(served, history.where(PieceStatusChange.piece_id == uuid.UUID(client_id))) == 1


def test_a_section_resent_at_once_answers_the_same_section(caller):
    piece = caller.post("/pieces", json={"title": "Ballade no. 1"})
    assert piece.status_code == 201
    path = f"/pieces/{piece.json()['id']}/sections"
    client_id = str(uuid.uuid4())
    body = {"id": client_id, "name": "Coda", "bar_start": 208, "bar_end": 264}
    answers = race(AT_ONCE, lambda _i: caller.post(path, json=body))
    _one_created_the_rest_found(answers, client_id)
    stored = caller.get(f"{path}/{client_id}")
    assert _differences(answers, stored.json()) == []


def test_a_check_in_resent_at_once_logs_one_session(served, caller):
    plan = caller.post("/plans", json=RESOURCES["plan"][1]())
    assert plan.status_code == 201, plan.text
    occurrences = caller.get(f"/plans/{plan.json()['id']}/occurrences").json()["items"]
    path = f"/occurrences/{occurrences[0]['id']}/check-in"
    client_id = str(uuid.uuid4())
    answers = race(AT_ONCE, lambda _i: caller.post(path, json={"id": client_id, "notes": "Done"}))
    _one_created_the_rest_found(answers, client_id)
    occurrence = caller.get(f"/occurrences/{occurrences[0]['id']}").json()
    assert (occurrence["status"], occurrence["session_id"]) == ("completed", client_id)
    sessions = sa.select(sa.func.count()).select_from(PracticeSession)
    mine = PracticeSession.profile_id == uuid.UUID(caller.profile_id)
    assert _count(served, sessions.where(mine)) == 1


def test_twenty_sessions_logged_at_once_share_their_new_tags_and_first_badge(served, caller):
    def send(i: int):
        tags = ["Sight-reading", "Left hand"] if i % 2 else ["left hand", "sight-reading"]
        return caller.post(
            "/sessions",
            json={
                "started_at": f"2026-03-02T{8 + i % 10:02d}:{i:02d}:00Z",
                "duration_minutes": 20,
                "tags": tags,
            },
        )

    answers = race(20, send)
    assert [a.status_code for a in answers] == [201] * 20, _problems(answers)
    profile_id = uuid.UUID(caller.profile_id)
    tags = _scalars(served, sa.select(Tag.key).where(Tag.profile_id == profile_id))
    assert sorted(tags) == ["left hand", "sight-reading"]
    links = sa.select(sa.func.count()).select_from(session_tags)
    assert _count(served, links) >= 40
    totals = sa.select(DailyTotal.sessions, DailyTotal.minutes).where(
        DailyTotal.profile_id == profile_id, DailyTotal.audience == "all"
    )
    assert _read(served, lambda: db.session.execute(totals).all()) == [(20, 400)]
    badges = _scalars(
        served, sa.select(EarnedBadge.code).where(EarnedBadge.profile_id == profile_id)
    )
    assert "first_session" in badges
    assert len(badges) == len(set(badges))
    notes = _scalars(
        served,
        sa.select(Notification.title).where(
            Notification.profile_id == profile_id, Notification.kind == "badge"
        ),
    )
    assert len(notes) == len(badges)  # each badge announced once


def test_an_idempotency_key_resent_at_once_replays_one_answer(served, caller):
    body = {"started_at": "2026-03-03T18:00:00Z", "duration_minutes": 25, "tags": ["Etudes"]}
    key = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
    answers = race(AT_ONCE, lambda _i: caller.post("/sessions", json=body, headers=key))
    assert [a.status_code for a in answers] == [201] * AT_ONCE, _problems(answers)
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == AT_ONCE - 1
    sessions = sa.select(sa.func.count()).select_from(PracticeSession)
    mine = PracticeSession.profile_id == uuid.UUID(caller.profile_id)
    assert _count(served, sessions.where(mine)) == 1


def test_two_musicians_racing_for_one_new_client_id_never_get_each_others_object(make_caller):
    alice, bob = make_caller(), make_caller()
    client_id = str(uuid.uuid4())
    callers = {0: (alice, "Alice's piece"), 1: (bob, "Bob's piece")}

    def send(i: int):
        who, title = callers[i % 2]
        return who.post("/pieces", json={"id": client_id, "title": title})

    answers = race(AT_ONCE, send)
    assert Counter(a.status_code for a in answers)[201] == 1, _problems(answers)
    winners = set()
    for i, answer in enumerate(answers):
        if answer.status_code in (200, 201):
            assert answer.json()["title"] == callers[i % 2][1]
            winners.add(i % 2)
        else:
            assert answer.status_code == 422, answer.text
            assert answer.json()["errors"] == [
                {"field": "id", "message": "This id is already in use."}
            ]
    assert len(winners) == 1


def test_first_notification_settings_saved_at_once_make_one_row(served, caller):
    body = {"quiet_start": "22:00", "quiet_end": "07:00", "weekly_summary": True}
    answers = race(
        AT_ONCE, lambda _i: caller.request("PUT", "/me/notification-settings", json=body)
    )
    assert [a.status_code for a in answers] == [200] * AT_ONCE, _problems(answers)
    rows = sa.select(sa.func.count()).select_from(NotificationSettings)
    assert (
        _count(served, rows.where(NotificationSettings.profile_id == uuid.UUID(caller.profile_id)))
        == 1
    )


def test_a_first_calendar_feed_asked_for_at_once_makes_one_feed(served, caller):
    answers = race(AT_ONCE, lambda _i: caller.post("/me/calendar"))
    assert [a.status_code for a in answers] == [200] * AT_ONCE, _problems(answers)
    feeds = sa.select(sa.func.count()).select_from(CalendarFeed)
    assert _count(served, feeds.where(CalendarFeed.profile_id == uuid.UUID(caller.profile_id))) == 1


def test_occurrences_of_a_plan_created_at_once_exist_once(served, caller):
    client_id = str(uuid.uuid4())
    body = RESOURCES["plan"][1]() | {"id": client_id}
    race(AT_ONCE, lambda _i: caller.post("/plans", json=body))
    rows = sa.select(sa.func.count()).select_from(PlanOccurrence)
    assert _count(served, rows.where(PlanOccurrence.plan_id == uuid.UUID(client_id))) == 1


def test_sessions_naming_the_same_pieces_in_any_order_are_logged_at_once(served, caller):
    first = caller.post("/pieces", json={"title": "Prelude"}).json()["id"]
    second = caller.post("/pieces", json={"title": "Fugue"}).json()["id"]

    def send(i: int):
        pieces = [first, second] if i % 2 else [second, first]
        return caller.post(
            "/sessions",
            json={
                "started_at": f"2026-04-{1 + i % 5:02d}T18:{i:02d}:00Z",
                "duration_minutes": 40,
                "items": [{"piece_id": p, "minutes": 20} for p in pieces],
                "tags": ["Counterpoint", "Voicing"] if i % 2 else ["voicing", "counterpoint"],
            },
        )

    answers = race(AT_ONCE, send)
    assert [a.status_code for a in answers] == [201] * AT_ONCE, _problems(answers)
    totals = sa.select(sa.func.sum(DailyTotal.sessions)).where(
        DailyTotal.profile_id == uuid.UUID(caller.profile_id), DailyTotal.audience == "all"
    )
    assert _count(served, totals) == AT_ONCE


def test_one_skill_name_sent_at_once_with_different_ids_is_stored_once(served, caller):
    answers = race(
        AT_ONCE,
        lambda i: caller.post(
            "/skills", json={"name": "Scales in thirds" if i else "SCALES IN THIRDS"}
        ),
    )
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 422: AT_ONCE - 1}, _problems(answers)
    for answer in answers:
        if answer.status_code == 422:
            assert answer.json()["errors"] == [
                {"field": "name", "message": "You already have a skill with this name."}
            ]
    skills = sa.select(sa.func.count()).select_from(Skill)
    assert _count(served, skills.where(Skill.profile_id == uuid.UUID(caller.profile_id))) == 1


def test_a_template_adopted_at_once_makes_its_skill_once(served, make_caller):
    author, adopter = make_caller(), make_caller()
    skill = author.post("/skills", json={"name": "Arpeggios"}).json()["id"]
    plan_body = RESOURCES["plan"][1]() | {"items": [{"skill_id": skill, "target_minutes": 10}]}
    plan = author.post("/plans", json=plan_body).json()["id"]
    template = author.post(f"/plans/{plan}/template").json()["id"]
    url = author.post(f"/templates/{template}/publish").json()["url"]
    start = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    body = {"token": url.split("token=")[1], "start_date": start}
    answers = race(AT_ONCE, lambda _i: adopter.post("/templates/adopt", json=body))
    assert [a.status_code for a in answers] == [201] * AT_ONCE, _problems(answers)
    adopters_skills = sa.select(Skill.id, Skill.name).where(
        Skill.profile_id == uuid.UUID(adopter.profile_id)
    )
    [(skill_id, name)] = _read(served, lambda: db.session.execute(adopters_skills).all())
    assert name == "Arpeggios"
    assert {a.json()["items"][0]["skill_id"] for a in answers} == {str(skill_id)}


def test_a_tag_three_times_longer_when_casefolded_is_stored(caller):
    answer = caller.post(
        "/sessions",
        json={"started_at": "2026-03-04T18:00:00Z", "duration_minutes": 5, "tags": ["ΐ" * 50]},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["tags"] == ["ΐ" * 50]
