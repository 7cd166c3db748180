"""Plan pages: the Planning view, plan forms, check-in, templates and the calendar feed."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from pydantic import ValidationError
from sqlalchemy.orm import selectinload

from woodshed import policy
from woodshed.db import check_version, db, utcnow
from woodshed.errors import DomainError, FormErrors, Problem
from woodshed.plans import calendar, forms, services, sharing
from woodshed.plans import schedule as sched
from woodshed.plans.models import Plan, PlanOccurrence, PlanTemplate
from woodshed.plans.schemas import AdoptIn, PlanIn, PlanUpdate, RescheduleIn, SkipIn
from woodshed.profiles.schemas import WEEKDAY_LABELS
from woodshed.repertoire.models import Piece, Skill
from woodshed.security import safe_next
from woodshed.validation import form_version, parse_form, small_int, validation_problem

bp = Blueprint("plans", __name__)


def _profile():
    return policy.current_profile()


def _choices(profile) -> dict:
    pieces = db.session.scalars(
        policy.owned(Piece, profile).order_by(Piece.title).options(selectinload(Piece.sections))
    ).all()
    skills = db.session.scalars(policy.owned(Skill, profile).order_by(Skill.name)).all()
    return {"pieces": pieces, "skills": skills, "instruments": profile.instruments}


def session_url(session_id) -> str:
    """The journal page of an entry."""
    return url_for("journal.show", session_id=session_id)


@bp.app_context_processor
def _helpers():
    return {
        "session_url": session_url,
        "describe_schedule": sched.describe,
        "describe_pattern": sched.describe_pattern,
    }


# --- planning view and plans --------------------------------------------------------------


@bp.get("/plans")
@login_required
def index():
    profile = _profile()
    buckets, plans = services.planning(profile)
    return render_template(
        "plans/index.html",
        buckets=buckets,
        plans=plans,
        plans_by_id={p.id: p for p in plans},
        today=profile.today(),
    )


def _form_page(template, *, plan=None, form=None, errors=None, status=200):
    profile = _profile()
    values = (
        form
        if form is not None
        else (
            forms.plan_form_values(plan)
            if plan
            else {
                "pattern": "weekly",
                "duration_minutes": 30,
                "time_of_day": "18:00",
                "flexibility": "same_day",
                "kind": "custom",
                "days": [],
                "start_date": profile.today().isoformat(),  # the first day: today
            }
        )
    )
    rows = max([0, *forms.item_rows_from_values(values)]) + 1 + forms.ITEM_ROWS_EXTRA
    return render_template(
        template,
        plan=plan,
        form=values,
        errors=errors or {},
        item_rows=range(rows),
        patterns=sched.PATTERNS,
        ordinals=sched.ORDINALS,
        custom_modes=sched.CUSTOM_MODES,
        weekdays=WEEKDAY_LABELS,
        **_choices(profile),
    ), status


@bp.get("/plans/new")
@login_required
def new():
    return _form_page("plans/form.html")


@bp.post("/plans/new")
@login_required
def create():
    profile = _profile()
    try:
        data = forms.parse_plan(request.form, PlanIn)
        plan, _ = services.create_plan(profile, data)
    except FormErrors as exc:
        return _form_page(
            "plans/form.html", form=forms.sticky(request.form), errors=exc.messages, status=422
        )
    flash(f"Plan “{plan.title}” created.", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


@bp.get("/plans/<uuid:plan_id>")
@login_required
def detail(plan_id: uuid.UUID):
    profile = _profile()
    plan = policy.owned_or_404(Plan, plan_id, profile)
    services.refresh(profile)
    today = profile.today()
    occs = db.session.scalars(
        services.occurrences(profile, plan, None, None)
        .where(PlanOccurrence.practice_date >= today - timedelta(days=14))
        .order_by(PlanOccurrence.scheduled_start)
        .limit(60)
        .options(selectinload(PlanOccurrence.session))
    ).all()
    return render_template("plans/detail.html", plan=plan, occurrences=occs, today=today)


@bp.get("/plans/<uuid:plan_id>/edit")
@login_required
def edit(plan_id: uuid.UUID):
    plan = policy.owned_or_404(Plan, plan_id, _profile())
    return _form_page("plans/form.html", plan=plan)


@bp.post("/plans/<uuid:plan_id>/edit")
@login_required
def update(plan_id: uuid.UUID):
    profile = _profile()
    plan = policy.owned_or_404(Plan, plan_id, profile)
    try:
        data = forms.parse_plan(request.form)
        check_version(plan, form_version(request.form))
        services.update_plan(profile, plan, data.model_dump())
    except FormErrors as exc:
        return _form_page(
            "plans/form.html",
            plan=plan,
            form=forms.sticky(request.form),
            errors=exc.messages,
            status=422,
        )
    flash("Plan saved.", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


@bp.post("/plans/<uuid:plan_id>/status")
@login_required
def set_status(plan_id: uuid.UUID):
    profile = _profile()
    plan = policy.owned_or_404(Plan, plan_id, profile)
    status = "archived" if request.form.get("status") == "archived" else "active"
    try:
        services.update_plan(
            profile,
            plan,
            PlanUpdate.model_validate({"status": status}).model_dump(exclude_unset=True),
        )
    except DomainError as exc:
        flash(" ".join(exc.messages.values()), "error")
        return redirect(url_for("plans.detail", plan_id=plan.id))
    flash("Plan archived." if status == "archived" else "Plan is active again.", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


@bp.post("/plans/<uuid:plan_id>/delete")
@login_required
def delete(plan_id: uuid.UUID):
    profile = _profile()
    services.delete_plan(profile, policy.owned_or_404(Plan, plan_id, profile))
    flash("Plan deleted; entries you checked in stay in your journal.", "success")
    return redirect(url_for("plans.index"))


# --- occurrences -------------------------------------------------------------------------------


def _occurrence(occurrence_id) -> PlanOccurrence:
    return policy.owned_or_404(PlanOccurrence, occurrence_id, _profile())


def _check_in_page(occ, form, errors=None, status=200):
    profile = _profile()
    return render_template(
        "plans/check_in.html",
        occ=occ,
        form=form,
        errors=errors or {},
        items=occ.plan.items,
        instruments=profile.instruments,
        item_rows=forms.item_rows_from_values(form),
    ), status


@bp.get("/plans/occurrences/<uuid:occurrence_id>/check-in")
@login_required
def check_in(occurrence_id: uuid.UUID):
    profile = _profile()
    occ = _occurrence(occurrence_id)
    if occ.status != "scheduled" or occ.window_end <= utcnow():
        flash(
            services._conflict_reason(occ)
            if occ.status != "scheduled"
            else "This occurrence has expired; log the practice in the journal instead.",
            "info",
        )
        return redirect(url_for("plans.detail", plan_id=occ.plan_id))
    values = forms.check_in_values(services.prefill(profile, occ), profile.timezone)
    return _check_in_page(occ, values)


@bp.post("/plans/occurrences/<uuid:occurrence_id>/check-in")
@login_required
def submit_check_in(occurrence_id: uuid.UUID):
    profile = _profile()
    occ = _occurrence(occurrence_id)
    try:
        data = forms.parse_check_in(request.form, profile.timezone)
        session, _ = services.check_in(profile, occ, data, editor_id=current_user.id)
    except FormErrors as exc:
        return _check_in_page(occ, request.form.to_dict(), exc.messages, 422)
    except Problem as exc:
        flash(exc.detail, "error")
        return redirect(url_for("plans.index"))
    flash(f"Checked in: {session.duration_minutes} min logged in your journal.", "success")
    return redirect(url_for("plans.index"))


@bp.post("/plans/occurrences/<uuid:occurrence_id>/skip")
@login_required
def skip(occurrence_id: uuid.UUID):
    occ = _occurrence(occurrence_id)
    try:
        reason = parse_form(SkipIn, request.form).reason
        services.skip(_profile(), occ, reason)
        flash("Skipped. It counts as a planned skip day.", "success")
    except DomainError as exc:
        flash("Reason: " + " ".join(exc.messages.values()), "error")
    except Problem as exc:
        flash(exc.detail, "error")
    return redirect(safe_next(request.form.get("next"), url_for("plans.index")))


@bp.post("/plans/occurrences/<uuid:occurrence_id>/undo")
@login_required
def undo(occurrence_id: uuid.UUID):
    occ = _occurrence(occurrence_id)
    try:
        services.undo(_profile(), occ, request.form.get("delete_session") == "true")
        flash("Undone.", "success")
    except Problem as exc:
        flash(exc.detail, "error")
    return redirect(safe_next(request.form.get("next"), url_for("plans.index")))


@bp.get("/plans/occurrences/<uuid:occurrence_id>/reschedule")
@login_required
def reschedule(occurrence_id: uuid.UUID):
    profile = _profile()
    occ = _occurrence(occurrence_id)
    from zoneinfo import ZoneInfo

    local = occ.scheduled_start.astimezone(ZoneInfo(profile.timezone))
    minutes = round((occ.scheduled_end - occ.scheduled_start).total_seconds() / 60)
    form = {"start": local.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": minutes}
    return render_template("plans/reschedule.html", occ=occ, form=form, errors={})


@bp.post("/plans/occurrences/<uuid:occurrence_id>/reschedule")
@login_required
def submit_reschedule(occurrence_id: uuid.UUID):
    profile = _profile()
    occ = _occurrence(occurrence_id)
    try:
        services.reschedule(profile, occ, parse_form(RescheduleIn, request.form))
    except FormErrors as exc:
        return render_template(
            "plans/reschedule.html", occ=occ, form=request.form, errors=exc.messages
        ), 422
    except Problem as exc:
        flash(exc.detail, "error")
        return redirect(url_for("plans.index"))
    flash("Moved.", "success")
    return redirect(url_for("plans.index"))


# --- templates ---------------------------------------------------------------------------


@bp.post("/plans/<uuid:plan_id>/template")
@login_required
def save_template(plan_id: uuid.UUID):
    profile = _profile()
    try:
        sharing.save_as_template(profile, policy.owned_or_404(Plan, plan_id, profile))
    except DomainError as exc:
        flash(" ".join(exc.messages.values()), "error")
        return redirect(url_for("plans.detail", plan_id=plan_id))
    flash("Saved as a template (your private notes are not part of it).", "success")
    return redirect(url_for("plans.templates"))


@bp.get("/plans/templates")
@login_required
def templates():
    rows = db.session.scalars(
        policy.owned(PlanTemplate, _profile()).order_by(PlanTemplate.created_at.desc())
    ).all()
    return render_template("plans/templates.html", templates=rows, new_link=None)


@bp.post("/plans/templates/<uuid:template_id>/publish")
@login_required
def publish(template_id: uuid.UUID):
    template = policy.owned_or_404(PlanTemplate, template_id, _profile())
    link = sharing.publish(template)
    rows = db.session.scalars(
        policy.owned(PlanTemplate, _profile()).order_by(PlanTemplate.created_at.desc())
    ).all()
    return render_template("plans/templates.html", templates=rows, new_link=(template.id, link))


@bp.post("/plans/templates/<uuid:template_id>/unpublish")
@login_required
def unpublish(template_id: uuid.UUID):
    sharing.unpublish(policy.owned_or_404(PlanTemplate, template_id, _profile()))
    flash("The share link no longer works.", "success")
    return redirect(url_for("plans.templates"))


@bp.post("/plans/templates/<uuid:template_id>/delete")
@login_required
def delete_template(template_id: uuid.UUID):
    sharing.delete_template(policy.owned_or_404(PlanTemplate, template_id, _profile()))
    flash("Template deleted.", "success")
    return redirect(url_for("plans.templates"))


def _adopt_page(template, token=None, form=None, errors=None, status=200):
    profile = _profile()
    form = form or {
        "start_date": profile.today().isoformat(),
        "time_of_day": template.pattern.get("time_of_day", "18:00"),
        "days": [d for n, d in _template_days(template)],
    }
    return render_template(
        "plans/adopt.html",
        template=template,
        token=token,
        form=form,
        errors=errors or {},
        weekdays=WEEKDAY_LABELS,
        **_choices(profile),
    ), status


def _template_days(template):
    rule = template.pattern.get("rrule")
    if not rule:
        return []
    try:
        return [(n, d) for n, d in sched.parse_rrule(rule).byday if n is None]
    except sched.RuleError:
        return []


def _adopt_data(form, token=None, template_id=None) -> dict:
    choices = []
    for key in form:
        if key.startswith("slot-"):
            subject = forms.subject_of(form.get(key))
            slot = small_int(key[5:])
            if subject and slot is not None:
                choices.append({"slot": slot, **subject})
    return {
        "token": token,
        "template_id": template_id,
        "title": form.get("title") or None,
        "start_date": form.get("start_date") or None,
        "time_of_day": form.get("time_of_day") or None,
        "days": form.getlist("days"),
        "choices": choices,
    }


def _adopt(template, token, template_id):
    profile = _profile()
    try:
        fields = _adopt_data(request.form, token, template_id)
        data = AdoptIn.model_validate({k: v for k, v in fields.items() if v is not None})
        plan = sharing.adopt(profile, template, data)
    except FormErrors as exc:
        return _adopt_page(template, token, forms.sticky(request.form), exc.messages, 422)
    except ValidationError as exc:
        problem = validation_problem(exc)
        return _adopt_page(template, token, forms.sticky(request.form), problem.messages, 422)
    flash(f"“{plan.title}” is now one of your plans.", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


@bp.get("/plans/templates/shared")
@login_required
def shared():
    token = request.args.get("token")
    return _adopt_page(policy.shared_by_link_or_404(PlanTemplate, token), token)


@bp.post("/plans/templates/shared")
@login_required
def adopt_shared():
    token = request.form.get("token")
    return _adopt(policy.shared_by_link_or_404(PlanTemplate, token), token, None)


@bp.get("/plans/templates/<uuid:template_id>")
@login_required
def template(template_id: uuid.UUID):
    return _adopt_page(policy.owned_or_404(PlanTemplate, template_id, _profile()))


@bp.post("/plans/templates/<uuid:template_id>")
@login_required
def adopt_own(template_id: uuid.UUID):
    template = policy.owned_or_404(PlanTemplate, template_id, _profile())
    return _adopt(template, None, template.id)


# --- calendar feed (no login: the secret token is the permission) ----------------------------


@bp.get("/calendar/feed.ics")
def feed():
    profile = calendar.profile_for_token(request.args.get("token"))
    body = calendar.ics(profile)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="woodshed.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
