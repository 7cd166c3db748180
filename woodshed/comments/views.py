"""Comment forms on the session page and the piece page (its passages)."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from woodshed import policy
from woodshed.comments import services
from woodshed.comments.schemas import CommentIn, SectionCommentIn
from woodshed.errors import DomainError
from woodshed.journal.models import PracticeSession
from woodshed.journal.views import entry_page
from woodshed.repertoire.models import Piece, Section
from woodshed.repertoire.views import piece_page
from woodshed.validation import parse_form

bp = Blueprint("comments", __name__)
# Templates name a comment's author through the one function that decides it.
bp.add_app_template_global(services.author_of, "comment_author")


def _form(schema, **extra):
    data = {k: v for k, v in request.form.items() if k != "csrf_token" and v != ""}
    return parse_form(schema, data | extra)


def _typed() -> dict:
    return {k: request.form.get(k, "") for k in ("body", "item_index", "parent_id")}


@bp.post("/journal/<uuid:session_id>/comments")
@login_required
def comment_on_session(session_id: uuid.UUID):
    profile = policy.signed_in_profile()
    session = policy.owned_or_404(PracticeSession, session_id, profile)
    try:
        comment = services.add_to_session(current_user, profile, session, _form(CommentIn))
    except DomainError as exc:
        # The page again, with what was typed and what to fix next to the form.
        return entry_page(session, comment_errors=exc.messages, comment_form=_typed(), status=422)
    flash("Comment added.", "success")
    return redirect(url_for("journal.show", session_id=session.id, _anchor=f"comment-{comment.id}"))


@bp.post("/sections/<uuid:section_id>/comments")
@login_required
def comment_on_section(section_id: uuid.UUID):
    profile = policy.signed_in_profile()
    section = policy.owned_or_404(Section, section_id, profile)
    try:
        comment = services.add_to_section(current_user, profile, section, _form(SectionCommentIn))
    except DomainError as exc:
        piece = policy.owned_or_404(Piece, section.piece_id, profile)
        typed = _typed() | {"section_id": str(section.id)}
        return piece_page(
            profile, piece, comment_errors=exc.messages, comment_form=typed, status=422
        )
    flash("Comment added.", "success")
    return redirect(
        url_for("repertoire.piece", piece_id=section.piece_id, _anchor=f"comment-{comment.id}")
    )
