"""/api/v1/goals: kinds and subjects, targets of every type, progress, status changes."""

from datetime import UTC, datetime

import pytest

from tests.clients import field_errors
from tests.factories import log_session, make_goal, make_piece, make_section, make_skill


def test_a_goal_of_each_target_type_reports_its_progress(alice_api, alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 12, 12, tzinfo=UTC))
    piece = make_piece(alice.profile)
    b = make_section(piece, "B", (33, 40))
    log_session(
        alice.profile,
        started_at=datetime(2026, 3, 10, 18, tzinfo=UTC),
        duration_minutes=45,
        items=[{"section_id": str(b.id), "tempo_bpm": 70}],
    )
    bodies = [
        {"title": "3 h a week", "target": {"type": "minutes_per_week", "value": 180}},
        {"title": "5 days", "target": {"type": "days_per_week", "value": 5}},
        {
            "title": "B at 80",
            "kind": "section",
            "section_id": str(b.id),
            "target": {"type": "tempo", "value": 80},
        },
        {
            "title": "Recital",
            "kind": "piece",
            "piece_id": str(piece.id),
            "target": {
                "type": "checklist",
                "items": [{"text": "memorise", "done": True}, {"text": "record"}],
            },
        },
    ]
    labels = []
    for body in bodies:
        response = alice_api.post("/api/v1/goals", json=body)
        assert response.status_code == 201, response.get_json()
        labels.append(
            (response.get_json()["progress"]["percent"], response.get_json()["progress"]["label"])
        )
    assert labels == [
        (25, "45 of 180 min this week"),
        (20, "1 of 5 days this week"),
        (88, "best 70 of 80 bpm"),
        (50, "1 of 2 done"),
    ]
    listed = alice_api.get("/api/v1/goals").get_json()["items"]
    tempo = next(g for g in listed if g["title"] == "B at 80")
    assert tempo["piece_id"] == str(piece.id)  # a section goal names its piece too
    assert tempo["target"] == {"type": "tempo", "value": 80, "items": []}
    week = next(g for g in listed if g["title"] == "3 h a week")["progress"]
    assert (week["period_start"], week["period_end"]) == ("2026-03-09", "2026-03-15")
    checklist = next(g for g in listed if g["title"] == "Recital")["target"]
    assert [(i["text"], i["done"]) for i in checklist["items"]] == [
        ("memorise", True),
        ("record", False),
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"title": "x", "kind": "piece"}, {"piece_id": "Choose the piece this goal is about."}),
        ({"title": "x", "kind": "skill"}, {"skill_id": "Choose the skill this goal is about."}),
        (
            {"title": "x", "target": {"type": "tempo", "value": 80}},
            {"target": "A tempo target belongs to a piece or section goal."},
        ),
        (
            {"title": "x", "target": {"type": "checklist"}},
            {"target.items": "Add at least one checklist item."},
        ),
        (
            {"title": "x", "target": {"type": "days_per_week", "value": 8}},
            {"target.value": "Enter a number from 1 to 7."},
        ),
        (
            {"title": "x", "target": {"type": "minutes_per_week"}},
            {"target.value": "Enter minutes per week."},
        ),
        (
            {"title": "x", "target": {"type": "checklist", "value": 3, "items": [{"text": "a"}]}},
            {"target.value": "A checklist has items, not a value."},
        ),
        ({"title": "x", "target": {"type": "streak", "value": 3}}, {"target.type": None}),
        ({"title": "x", "priority": "urgent"}, {"priority": None}),
        ({"title": "x" * 201}, {"title": "Keep this to 200 characters or fewer."}),
        ({"title": "x", "target_date": "2026-02-30"}, {"target_date": None}),
    ],
)
def test_bad_goals_are_refused_with_the_field_named(alice_api, body, errors):
    response = alice_api.post("/api/v1/goals", json=body)
    assert response.status_code == 422
    found = field_errors(response)
    for field, message in errors.items():
        assert field in found, found
        if message:
            assert found[field] == message


def test_a_habit_cannot_name_a_piece(alice_api, alice):
    piece = make_piece(alice.profile)
    response = alice_api.post("/api/v1/goals", json={"title": "x", "piece_id": str(piece.id)})
    assert field_errors(response) == {"piece_id": "A habit goal is not about a piece."}


def test_a_section_of_another_piece_is_refused(alice_api, alice):
    piece, other = make_piece(alice.profile), make_piece(alice.profile, "Other")
    section = make_section(other)
    response = alice_api.post(
        "/api/v1/goals",
        json={
            "title": "x",
            "kind": "section",
            "section_id": str(section.id),
            "piece_id": str(piece.id),
        },
    )
    assert field_errors(response) == {"section_id": "This section belongs to another piece."}


