"""Assignment pages: the student's list and each assignment with progress; the teacher
sets and changes them from the student's pages (`/students/<id>/assignments/…`)."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from woodshed import policy
from woodshed.assignments import dashboard, services
from woodshed.assignments.models import Assignment
from woodshed.assignments.schemas import (
    KIND_LABELS,
    TARGETS,
    AssignmentIn,
    AssignmentQuery,
    AssignmentUpdate,
)
from woodshed.db import check_version
from woodshed.errors import FormErrors
from woodshed.repertoire.pages import form_choices
from woodshed.validation import form_rows, form_version, parse_form

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

#: Item rows the form offers without JavaScript.
FORM_ROWS = 4
ITEM_FIELDS = ("kind", "piece_id", "section_id", "skill_id", "bars", "text", *TARGETS)


def _user():
    return current_user._get_current_object()


def _form(profile, form, errors=None, assignment=None, status=200):
    rows = form_rows(form, "items") if hasattr(form, "getlist") else form.get("items", [])
    rows = list(rows) + [{} for _ in range(max(0, FORM_ROWS - len(rows)))]
    return render_template(
        "assignments/form.html",
        form=form,
        rows=rows,
        errors=errors or {},
        assignment=assignment,
        student=profile,
        kinds=KIND_LABELS,
        **form_choices(profile),
    ), status


def _input(form) -> dict:
    data = {k: form.get(k, "") for k in ("title", "description", "starts_on", "due_on")}
    data["starts_on"] = data["starts_on"] or None
    data["items"] = [
        {k: (row.get(k) or None) for k in ITEM_FIELDS if k != "text"}
        | {"text": row.get("text", "")}
        for row in form_rows(form, "items")
    ]
    return data


@bp.get("")
@login_required
def index():
    profile = policy.signed_in_profile()
    try:
        query, errors = parse_form(AssignmentQuery, request.args), {}
    except FormErrors as exc:
        query, errors = AssignmentQuery(), exc.messages
    rows, cursor = services.list_assignments(profile, query)
    return render_template(
        "assignments/index.html",
        assignments=services.present(profile, rows),
        next_cursor=cursor,
        today=profile.today(),
        may_assign=policy.can_assign(_user(), profile),
        errors=errors,
    ), (422 if errors else 200)


@bp.get("/new")
@login_required
def new():
    profile = policy.signed_in_profile()
    services.may_set(_user(), profile)
    return _form(profile, {})


@bp.post("/new")
@login_required
def create():
    profile = policy.signed_in_profile()
    try:
        assignment, _ = services.create_assignment(
            _user(), profile, parse_form(AssignmentIn, _input(request.form))
        )
    except FormErrors as exc:
        return _form(profile, request.form, exc.messages, status=422)
    flash("Assignment set. Your student sees it in their plans and What next.", "success")
    return redirect(url_for("assignments.show", assignment_id=assignment.id))


@bp.get("/<uuid:assignment_id>")
@login_required
def show(assignment_id: uuid.UUID):
    profile = policy.signed_in_profile()
    assignment = policy.owned_or_404(Assignment, assignment_id, profile)
    return render_template(
        "assignments/show.html",
        a=services.present(profile, [assignment])[0],
        assignment=assignment,
        may_change=policy.can_assign(_user(), profile) and assignment.set_by == _user().id,
        is_student=policy.can_edit(_user(), profile),
    )


@bp.get("/<uuid:assignment_id>/edit")
@login_required
def edit(assignment_id: uuid.UUID):
    profile = policy.signed_in_profile()
    assignment = policy.owned_or_404(Assignment, assignment_id, profile)
    services.may_change(_user(), profile, assignment)
    form = {
        "title": assignment.title,
        "description": assignment.description,
        "due_on": assignment.due_on.isoformat(),
        "version": assignment.version,
    }
    return render_template("assignments/edit.html", form=form, errors={}, assignment=assignment)


@bp.post("/<uuid:assignment_id>/edit")
@login_required
def update(assignment_id: uuid.UUID):
    profile = policy.signed_in_profile()
    assignment = policy.owned_or_404(Assignment, assignment_id, profile)
    try:
        body = parse_form(
            AssignmentUpdate,
            {k: request.form.get(k) or None for k in ("title", "description", "due_on")},
        )
        check_version(assignment, form_version(request.form))
        services.update_assignment(
            _user(), profile, assignment, body.model_dump(exclude_unset=True)
        )
    except FormErrors as exc:
        return render_template(
            "assignments/edit.html", form=request.form, errors=exc.messages, assignment=assignment
        ), 422
    flash("Assignment saved.", "success")
    return redirect(url_for("assignments.show", assignment_id=assignment.id))


@bp.post("/<uuid:assignment_id>/delete")
@login_required
def delete(assignment_id: uuid.UUID):
    profile = policy.signed_in_profile()
    assignment = policy.owned_or_404(Assignment, assignment_id, profile)
    services.delete_assignment(_user(), profile, assignment)
    flash("Assignment deleted.", "success")
    return redirect(url_for("assignments.index"))


@bp.post("/<uuid:assignment_id>/items/<uuid:assignment_item_id>/done")
@login_required
def done(assignment_id: uuid.UUID, assignment_item_id: uuid.UUID):
    profile = policy.signed_in_profile()
    item = services.item_of(profile, assignment_id, assignment_item_id)
    services.set_done(item, request.form.get("done") == "true")
    flash("Marked done." if item.done_at else "Marked not done.", "success")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.app_context_processor
def assignment_helpers():
    """`open_assignments()` for other features' pages (Plans lists them too)."""

    def open_assignments() -> list[dict]:
        profile = policy.shown_profile()
        if profile is None:
            return []
        return dashboard.open_presented(profile, profile.today())

    return {"open_assignments": open_assignments}
