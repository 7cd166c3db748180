"""Goal pages: the list with progress bars, one goal, the form, complete/archive actions."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from pydantic import ValidationError

from woodshed import policy
from woodshed.db import check_version
from woodshed.errors import DomainError, FormErrors
from woodshed.goals import pages, services
from woodshed.goals.models import Goal
from woodshed.goals.schemas import (
    KIND_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    SUBJECT_FIELDS,
    TARGET_LABELS,
    GoalFields,
    GoalIn,
    GoalQuery,
)
from woodshed.repertoire.pages import form_choices
from woodshed.validation import form_to_dict, form_version, parse_form, validation_problem

bp = Blueprint("goals", __name__, url_prefix="/goals")

#: Where the form shows an error about a part of `target`.
FORM_FIELDS = {
    "target": "target_type",
    "target.type": "target_type",
    "target.value": "target_value",
}


def _profile():
    return policy.current_profile()


def goal_input(form) -> dict:
    """The goal form's flat fields in the shape of GoalFields (`target` nested)."""
    data = form_to_dict(form)
    kind = data.get("kind") or "habit"
    for name in ("piece_id", "section_id", "skill_id"):
        if SUBJECT_FIELDS.get(kind) != name:
            data.pop(name, None)
    target_type = data.pop("target_type", None)
    value = data.pop("target_value", None)
    lines = data.pop("checklist", None) or ""
    data.pop("version", None)
    if target_type == "checklist":
        items = [{"text": line.strip()} for line in lines.splitlines() if line.strip()]
        data["target"] = {"type": target_type, "items": items}
    elif target_type:
        data["target"] = {"type": target_type, "value": value}
    return data


def _form_field(path: str) -> str:
    return "checklist" if path.startswith("target.items") else FORM_FIELDS.get(path, path)


def _parse(schema, form):
    """Validate the form with the API's schema; errors are named after the form's fields."""
    try:
        return schema.model_validate(goal_input(form))
    except ValidationError as exc:
        errors = validation_problem(exc).errors
        raise DomainError({_form_field(e.field): e.message for e in errors}) from exc


def _form_values(goal: Goal) -> dict:
    fields = services.current_fields(goal)
    target = fields.pop("target") or {}
    return fields | {
        "target_type": target.get("type"),
        "target_value": target.get("value"),
        "checklist": "\n".join(i["text"] for i in target.get("items", [])),
        "version": goal.version,
    }


def _form(profile, form, errors=None, goal=None, status=200):
    return render_template(
        "goals/form.html",
        form=form,
        errors=errors or {},
        goal=goal,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        priorities=PRIORITY_LABELS,
        targets=TARGET_LABELS,
        **form_choices(profile),
    ), status


@bp.get("")
@login_required
def index():
    profile = _profile()
    try:
        query, errors = parse_form(GoalQuery, request.args), {}
    except FormErrors as exc:
        query, errors = GoalQuery(), exc.messages
    return render_template(
        "goals/index.html",
        listing=pages.goal_list(profile, query),
        filters=request.args,
        errors=errors,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        priorities=PRIORITY_LABELS,
    ), (422 if errors else 200)


@bp.get("/new")
@login_required
def new():
    form = {"kind": "habit", "priority": "medium"} | {
        k: v for k, v in request.args.items() if k in ("kind", "piece_id", "section_id", "skill_id")
    }
    return _form(_profile(), form)


@bp.post("/new")
@login_required
def create():
    profile = _profile()
    try:
        goal, _ = services.create_goal(profile, _parse(GoalIn, request.form))
    except FormErrors as exc:
        return _form(profile, request.form, exc.messages, status=422)
    flash("Goal set. Progress is counted from your log.", "success")
    return redirect(url_for("goals.goal", goal_id=goal.id))


@bp.get("/<uuid:goal_id>")
@login_required
def goal(goal_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Goal, goal_id, profile)
    return render_template(
        "goals/goal.html",
        view=pages.goal_overview(profile, found),
        goal=found,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        priorities=PRIORITY_LABELS,
        targets=TARGET_LABELS,
    )


@bp.get("/<uuid:goal_id>/edit")
@login_required
def edit(goal_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Goal, goal_id, profile)
    return _form(profile, _form_values(found), goal=found)


@bp.post("/<uuid:goal_id>/edit")
@login_required
def update(goal_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Goal, goal_id, profile)
    try:
        data = _parse(GoalFields, request.form)
        check_version(found, form_version(request.form))
        target = data.target.model_dump(exclude_unset=True) if data.target else None
        services.update_goal(
            profile, found, data.model_dump(exclude={"target"}) | {"target": target}
        )
    except FormErrors as exc:
        return _form(profile, request.form, exc.messages, goal=found, status=422)
    flash("Goal saved.", "success")
    return redirect(url_for("goals.goal", goal_id=found.id))


def _set_status(goal_id: uuid.UUID, status: str, message: str):
    found = policy.owned_or_404(Goal, goal_id, _profile())
    services.set_status(found, status)
    flash(message, "success")
    if request.form.get("back") == "list":
        return redirect(url_for("goals.index"))
    return redirect(url_for("goals.goal", goal_id=found.id))


@bp.post("/<uuid:goal_id>/complete")
@login_required
def complete(goal_id: uuid.UUID):
    return _set_status(goal_id, "completed", "Goal completed. Well played!")


@bp.post("/<uuid:goal_id>/archive")
@login_required
def archive(goal_id: uuid.UUID):
    return _set_status(goal_id, "archived", "Goal archived.")


@bp.post("/<uuid:goal_id>/reopen")
@login_required
def reopen(goal_id: uuid.UUID):
    return _set_status(goal_id, "in_progress", "Goal reopened.")


@bp.post("/<uuid:goal_id>/checklist/<uuid:item_id>")
@login_required
def toggle_item(goal_id: uuid.UUID, item_id: uuid.UUID):
    found = policy.owned_or_404(Goal, goal_id, _profile())
    item = services.toggle_item(found, item_id, request.form.get("done") == "true")
    flash(f"“{item.text}” {'done' if item.done else 'not done yet'}.", "success")
    return redirect(url_for("goals.goal", goal_id=found.id) + "#checklist")


@bp.post("/<uuid:goal_id>/delete")
@login_required
def delete(goal_id: uuid.UUID):
    found = policy.owned_or_404(Goal, goal_id, _profile())
    services.delete_goal(found)
    flash("Goal deleted.", "success")
    return redirect(url_for("goals.index"))
