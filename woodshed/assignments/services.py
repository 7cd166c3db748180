"""Setting, changing and presenting assignments.

A linked teacher whose link grants `assignments:write` sets them for the student
(`policy.can_assign`); the student sees them in Plans and What next, marks items done,
and may delete one. Progress is derived from the log (`assignments.progress`).
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import url_for

from woodshed import policy
from woodshed.accounts.models import User
from woodshed.api.keyset import keyset_page
from woodshed.assignments.models import Assignment, AssignmentItem
from woodshed.assignments.progress import ItemProgress, assigned_bars, progress_for
from woodshed.assignments.schemas import (
    TARGETS,
    AssignmentIn,
    AssignmentItemIn,
    AssignmentQuery,
    target_words,
)
from woodshed.db import db, utcnow
from woodshed.errors import DomainError, Problem
from woodshed.notify.services import notify
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire import subjects
from woodshed.teaching.services import teachers_now
from woodshed.validation import parse_bars

FORMER_TEACHER = "Former teacher"


# --- who ------------------------------------------------------------------------------------


def may_set(user: User | None, profile: MusicianProfile) -> User:
    if user is None or not policy.can_assign(user, profile):
        raise Problem(403, "Only the student's teacher sets assignments.")
    return user


def may_change(user: User | None, profile: MusicianProfile, assignment: Assignment) -> None:
    """The teacher who set it (while linked) changes it; the student may only delete it."""
    teacher = may_set(user, profile)
    if assignment.set_by != teacher.id:
        raise Problem(403, "Only the teacher who set this assignment changes it.")


def teacher_shown(assignment: Assignment, current: set[uuid.UUID]) -> dict:
    """Who set it, as the student sees it: a teacher who is no longer linked is a
    "former teacher" (the name is theirs to take away)."""
    if assignment.set_by in current and assignment.teacher is not None:
        return {
            "id": assignment.set_by,
            "display_name": assignment.teacher.profile.display_name,
            "current": True,
        }
    return {"id": None, "display_name": FORMER_TEACHER, "current": False}


# --- items ------------------------------------------------------------------------------------


def _items(profile: MusicianProfile, items: list[AssignmentItemIn]) -> list[AssignmentItem]:
    """Rows for the items, every reference checked by the policy; field errors name the item."""
    errors: dict[str, str] = {}
    rows = []
    for n, item in enumerate(items):
        where = f"items.{n}"
        subject = subjects.resolve(
            profile, item.piece_id, item.section_id, item.skill_id, errors, where
        )
        bars = None
        if item.bars:
            try:
                bars = parse_bars(item.bars)
            except ValueError as exc:
                errors[f"{where}.bars"] = str(exc)
        piece_id = subject.piece_id
        if item.kind in ("piece", "passage") and piece_id is None:
            errors.setdefault(f"{where}.piece_id", "Choose a piece.")
        if item.kind == "passage" and subject.section is None and bars is None:
            errors.setdefault(f"{where}.bars", "Name the bars (like 33-40) or choose a section.")
        if item.kind == "skill" and subject.skill is None:
            errors.setdefault(f"{where}.skill_id", "Choose a skill.")
        if item.kind == "text" and not item.text:
            errors[f"{where}.text"] = "Say what to practise."
        rows.append(
            AssignmentItem(
                position=n,
                kind=item.kind,
                piece_id=piece_id if item.kind in ("piece", "passage") else None,
                section_id=subject.section_id if item.kind == "passage" else None,
                skill_id=subject.skill_id if item.kind == "skill" else None,
                bar_start=bars[0] if bars and item.kind == "passage" else None,
                bar_end=bars[1] if bars and item.kind == "passage" else None,
                text=item.text,
                question=item.question,
                **{name: getattr(item, name) for name in TARGETS},
            )
        )
    if errors:
        raise DomainError(errors)
    return rows


def item_label(item: AssignmentItem) -> str:
    """The item in words: `Clair de lune, bars 33–40`, `Scales`, or its text."""
    if item.kind == "skill" and item.skill is not None:
        return item.skill.name
    if item.kind in ("piece", "passage") and item.piece is not None:
        label = item.piece.title
        if item.kind == "passage":
            bars = assigned_bars(item)
            if item.section is not None and item.bar_start is None and item.section.name:
                label += f", {item.section.name}"
            if bars is not None:
                label += f", bars {bars[0]}–{bars[1]}" if bars[0] != bars[1] else f", bar {bars[0]}"
        return label + (f" — {item.text}" if item.text else "")
    return item.text or "(removed from the repertoire)"


# --- changes ----------------------------------------------------------------------------------


def create_assignment(
    user: User | None, profile: MusicianProfile, body: AssignmentIn
) -> tuple[Assignment, bool]:
    teacher = may_set(user, profile)
    existing = policy.existing_for_client_id(Assignment, body.id, profile)
    if existing is not None:
        return existing, False
    starts_on = body.starts_on or profile.today()
    if body.due_on < starts_on:
        raise DomainError({"due_on": "The due date is before the start."})
    assignment = Assignment(
        profile_id=profile.id,
        set_by=teacher.id,
        title=body.title,
        description=body.description,
        starts_on=starts_on,
        due_on=body.due_on,
        items=_items(profile, body.items),
    )
    if body.id is not None:
        assignment.id = body.id
    assignment, created = policy.insert_or_existing(assignment, profile)
    if created:
        notify(
            profile,
            "assignment",
            f"New assignment: {assignment.title}",
            f"From {teacher.profile.display_name}, due {assignment.due_on.isoformat()}.",
            url_for("assignments.show", assignment_id=assignment.id),
        )
    return assignment, created


def update_assignment(
    user: User | None, profile: MusicianProfile, assignment: Assignment, changes: dict
) -> None:
    may_change(user, profile, assignment)
    for name in ("title", "description", "due_on"):
        if changes.get(name) is not None:
            setattr(assignment, name, changes[name])
    if assignment.due_on < assignment.starts_on:
        raise DomainError({"due_on": "The due date is before the start."})
    db.session.flush()


def delete_assignment(user: User | None, profile: MusicianProfile, assignment: Assignment) -> None:
    if not policy.can_edit(user, profile):
        may_change(user, profile, assignment)
    db.session.delete(assignment)
    db.session.flush()


def item_of(profile: MusicianProfile, assignment_id, item_id) -> AssignmentItem:
    assignment = policy.owned_or_404(Assignment, assignment_id, profile)
    for item in assignment.items:
        if item.id == item_id:
            return item
    policy.deny(None, "assignment item", item_id)
    raise AssertionError  # deny raises


def set_done(item: AssignmentItem, done: bool) -> None:
    """The student marks an item done (or not): their word, beside the derived progress."""
    item.done_at = (item.done_at or utcnow()) if done else None
    db.session.flush()


# --- reading ----------------------------------------------------------------------------------


def list_assignments(profile: MusicianProfile, query: AssignmentQuery):
    stmt = policy.owned(Assignment, profile)
    if query.open:
        stmt = stmt.where(Assignment.due_on >= profile.today())
    return keyset_page(stmt, [(Assignment.due_on, True), (Assignment.id, True)], query)


def open_assignments(profile: MusicianProfile, today: date) -> list[Assignment]:
    """Assignments not yet due, soonest first (Plans, What next, the studio)."""
    return list(
        db.session.scalars(
            policy.owned(Assignment, profile)
            .where(Assignment.due_on >= today)
            .order_by(Assignment.due_on, Assignment.id)
        )
    )


def present(profile: MusicianProfile, assignments: list[Assignment]) -> list[dict]:
    """Assignments with teacher, items, labels and progress, in a fixed few statements."""
    today = profile.today()
    progress = progress_for(profile, assignments, today)
    current = teachers_now(profile, {a.set_by for a in assignments})
    return [
        {
            "id": a.id,
            "profile_id": a.profile_id,
            "title": a.title,
            "description": a.description,
            "starts_on": a.starts_on,
            "due_on": a.due_on,
            "set_by": teacher_shown(a, current),
            "items": [_item_out(i, progress[i.id]) for i in a.items],
            "version": a.version,
            "created_at": a.created_at,
            "updated_at": a.updated_at,
        }
        for a in assignments
    ]


def _item_out(item: AssignmentItem, progress: ItemProgress) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "label": item_label(item),
        "targets": target_words(item),
        "piece_id": item.piece_id,
        "section_id": item.section_id,
        "skill_id": item.skill_id,
        "bar_start": item.bar_start,
        "bar_end": item.bar_end,
        "text": item.text,
        "minutes_per_week": item.minutes_per_week,
        "tempo_bpm": item.tempo_bpm,
        "repetitions": item.repetitions,
        "run_throughs": item.run_throughs,
        "question": item.question,
        "done_at": item.done_at,
        "progress": {
            "minutes_this_week": progress.minutes_this_week,
            "best_tempo": progress.best_tempo,
            "run_throughs": progress.run_throughs,
            "last_practised": progress.last_practised,
            "met": progress.met(item),
            "remaining_minutes": progress.remaining_minutes(item),
        },
    }
