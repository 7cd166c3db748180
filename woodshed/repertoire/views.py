"""Repertoire pages: pieces with their sections and bar-range strip, and skills."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from woodshed import policy
from woodshed.comments import services as comments
from woodshed.db import check_version
from woodshed.errors import FormErrors, NotFound
from woodshed.repertoire import pages, services
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.repertoire.schemas import (
    PIECE_STATUS_LABELS,
    SECTION_STATUS_LABELS,
    SKILL_CATEGORY_LABELS,
    PieceFields,
    PieceIn,
    PieceQuery,
    PieceUpdate,
    SectionFields,
    SectionIn,
    SkillFields,
    SkillIn,
    SkillQuery,
)
from woodshed.validation import form_version, parse_form

bp = Blueprint("repertoire", __name__)


def _profile():
    return policy.current_profile()


def _query(schema, args):
    """Filters from the URL; bad ones are shown and left out."""
    try:
        return parse_form(schema, args), {}
    except FormErrors as exc:
        return schema(), exc.messages


# --- pieces ---------------------------------------------------------------------------------


@bp.get("/repertoire")
@login_required
def pieces():
    profile = _profile()
    query, errors = _query(PieceQuery, request.args)
    return render_template(
        "repertoire/pieces.html",
        listing=pages.piece_list(profile, query),
        query=query,
        filters=request.args,
        errors=errors,
        instruments=profile.instruments,
        statuses=PIECE_STATUS_LABELS,
    ), (422 if errors else 200)


def _piece_form(profile, form, errors=None, piece=None, status=200):
    return render_template(
        "repertoire/piece_form.html",
        form=form,
        errors=errors or {},
        piece=piece,
        instruments={str(i.id): i.name for i in profile.instruments},
        statuses=PIECE_STATUS_LABELS,
    ), status


@bp.get("/repertoire/new")
@login_required
def new_piece():
    profile = _profile()
    form = {"status": "learning"}
    if len(profile.instruments) == 1:
        form["instrument_id"] = profile.instruments[0].id
    return _piece_form(profile, form)


@bp.post("/repertoire/new")
@login_required
def create_piece():
    profile = _profile()
    try:
        piece, _ = services.create_piece(profile, parse_form(PieceIn, request.form))
    except FormErrors as exc:
        return _piece_form(profile, request.form, exc.messages, status=422)
    flash(f"“{piece.title}” is in your repertoire. Add its sections next.", "success")
    return redirect(url_for("repertoire.piece", piece_id=piece.id))


@bp.get("/repertoire/<uuid:piece_id>")
@login_required
def piece(piece_id: uuid.UUID):
    profile = _profile()
    return piece_page(profile, policy.owned_or_404(Piece, piece_id, profile))


def piece_page(profile, found: Piece, *, comment_errors=None, comment_form=None, status=200):
    """The piece's page; a refused comment on a passage shows what to fix (`comment_*`)."""
    from woodshed.recordings import services as recordings

    takes = recordings.takes_of_piece(profile, found.id)
    return render_template(
        "repertoire/piece.html",
        view=pages.piece_overview(profile, found),
        piece=found,
        statuses=PIECE_STATUS_LABELS,
        section_statuses=SECTION_STATUS_LABELS,
        section_threads=comments.piece_threads(found.id, profile, current_user),
        comment_profile=profile,
        comment_errors=comment_errors or {},
        comment_form=comment_form or {},
        takes=takes,
        takes_by_section=recordings.takes_by_section(takes),
        bar_comments=recordings.bar_comments_by_section(profile, list(found.sections), takes),
    ), status


@bp.get("/repertoire/<uuid:piece_id>/edit")
@login_required
def edit_piece(piece_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Piece, piece_id, profile)
    form = PieceFields.model_validate(found).model_dump() | {"version": found.version}
    return _piece_form(profile, form, piece=found)


@bp.post("/repertoire/<uuid:piece_id>/edit")
@login_required
def update_piece(piece_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Piece, piece_id, profile)
    try:
        data = parse_form(PieceFields, request.form)
        check_version(found, form_version(request.form))
        services.update_piece(profile, found, data.model_dump())
    except FormErrors as exc:
        return _piece_form(profile, request.form, exc.messages, piece=found, status=422)
    flash("Piece saved.", "success")
    return redirect(url_for("repertoire.piece", piece_id=found.id))


@bp.post("/repertoire/<uuid:piece_id>/status")
@login_required
def change_status(piece_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Piece, piece_id, profile)
    try:
        data = parse_form(PieceUpdate, request.form)
        check_version(found, form_version(request.form))
        services.update_piece(profile, found, data.model_dump(include={"status"}))
    except FormErrors as exc:
        flash(" ".join(exc.messages.values()), "error")
        return redirect(url_for("repertoire.piece", piece_id=found.id))
    flash(f"Status: {PIECE_STATUS_LABELS[found.status]}.", "success")
    return redirect(url_for("repertoire.piece", piece_id=found.id))


@bp.post("/repertoire/<uuid:piece_id>/delete")
@login_required
def delete_piece(piece_id: uuid.UUID):
    found = policy.owned_or_404(Piece, piece_id, _profile())
    title = found.title
    services.delete_piece(found)
    flash(f"“{title}” was deleted.", "success")
    return redirect(url_for("repertoire.pieces"))


# --- sections -------------------------------------------------------------------------------


