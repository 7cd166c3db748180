"""The goal pages: the form with its target fields, progress bars, complete/archive."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.clients import page_text
from tests.factories import log_session, make_goal, make_piece, make_section, make_skill
from tests.statements import count_statements
from woodshed.db import db
from woodshed.goals.models import Goal


def _goal(title: str) -> Goal:
    return db.session.execute(sa.select(Goal).where(Goal.title == title)).scalar_one()


def test_setting_a_checklist_goal_with_the_form(alice_web, alice):
    piece = make_piece(alice.profile)
    response = alice_web.submit(
        "/goals/new",
        {
            "title": "Recital",
            "kind": "piece",
            "piece_id": str(piece.id),
            "skill_id": str(make_skill(alice.profile).id),  # left over from another kind: ignored
            "target_type": "checklist",
            "checklist": "Memorise A\n\n  Memorise B  \nRecord it\n",
            "priority": "high",
            "target_date": "2026-05-01",
        },
    )
    assert response.status_code == 302, page_text(response)
    goal = _goal("Recital")
    assert (goal.kind, goal.piece_id, goal.skill_id, goal.priority) == (
        "piece",
        piece.id,
        None,
        "high",
    )
    assert [i.text for i in goal.checklist] == ["Memorise A", "Memorise B", "Record it"]


def test_form_errors_sit_next_to_the_form_fields(alice_web):
    response = alice_web.submit(
        "/goals/new",
        {"title": "Weekly", "kind": "section", "target_type": "days_per_week", "target_value": "9"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="f-target_value-error"[^>]*>Enter a number from 1 to 7', html)
    assert re.search(r'id="f-section_id-error"[^>]*>Choose the section this goal is about', html)
    assert 'value="Weekly"' in html
    empty = alice_web.submit(
        "/goals/new", {"title": "List", "target_type": "checklist", "checklist": " "}
    )
    assert re.search(
        r'id="f-checklist-error"[^>]*>Add at least one checklist item', empty.get_data(as_text=True)
    )


def test_editing_keeps_ticked_items_ticked(alice_web, alice):
    goal = make_goal(
        alice.profile,
        "Recital",
        target={
            "type": "checklist",
            "items": [{"text": "Memorise A", "done": True}, {"text": "Record"}],
        },
    )
    form = alice_web.get(f"/goals/{goal.id}/edit").get_data(as_text=True)
    assert "Memorise A\nRecord</textarea>" in form
    response = alice_web.submit(
        f"/goals/{goal.id}/edit",
        {
            "title": "Recital",
            "kind": "habit",
            "status": "in_progress",
            "priority": "medium",
            "target_type": "checklist",
            "checklist": "Memorise A\nRecord\nPlay for a friend",
            "version": "1",
        },
    )
    assert response.status_code == 302, page_text(response)
    db.session.refresh(goal)
    assert [(i.text, i.done) for i in goal.checklist] == [
        ("Memorise A", True),
        ("Record", False),
        ("Play for a friend", False),
    ]


def test_ticking_completing_archiving_and_reopening(alice_web, alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 1, 10, tzinfo=UTC))
    goal = make_goal(
        alice.profile, "Recital", target={"type": "checklist", "items": [{"text": "Record"}]}
    )
    item = goal.checklist[0]
    alice_web.submit(f"/goals/{goal.id}/checklist/{item.id}", {"done": "true"})
    db.session.refresh(item)
    assert item.done
    page = page_text(alice_web.get(f"/goals/{goal.id}"))
    assert "100% · 1 of 1 done" in page
    alice_web.submit(f"/goals/{goal.id}/complete")
    db.session.refresh(goal)
    assert (goal.status, goal.completed_at) == ("completed", datetime(2026, 3, 1, 10, tzinfo=UTC))
    alice_web.submit(f"/goals/{goal.id}/archive")
    db.session.refresh(goal)
    assert goal.status == "archived"
    alice_web.submit(f"/goals/{goal.id}/reopen")
    db.session.refresh(goal)
    assert (goal.status, goal.completed_at) == ("in_progress", None)
    other = make_goal(
        alice.profile, "Other", target={"type": "checklist", "items": [{"text": "x"}]}
    )
    missing = alice_web.submit(
        f"/goals/{goal.id}/checklist/{other.checklist[0].id}", {"done": "true"}
    )
    assert missing.status_code == 404


def test_the_goal_list_shows_progress_and_deadlines(alice_web, alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 12, 12, tzinfo=UTC))
    make_goal(
        alice.profile,
        "Four hours",
        target={"type": "minutes_per_week", "value": 240},
        target_date="2026-03-15",
    )
    make_goal(alice.profile, "Old one", status="completed")
    make_goal(alice.profile, "Shelved", status="archived")
    log_session(
        alice.profile, started_at=datetime(2026, 3, 10, 18, tzinfo=UTC), duration_minutes=60
    )
    response = alice_web.get("/goals")
    html = response.get_data(as_text=True)
    assert '<progress id="progress-' in html
    assert 'value="25"' in html
    text = page_text(response)
    assert "25% · 60 of 240 min this week" in text
    assert "due in 3 days" in text
    assert text.index("Active 1 Four hours") < text.index("Completed 1 Old one")
    assert "Archived 1" in text
    filtered = page_text(alice_web.get("/goals?status=completed"))
    assert "Old one" in filtered
    assert "Four hours" not in filtered


def test_goal_text_is_escaped(alice_web, alice):
    hostile = "<script>alert(1)</script>"
    goal = make_goal(
        alice.profile,
        hostile,
        description=hostile,
        target={"type": "checklist", "items": [{"text": hostile}]},
    )
    for url in ["/goals", f"/goals/{goal.id}", f"/goals/{goal.id}/edit", "/"]:
        assert "<script>alert" not in alice_web.get(url).get_data(as_text=True), url


def test_a_new_musician_is_invited_to_set_a_goal(alice_web):
    assert "Set your first goal" in page_text(alice_web.get("/goals"))


@pytest.mark.parametrize("page", ["list", "goal"])
def test_goal_pages_cost_the_same_for_one_goal_as_for_many(app, alice, alice_web, page):
    piece = make_piece(alice.profile)
    section = make_section(piece)
    skill = make_skill(alice.profile)

    def add(n: int):
        made = None
        for i in range(n):
            made = make_goal(
                alice.profile, f"m{n}-{i}", target={"type": "minutes_per_week", "value": 60}
            )
            make_goal(
                alice.profile,
                f"t{n}-{i}",
                kind="section",
                section_id=section.id,
                target={"type": "tempo", "value": 90},
            )
            make_goal(
                alice.profile,
                f"c{n}-{i}",
                kind="skill",
                skill_id=skill.id,
                target={"type": "checklist", "items": [{"text": "a"}, {"text": "b"}]},
            )
            log_session(
                alice.profile,
                started_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=i),
                goal_ids=[made.id],
                items=[{"section_id": str(section.id), "tempo_bpm": 60 + i}],
            )
        return made

    def cost(goal) -> int:
        url = "/goals" if page == "list" else f"/goals/{goal.id}"
        alice_web.get(url)
        with count_statements(app) as statements:
            assert alice_web.get(url).status_code == 200
        return len(statements)

    assert cost(add(1)) == cost(add(12))
