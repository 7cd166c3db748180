"""The reference library: search it, add links and notes, attach them to what they explain."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from pydantic import ValidationError

from woodshed import policy
from woodshed.db import check_version
from woodshed.errors import DomainError, FormErrors
from woodshed.library import pages, services
from woodshed.library.models import Resource
from woodshed.library.schemas import KIND_LABELS, ResourceFields, ResourceIn, ResourceQuery
from woodshed.repertoire.pages import form_choices
from woodshed.validation import form_to_dict, form_version, parse_form, validation_problem

bp = Blueprint("library", __name__, url_prefix="/library")

SUBJECTS = ("piece_id", "section_id", "skill_id")


def _profile():
    return policy.current_profile()


def resource_input(form) -> dict:
    """The form's `attach` choice (`piece:<id>`, `section:<id>`, `skill:<id>`) as ids."""
    data = form_to_dict(form)
    data.pop("version", None)
    kind, _, value = (data.pop("attach", None) or "").partition(":")
    if f"{kind}_id" in SUBJECTS and value:
        data[f"{kind}_id"] = value
    return data


def _on_form(messages: dict[str, str]) -> dict[str, str]:
    """Errors about the piece, section or skill belong next to the form's one `attach` field."""
    return {"attach" if k in SUBJECTS else k: v for k, v in messages.items()}


def _parse(schema, form):
    try:
        return schema.model_validate(resource_input(form))
    except ValidationError as exc:
        raise DomainError(_on_form(validation_problem(exc).messages)) from exc


def _attach_value(resource_or_args) -> str:
    get = resource_or_args.get if hasattr(resource_or_args, "get") else None
    for name in ("section_id", "piece_id", "skill_id"):
        value = get(name) if get else getattr(resource_or_args, name)
        if value:
            return f"{name.removesuffix('_id')}:{value}"
    return ""


def _back(resource: Resource) -> str:
    if resource.section_id and resource.piece_id:
        return (
            url_for("repertoire.piece", piece_id=resource.piece_id)
            + f"#section-{resource.section_id}"
        )
    if resource.piece_id:
        return url_for("repertoire.piece", piece_id=resource.piece_id) + "#resources-heading"
    if resource.skill_id:
        return url_for("repertoire.skill", skill_id=resource.skill_id)
    return url_for("library.index")


def _form(profile, form, errors=None, resource=None, status=200):
    return render_template(
        "library/form.html",
        form=form,
        errors=errors or {},
        resource=resource,
        kinds=KIND_LABELS,
        **form_choices(profile),
    ), status


@bp.get("")
@login_required
def index():
    profile = _profile()
    try:
        query, errors = parse_form(ResourceQuery, request.args), {}
    except FormErrors as exc:
        query, errors = ResourceQuery(), exc.messages
    return render_template(
        "library/index.html",
        listing=pages.resource_list(profile, query),
        filters=request.args,
        errors=errors,
        kinds=KIND_LABELS,
    ), (422 if errors else 200)


@bp.get("/new")
@login_required
def new():
    form = {"kind": request.args.get("kind", "link"), "attach": _attach_value(request.args)}
    return _form(_profile(), form)


@bp.post("/new")
@login_required
def create():
    profile = _profile()
    try:
        resource, _ = services.create_resource(profile, _parse(ResourceIn, request.form))
    except FormErrors as exc:
        return _form(profile, request.form, _on_form(exc.messages), status=422)
    flash("Saved to your library.", "success")
    return redirect(_back(resource))


@bp.get("/<uuid:resource_id>/edit")
@login_required
def edit(resource_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Resource, resource_id, profile)
    form = ResourceFields.model_validate(found).model_dump() | {
        "attach": _attach_value(found),
        "version": found.version,
    }
    return _form(profile, form, resource=found)


@bp.post("/<uuid:resource_id>/edit")
@login_required
def update(resource_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Resource, resource_id, profile)
    try:
        data = _parse(ResourceFields, request.form)
        check_version(found, form_version(request.form))
        services.update_resource(profile, found, data.model_dump())
    except FormErrors as exc:
        return _form(profile, request.form, _on_form(exc.messages), resource=found, status=422)
    flash("Resource saved.", "success")
    return redirect(_back(found))


@bp.post("/<uuid:resource_id>/delete")
@login_required
def delete(resource_id: uuid.UUID):
    found = policy.owned_or_404(Resource, resource_id, _profile())
    back = _back(found)
    services.delete_resource(found)
    flash("Resource deleted.", "success")
    return redirect(back)
