"""Alice's repertoire, goals and library are invisible to bob: 404, and nothing changes."""

import pytest
import sqlalchemy as sa

from tests.clients import field_errors
from tests.factories import make_goal, make_piece, make_resource, make_section, make_skill
from woodshed.db import db
from woodshed.goals.models import Goal
from woodshed.library.models import Resource
from woodshed.repertoire.models import Piece, Section, Skill


@pytest.fixture
def alices(alice):
    piece = make_piece(alice.profile, "Alice's nocturne")
    section = make_section(piece, "B", (13, 20))
    skill = make_skill(alice.profile, "Alice's scales")
    goal = make_goal(
        alice.profile,
        "Alice's goal",
        kind="section",
        section_id=section.id,
        target={"type": "tempo", "value": 80},
    )
    resource = make_resource(alice.profile, piece_id=piece.id, title="Alice's video")
    return {
        "piece": (Piece, piece.id, f"/api/v1/pieces/{piece.id}", {"title": "mine now"}),
        "section": (
            Section,
            section.id,
            f"/api/v1/pieces/{piece.id}/sections/{section.id}",
            {"name": "mine now"},
        ),
        "skill": (Skill, skill.id, f"/api/v1/skills/{skill.id}", {"name": "mine now"}),
        "goal": (Goal, goal.id, f"/api/v1/goals/{goal.id}", {"title": "mine now"}),
        "resource": (Resource, resource.id, f"/api/v1/resources/{resource.id}", {"title": "x"}),
    }


def _state(model, obj_id) -> dict:
    db.session.expire_all()
    row = db.session.get(model, obj_id)
    return {c.key: getattr(row, c.key) for c in model.__table__.columns}


@pytest.mark.parametrize("kind", ["piece", "section", "skill", "goal", "resource"])
def test_bob_gets_404_and_alices_row_is_unchanged(alices, bob_api, kind):
    model, obj_id, url, change = alices[kind]
    before = _state(model, obj_id)
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, json=change).status_code == 404
    assert bob_api.delete(url).status_code == 404
    assert _state(model, obj_id) == before


@pytest.mark.parametrize(
    "url", ["/api/v1/pieces", "/api/v1/skills", "/api/v1/goals", "/api/v1/resources"]
)
def test_bobs_lists_do_not_show_alices_things(alices, bob_api, url):
    assert bob_api.get(url).get_json() == {"items": [], "next_cursor": None}


def test_bob_cannot_list_or_add_sections_of_alices_piece(alices, bob_api):
    _, piece_id, _, _ = alices["piece"]
    url = f"/api/v1/pieces/{piece_id}/sections"
    assert bob_api.get(url).status_code == 404
    assert bob_api.post(url, json={"name": "x", "bar_start": 1, "bar_end": 2}).status_code == 404
    ids = db.session.scalars(sa.select(Section.id).where(Section.piece_id == piece_id)).all()
    assert ids == [alices["section"][1]]


def test_bob_cannot_point_his_goals_or_resources_at_alices_music(alices, bob_api):
    _, piece_id, _, _ = alices["piece"]
    _, section_id, _, _ = alices["section"]
    _, skill_id, _, _ = alices["skill"]
    goal = bob_api.post(
        "/api/v1/goals", json={"title": "steal", "kind": "piece", "piece_id": str(piece_id)}
    )
    assert goal.status_code == 422
    assert field_errors(goal) == {"piece_id": "There is no such piece in your journal."}
    resource = bob_api.post(
        "/api/v1/resources",
        json={"kind": "note", "text": "x", "section_id": str(section_id)},
    )
    assert field_errors(resource) == {"section_id": "There is no such section in your journal."}
    skill_goal = bob_api.post(
        "/api/v1/goals", json={"title": "x", "kind": "skill", "skill_id": str(skill_id)}
    )
    assert field_errors(skill_goal) == {"skill_id": "There is no such skill in your journal."}


def test_bob_cannot_reuse_alices_client_ids(alices, bob_api):
    _, piece_id, _, _ = alices["piece"]
    response = bob_api.post("/api/v1/pieces", json={"id": str(piece_id), "title": "mine"})
    assert response.status_code == 422
    assert field_errors(response) == {"id": "This id is already in use."}
    assert _state(Piece, piece_id)["title"] == "Alice's nocturne"