def test_completing_and_reopening_keeps_completed_at_honest(alice_api, alice, frozen_clock):
    goal = make_goal(alice.profile, status="in_progress")
    url = f"/api/v1/goals/{goal.id}"
    frozen_clock(datetime(2026, 3, 1, 10, tzinfo=UTC))
    done = alice_api.patch(url, json={"status": "completed"}, headers={"If-Match": '"v1"'})
    assert done.get_json()["completed_at"] == "2026-03-01T10:00:00Z"
    archived = alice_api.patch(url, json={"status": "archived"})
    assert archived.get_json()["completed_at"] == "2026-03-01T10:00:00Z"
    reopened = alice_api.patch(url, json={"status": "in_progress"})
    assert reopened.get_json()["completed_at"] is None
    assert alice_api.patch(url, json={"status": "done"}).status_code == 422
    assert (
        alice_api.patch(url, json={"title": "x"}, headers={"If-Match": '"v1"'}).status_code == 412
    )


def test_a_partial_update_must_leave_a_goal_that_makes_sense(alice_api, alice):
    skill = make_skill(alice.profile)
    goal = make_goal(alice.profile, target={"type": "minutes_per_week", "value": 60})
    url = f"/api/v1/goals/{goal.id}"
    refused = alice_api.patch(url, json={"kind": "skill"})
    assert field_errors(refused) == {"skill_id": "Choose the skill this goal is about."}
    moved = alice_api.patch(url, json={"kind": "skill", "skill_id": str(skill.id)})
    assert moved.status_code == 200
    assert moved.get_json()["skill_id"] == str(skill.id)
    assert moved.get_json()["target"]["value"] == 60  # untouched fields keep their value
    tempo = alice_api.patch(url, json={"target": {"type": "tempo", "value": 90}})
    assert field_errors(tempo) == {"target": "A tempo target belongs to a piece or section goal."}


def test_checklist_items_keep_their_done_state_when_edited(alice_api, alice):
    goal = make_goal(
        alice.profile,
        target={
            "type": "checklist",
            "items": [{"text": "memorise", "done": True}, {"text": "record"}],
        },
    )
    url = f"/api/v1/goals/{goal.id}"
    items = alice_api.get(url).get_json()["target"]["items"]
    changed = alice_api.patch(
        url,
        json={
            "target": {
                "type": "checklist",
                "items": [
                    {"text": "play for a friend"},
                    {"id": items[1]["id"], "text": "record a run-through"},
                    {"id": items[0]["id"], "text": "memorise"},
                ],
            }
        },
    )
    assert changed.status_code == 200, changed.get_json()
    after = changed.get_json()["target"]["items"]
    assert [(i["text"], i["done"]) for i in after] == [
        ("play for a friend", False),
        ("record a run-through", False),
        ("memorise", True),
    ]
    assert after[2]["id"] == items[0]["id"]
    assert changed.get_json()["progress"]["label"] == "1 of 3 done"
    plain = alice_api.patch(url, json={"target": {"type": "days_per_week", "value": 3}})
    assert plain.get_json()["target"] == {"type": "days_per_week", "value": 3, "items": []}


def test_goal_lists_filter_and_page(alice_api, alice):
    piece = make_piece(alice.profile)
    for i in range(5):
        make_goal(alice.profile, f"habit {i}", status="in_progress")
    make_goal(alice.profile, "done", status="completed")
    make_goal(alice.profile, "piece goal", kind="piece", piece_id=piece.id, priority="high")

    def titles(**params):
        return [
            g["title"]
            for g in alice_api.get("/api/v1/goals", query_string=params).get_json()["items"]
        ]

    assert titles(status="completed") == ["done"]
    assert "done" not in titles(active="true")
    assert titles(active="false") == ["done"]
    assert titles(kind="piece") == ["piece goal"]
    assert titles(piece_id=str(piece.id)) == ["piece goal"]
    assert titles(priority="high") == ["piece goal"]
    first = alice_api.get("/api/v1/goals", query_string={"limit": 4}).get_json()
    rest = alice_api.get(
        "/api/v1/goals", query_string={"limit": 4, "cursor": first["next_cursor"]}
    ).get_json()
    assert len(first["items"]) == 4
    assert len(rest["items"]) == 3
    assert rest["next_cursor"] is None
    assert {g["id"] for g in first["items"]}.isdisjoint(g["id"] for g in rest["items"])


def test_a_client_id_makes_creating_a_goal_idempotent(alice_api):
    body = {"id": "01a20093-0000-7000-8000-0000000000cc", "title": "Daily"}
    assert alice_api.post("/api/v1/goals", json=body).status_code == 201
    assert alice_api.post("/api/v1/goals", json=body).status_code == 200
    assert len(alice_api.get("/api/v1/goals").get_json()["items"]) == 1
