"""Changing goals (with their checklists) and presenting them with computed progress."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from woodshed import policy, search
from woodshed.api.keyset import keyset_page
from woodshed.core.dashboard import shared_by_panels
from woodshed.db import db, new_id, utcnow
from woodshed.errors import DomainError, NotFound
from woodshed.goals.models import Goal, GoalChecklistItem
from woodshed.goals.progress import Progress, progress_for
from woodshed.goals.schemas import (
    ChecklistItemIn,
    GoalFields,
    GoalIn,
    GoalOut,
    GoalQuery,
    ProgressOut,
    TargetIn,
)
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire import subjects
from woodshed.validation import merged

ACTIVE = ("not_started", "in_progress")
SCALARS = ("title", "kind", "description", "target_date", "status", "priority")


def load_options():
    """Eager loads for showing goals: a list of any length costs a fixed few statements."""
    return (
        selectinload(Goal.checklist),
        joinedload(Goal.piece),
        joinedload(Goal.section),
        joinedload(Goal.skill),
    )


def _subjects(profile: MusicianProfile, data: GoalFields) -> subjects.Subject:
    """The goal's piece, section and skill, checked to be the musician's own."""
    errors: dict[str, str] = {}
    subject = subjects.resolve(profile, data.piece_id, data.section_id, data.skill_id, errors)
    if errors:
        raise DomainError(errors)
    return subject


def _sync_checklist(goal: Goal, target: TargetIn | None) -> None:
    """Make the checklist match the target's items, keeping existing rows (and done state)
    when an item names its id or has the same text."""
    wanted: list[ChecklistItemIn] = target.items if target and target.type == "checklist" else []
    by_id = {item.id: item for item in goal.checklist}
    unclaimed = list(goal.checklist)
    rows = []
    for position, item in enumerate(wanted):
        row = by_id.get(item.id) if item.id else None
        if row is None or row not in unclaimed:
            row = next((r for r in unclaimed if r.text == item.text), None)
        keep_done = row is not None and "done" not in item.model_fields_set
        done = row.done if row is not None and keep_done else item.done
        if row is None:
            row = GoalChecklistItem()
        else:
            unclaimed.remove(row)
        row.text, row.done, row.position = item.text, done, position
        rows.append(row)
    goal.checklist = rows


def _apply(profile: MusicianProfile, goal: Goal, data: GoalFields) -> None:
    subject = _subjects(profile, data)
    goal.piece_id, goal.section_id, goal.skill_id = (
        subject.piece_id,
        subject.section_id,
        subject.skill_id,
    )
    previous_status = goal.status
    for name in SCALARS:
        value = getattr(data, name)
        if getattr(goal, name) != value:
            setattr(goal, name, value)
    goal.target_type = data.target.type if data.target else None
    goal.target_value = data.target.value if data.target else None
    _sync_checklist(goal, data.target)
    _status_times(goal, previous_status)


def search_document(goal: Goal) -> search.Doc:
    """A goal is found by its title, description and checklist."""
    return search.Doc(
        "goal",
        goal.id,
        goal.profile_id,
        goal.title,
        [goal.description, *(item.text for item in goal.checklist)],
        dated=goal.created_at.date(),
    )


def _status_times(goal: Goal, previous: str | None) -> None:
    if goal.status == "completed" and (previous != "completed" or goal.completed_at is None):
        goal.completed_at = utcnow()
    elif goal.status in ACTIVE:
        goal.completed_at = None


def create_goal(profile: MusicianProfile, data: GoalIn) -> tuple[Goal, bool]:
    existing = policy.existing_for_client_id(Goal, data.id, profile)
    if existing is not None:
        return existing, False
    goal = Goal(id=data.id or new_id(), profile_id=profile.id)
    goal.checklist = []
    _apply(profile, goal, data)
    goal, created = policy.insert_or_existing(goal, profile)
    if created:
        search.index(search_document(goal))
    return goal, created


def current_fields(goal: Goal) -> dict:
    """A goal as GoalFields input (to prefill forms and validate partial updates)."""
    target = None
    if goal.target_type:
        target = {
            "type": goal.target_type,
            "value": goal.target_value,
            "items": [{"id": i.id, "text": i.text, "done": i.done} for i in goal.checklist],
        }
    return {
        **{name: getattr(goal, name) for name in SCALARS},
        "piece_id": goal.piece_id if goal.kind in ("piece", "section") else None,
        "section_id": goal.section_id,
        "skill_id": goal.skill_id,
        "target": target,
    }


def update_goal(profile: MusicianProfile, goal: Goal, changes: dict) -> Goal:
    """Apply changed fields; the goal as a whole must still make sense (kind ↔ subject)."""
    current = current_fields(goal)
    if "kind" in changes or "section_id" in changes:
        # A new kind or section re-derives the piece unless one is given.
        current["piece_id"] = None
    _apply(profile, goal, merged(GoalFields, current, changes))
    db.session.flush()
    search.index(search_document(goal))
    return goal


def set_status(goal: Goal, status: str) -> Goal:
    """Complete, archive or reopen a goal."""
    previous = goal.status
    goal.status = status
    _status_times(goal, previous)
    db.session.flush()
    return goal


def toggle_item(goal: Goal, item_id: uuid.UUID, done: bool) -> GoalChecklistItem:
    item = next((i for i in goal.checklist if i.id == item_id), None)
    if item is None:
        raise NotFound()
    item.done = done
    goal.updated_at = utcnow()  # a checklist change is a change of the goal (new version)
    db.session.flush()
    return item


def delete_goal(goal: Goal) -> None:
    search.unindex("goal", [goal.id])
    db.session.delete(goal)
    db.session.flush()


# --- reading --------------------------------------------------------------------------------


def filtered(profile: MusicianProfile, query: GoalQuery) -> sa.Select:
    stmt = sa.select(Goal).where(Goal.profile_id == profile.id)
    if query.status:
        stmt = stmt.where(Goal.status == query.status)
    if query.active is not None:
        active = Goal.status.in_(ACTIVE)
        stmt = stmt.where(active if query.active else sa.not_(active))
    for name in ("kind", "priority", "piece_id", "section_id", "skill_id"):
        value = getattr(query, name)
        if value:
            stmt = stmt.where(getattr(Goal, name) == value)
    return stmt


GOAL_ORDER = ((Goal.created_at, True), (Goal.id, True))


def list_goals(profile: MusicianProfile, query: GoalQuery) -> tuple[list[Goal], str | None]:
    """One page of goals, newest first."""
    return keyset_page(filtered(profile, query), GOAL_ORDER, query, options=load_options())


def present(profile: MusicianProfile, goals: list[Goal], today: date | None = None) -> list:
    """Goals as API output, with their progress (a fixed number of statements)."""
    progress = progress_for(profile, goals, today or profile.today())
    out = []
    for goal in goals:
        fields = current_fields(goal)
        p = progress.get(goal.id)
        out.append(
            GoalOut(
                id=goal.id,
                **{k: v for k, v in fields.items() if k not in ("target", "piece_id")},
                piece_id=goal.piece_id,
                target=fields["target"],
                progress=ProgressOut(**p.__dict__) if p else None,
                completed_at=goal.completed_at,
                version=goal.version,
                created_at=goal.created_at,
                updated_at=goal.updated_at,
            )
        )
    return out


#: How far ahead the dashboard looks for goals due (pick-up cards, What next).
DUE_SOON_DAYS = 14


@shared_by_panels
def due_on_dashboard(profile: MusicianProfile, today: date) -> list[tuple[Goal, Progress | None]]:
    """The goals due within DUE_SOON_DAYS with their progress, soonest first."""
    goals = due_soon(profile, today, DUE_SOON_DAYS)
    progress = progress_for(profile, goals, today)
    return [(goal, progress.get(goal.id)) for goal in goals]


def due_soon(profile: MusicianProfile, today: date, days: int) -> list[Goal]:
    """Open goals whose target date is within `days` (overdue ones included), soonest first."""
    stmt = (
        sa.select(Goal)
        .where(
            Goal.profile_id == profile.id,
            Goal.status.in_(ACTIVE),
            Goal.target_date.is_not(None),
            Goal.target_date <= today + timedelta(days=days),
        )
        .order_by(Goal.target_date, Goal.id)
        .options(*load_options())
    )
    return list(db.session.scalars(stmt).unique())
