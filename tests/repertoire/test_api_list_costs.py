"""PERF-QUERIES for the JSON lists: one page costs the same for one row as for many."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import (
    log_session,
    make_goal,
    make_piece,
    make_resource,
    make_section,
    make_skill,
)
from tests.statements import count_statements


def _add(alice, n: int, tag: str):
    piece = make_piece(alice.profile, f"Piece {tag}")
    skill = make_skill(alice.profile, f"Skill {tag}")
    for i in range(n):
        make_piece(alice.profile, f"{tag} piece {i}", status="polishing")
        section = make_section(piece, f"{tag} {i}", (i + 1, i + 3))
        make_skill(alice.profile, f"{tag} skill {i}")
        make_goal(
            alice.profile, f"{tag} week {i}", target={"type": "minutes_per_week", "value": 90}
        )
        make_goal(
            alice.profile,
            f"{tag} tempo {i}",
            kind="section",
            section_id=section.id,
            target={"type": "tempo", "value": 90},
        )
        make_goal(
            alice.profile,
            f"{tag} list {i}",
            kind="skill",
            skill_id=skill.id,
            target={"type": "checklist", "items": [{"text": "a"}, {"text": "b", "done": True}]},
        )
        make_resource(alice.profile, title=f"{tag} link {i}", section_id=section.id)
        log_session(
            alice.profile,
            started_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=i),
            items=[{"section_id": str(section.id), "tempo_bpm": 60 + i}],
        )
    return piece


@pytest.mark.parametrize("url", ["pieces", "sections", "skills", "goals", "resources"])
def test_a_list_page_costs_the_same_for_one_row_as_for_many(app, alice, alice_api, url):
    def cost(piece) -> int:
        path = f"/api/v1/pieces/{piece.id}/sections" if url == "sections" else f"/api/v1/{url}"
        alice_api.get(path)
        with count_statements(app) as statements:
            response = alice_api.get(path, query_string={"limit": 200})
        assert response.status_code == 200
        return len(statements)

    small = cost(_add(alice, 1, "one"))
    large = cost(_add(alice, 25, "many"))
    assert small == large
