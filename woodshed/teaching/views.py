"""Pages: teaching settings, the studio (dashboard, invitations), joining by code."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from woodshed import policy
from woodshed.errors import DomainError, Problem, TooManyRequests
from woodshed.teaching import dashboard, services
from woodshed.teaching.models import SCOPES

bp = Blueprint("teaching", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every teaching page is personal."""


def _user():
    return current_user._get_current_object()


# --- settings: teaching on or off, your teachers -----------------------------------------------


@bp.get("/settings/teaching")
def settings():
    return render_template(
        "teaching/settings.html",
        teachers=services.my_teachers(_user()),
        may_teach=services.may_become_teacher(_user()),
        errors={},
    )


@bp.post("/settings/teaching")
def set_teaching():
    try:
        services.set_teacher(_user(), request.form.get("is_teacher") == "true")
    except DomainError as exc:
        return render_template(
            "teaching/settings.html",
            teachers=services.my_teachers(_user()),
            may_teach=False,
            errors=exc.messages,
        ), 422
    if _user().is_teacher:
        flash("Teaching is on. Invite your students from your studio.", "success")
        return redirect(url_for("teaching.studio"))
    flash("Teaching is off; your students' links have ended.", "success")
    return redirect(url_for("teaching.settings"))


@bp.post("/links/<uuid:link_id>/end")
def end_link(link_id: uuid.UUID):
    link = services.end_link(_user(), link_id)
    if link.user_id == _user().id:
        flash(f"You no longer teach {link.profile.display_name} here.", "success")
        return redirect(url_for("teaching.studio"))
    if link.profile.is_child:  # a guardian, from the child's page
        teacher, child = link.user.profile.display_name, link.profile.display_name
        flash(f"{teacher} no longer sees {child}'s journal.", "success")
        return redirect(url_for("family.child", child_id=link.profile_id))
    flash(f"{link.user.profile.display_name} no longer sees your journal.", "success")
    return redirect(url_for("teaching.settings"))


# --- the studio ---------------------------------------------------------------------------------


@bp.get("/studio")
def studio():
    user = _user()
    if not user.is_teacher:
        flash("Turn teaching on to invite students.", "info")
        return redirect(url_for("teaching.settings"))
    sort = request.args.get("sort", "name")
    flagged = request.args.get("flagged") == "1"
    errors = {}
    try:
        students = dashboard.sorted_rows(user, sort, flagged)
    except DomainError as exc:
        errors, sort = exc.messages, "name"
        students = dashboard.sorted_rows(user, sort, flagged)
    return render_template(
        "teaching/studio.html",
        students=students,
        invites=services.open_invites(user),
        sort=sort,
        flagged=flagged,
        scopes=SCOPES,
        labels=services.TEACHER_LABELS,
        errors=errors,
    ), (422 if errors else 200)


@bp.get("/studio/compare")
def compare():
    """The studio comparison: every student's minutes, streak and assignment progress from
    their non-private entries, and the studio's anonymised spread of minutes."""
    user = _user()
    if not user.is_teacher:
        flash("Turn teaching on to invite students.", "info")
        return redirect(url_for("teaching.settings"))
    sort = request.args.get("sort", "name")
    errors = {}
    try:
        students = dashboard.sorted_rows(user, sort)
    except DomainError as exc:
        errors, sort = exc.messages, "name"
        students = dashboard.sorted_rows(user, sort)
    return render_template(
        "teaching/compare.html",
        students=students,
        spread=dashboard.distribution(students),
        sort=sort,
        errors=errors,
    ), (422 if errors else 200)


@bp.post("/studio/invites")
def create_invite():
    scopes = [s for s in request.form.getlist("scopes") if s]
    try:
        invite, code = services.create_invite(_user(), scopes, request.form.get("note", "")[:300])
    except DomainError as exc:
        flash(" ".join(exc.messages.values()), "error")
        return redirect(url_for("teaching.studio"))
    url = url_for("teaching.join", code=code, _external=True)
    return render_template(
        "teaching/invite.html",
        invite=invite,
        code=services.shown_code(code),
        url=url,
        qr=services.qr_svg(url),
        labels=[services.SCOPE_LABELS[s] for s in invite.scopes],
    )


@bp.post("/studio/invites/<uuid:invite_id>/delete")
def delete_invite(invite_id: uuid.UUID):
    services.revoke_invite(_user(), invite_id)
    flash("Invitation withdrawn: its code no longer works.", "success")
    return redirect(url_for("teaching.studio"))


# --- joining ------------------------------------------------------------------------------------


@bp.get("/join")
def join_form():
    code = request.args.get("code", "")
    if code:
        return redirect(url_for("teaching.join", code=services.normalise_code(code)[:40] or "-"))
    return render_template("teaching/join.html", preview=None, code="", errors={})


@bp.get("/join/<code>")
def join(code: str):
    try:
        preview = services.preview(_user(), code)
    except (DomainError, TooManyRequests) as exc:
        return _join_error(code, exc)
    return render_template("teaching/join.html", preview=preview, code=code, errors={})


@bp.post("/join/<code>")
def accept(code: str):
    try:
        profile = policy.signed_in_profile(for_edit=True)
        consent = SimpleNamespace(
            accepted=request.form.get("consent") == "yes",
            notice_version=request.form.get("notice_version") or None,
        )
        link = services.join(_user(), code, profile, consent)
    except (DomainError, TooManyRequests) as exc:
        return _join_error(code, exc)
    except Problem as exc:  # a child's link without the guardian's consent
        preview = services.preview(_user(), code)
        page = render_template(
            "teaching/join.html", preview=preview, code=code, errors={"consent": exc.detail}
        )
        return page, exc.status
    if profile.is_child:
        flash(
            f"{link.user.profile.display_name} is now {profile.display_name}'s teacher.", "success"
        )
        return redirect(url_for("core.home"))
    flash(f"{link.user.profile.display_name} is now your teacher.", "success")
    return redirect(url_for("teaching.settings"))


def _join_error(code: str, exc):
    errors = {"code": exc.detail} if isinstance(exc, TooManyRequests) else exc.messages
    response = render_template("teaching/join.html", preview=None, code=code, errors=errors)
    return response, exc.status, exc.headers