def _section(profile, piece_id: uuid.UUID, section_id: uuid.UUID) -> Section:
    section = policy.owned_or_404(Section, section_id, profile)
    if section.piece_id != piece_id:
        raise NotFound()
    return section


def _section_form(piece, form, errors=None, section=None, status=200):
    return render_template(
        "repertoire/section_form.html",
        piece=piece,
        section=section,
        form=form,
        errors=errors or {},
        statuses=SECTION_STATUS_LABELS,
    ), status


@bp.get("/repertoire/<uuid:piece_id>/sections/new")
@login_required
def new_section(piece_id: uuid.UUID):
    found = policy.owned_or_404(Piece, piece_id, _profile())
    return _section_form(found, {"status": "learning"})


@bp.post("/repertoire/<uuid:piece_id>/sections/new")
@login_required
def create_section(piece_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Piece, piece_id, profile)
    try:
        section, _ = services.create_section(profile, found, parse_form(SectionIn, request.form))
    except FormErrors as exc:
        return _section_form(found, request.form, exc.messages, status=422)
    added = f"“{section.name}” (bars {section.bars})" if section.name else f"bars {section.bars}"
    flash(f"Section {added} added.", "success")
    return redirect(url_for("repertoire.piece", piece_id=found.id) + f"#section-{section.id}")


@bp.get("/repertoire/<uuid:piece_id>/sections/<uuid:section_id>/edit")
@login_required
def edit_section(piece_id: uuid.UUID, section_id: uuid.UUID):
    section = _section(_profile(), piece_id, section_id)
    form = SectionFields.model_validate(section).model_dump() | {"version": section.version}
    return _section_form(section.piece, form, section=section)


@bp.post("/repertoire/<uuid:piece_id>/sections/<uuid:section_id>/edit")
@login_required
def update_section(piece_id: uuid.UUID, section_id: uuid.UUID):
    section = _section(_profile(), piece_id, section_id)
    try:
        data = parse_form(SectionFields, request.form)
        check_version(section, form_version(request.form))
        services.update_section(section, data.model_dump())
    except FormErrors as exc:
        return _section_form(section.piece, request.form, exc.messages, section, status=422)
    flash("Section saved.", "success")
    return redirect(url_for("repertoire.piece", piece_id=piece_id) + f"#section-{section.id}")


@bp.post("/repertoire/<uuid:piece_id>/sections/<uuid:section_id>/delete")
@login_required
def delete_section(piece_id: uuid.UUID, section_id: uuid.UUID):
    section = _section(_profile(), piece_id, section_id)
    services.delete_section(section)
    flash("Section deleted.", "success")
    return redirect(url_for("repertoire.piece", piece_id=piece_id))


# --- skills ---------------------------------------------------------------------------------


@bp.get("/skills")
@login_required
def skills():
    profile = _profile()
    query, errors = _query(SkillQuery, request.args)
    rows, truncated = pages.skill_list(profile, query)
    return render_template(
        "repertoire/skills.html",
        rows=rows,
        truncated=truncated,
        filters=request.args,
        errors=errors,
        categories=SKILL_CATEGORY_LABELS,
    ), (422 if errors else 200)


def _skill_form(form, errors=None, skill=None, status=200):
    return render_template(
        "repertoire/skill_form.html",
        form=form,
        errors=errors or {},
        skill=skill,
        categories=SKILL_CATEGORY_LABELS,
    ), status


@bp.get("/skills/new")
@login_required
def new_skill():
    return _skill_form({"category": "technique"})


@bp.post("/skills/new")
@login_required
def create_skill():
    profile = _profile()
    try:
        skill, _ = services.create_skill(profile, parse_form(SkillIn, request.form))
    except FormErrors as exc:
        return _skill_form(request.form, exc.messages, status=422)
    flash(f"“{skill.name}” added.", "success")
    return redirect(url_for("repertoire.skill", skill_id=skill.id))


@bp.get("/skills/<uuid:skill_id>")
@login_required
def skill(skill_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Skill, skill_id, profile)
    return render_template(
        "repertoire/skill.html",
        view=pages.skill_overview(profile, found),
        skill=found,
        categories=SKILL_CATEGORY_LABELS,
    )


@bp.get("/skills/<uuid:skill_id>/edit")
@login_required
def edit_skill(skill_id: uuid.UUID):
    found = policy.owned_or_404(Skill, skill_id, _profile())
    form = SkillFields.model_validate(found).model_dump() | {"version": found.version}
    return _skill_form(form, skill=found)


@bp.post("/skills/<uuid:skill_id>/edit")
@login_required
def update_skill(skill_id: uuid.UUID):
    profile = _profile()
    found = policy.owned_or_404(Skill, skill_id, profile)
    try:
        data = parse_form(SkillFields, request.form)
        check_version(found, form_version(request.form))
        services.update_skill(profile, found, data.model_dump())
    except FormErrors as exc:
        return _skill_form(request.form, exc.messages, found, status=422)
    flash("Skill saved.", "success")
    return redirect(url_for("repertoire.skill", skill_id=found.id))


@bp.post("/skills/<uuid:skill_id>/delete")
@login_required
def delete_skill(skill_id: uuid.UUID):
    found = policy.owned_or_404(Skill, skill_id, _profile())
    services.delete_skill(found)
    flash("Skill deleted.", "success")
    return redirect(url_for("repertoire.skills"))
