"""Journal pages: the list with filters and search, the log form, an entry, quick log, timer."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from woodshed import policy
from woodshed.comments import services as comments
from woodshed.db import check_version, utcnow
from woodshed.errors import DomainError, PreconditionFailed
from woodshed.family import services as family
from woodshed.journal import forms, history, merge, queries, services
from woodshed.journal.models import RATINGS, PracticeSession
from woodshed.journal.schemas import QuickLogIn, SessionFields, SessionIn, SessionQuery
from woodshed.markdown import render_markdown
from woodshed.security import safe_next
from woodshed.validation import form_version, parse_form

bp = Blueprint("journal", __name__, url_prefix="/journal")
PAGE_SIZE = 25
RATING_LABELS = {r: r.capitalize() for r in RATINGS}


@bp.before_request
@login_required
def _signed_in():
    """Every journal page is personal."""


bp.add_app_template_filter(services.item_label, "item_label")
bp.add_app_template_filter(forms.day_words, "long_date")


@bp.app_template_filter("first_line")
def first_line(text: str | None, length: int = 160) -> str:
    """The first line of a Markdown text as plain words, shortened (for lists)."""
    line = next((ln for ln in (text or "").splitlines() if ln.strip()), "")
    plain = Markup(render_markdown(line)).striptags()  # noqa: S704 (sanitised, then stripped)
    return plain if len(plain) <= length else plain[: length - 1].rstrip() + "…"


def _profile():
    return policy.current_profile()


def _session(session_id: uuid.UUID) -> PracticeSession:
    return policy.owned_or_404(PracticeSession, session_id, _profile())


# --- the list ---------------------------------------------------------------------------


@bp.get("")
def index():
    profile = _profile()
    try:
        if request.args.get("limit"):
            query = parse_form(SessionQuery, request.args)
        else:
            query = parse_form(SessionQuery, request.args, limit=PAGE_SIZE)
        page = queries.journal_page(profile, query)
    except DomainError as exc:
        # A stale or tampered cursor has no input of its own: say it above the form.
        errors = {
            k if k in request.args and k != "cursor" else "_form": m
            for k, m in exc.messages.items()
        }
        return _list_page(queries.journal_page(profile, None), errors, 422)
    return _list_page(page)


# The filters a journal URL may carry (never url_for's own `_external`, `_scheme` …).
FILTER_NAMES = tuple(
    info.alias or name for name, info in SessionQuery.model_fields.items() if name != "cursor"
)


def _list_page(page: queries.JournalPage, errors: dict | None = None, status: int = 200):
    args: dict[str, Any] = {k: v for k, v in request.args.items() if v and k in FILTER_NAMES}
    older = url_for("journal.index", **args, cursor=page.next_cursor) if page.next_cursor else None
    return render_template(
        "journal/index.html",
        page=page,
        filters=request.args,
        errors=errors or {},
        older_url=older,
        newest_url=url_for("journal.index", **args) if request.args.get("cursor") else None,
        filtering=any(k != "limit" for k in args),
        filters_open=any(k not in ("q", "limit") for k in args),
        ratings=RATING_LABELS,
    ), status


# --- logging and editing ----------------------------------------------------------------


def session_form_page(
    form: forms.SessionForm,
    errors: dict | None = None,
    status: int = 200,
    session: PracticeSession | None = None,
    action: str | None = None,
    conflict: bool = False,
    start_follows_duration: bool = False,
    base: str = "",
):
    """Render the log form (new or edit); other features may prefill it with `forms.prefill`.

    An edit carries `base`: the entry as it was when the form was opened, so a save made
    offline and sent later is merged field by field into what the entry is by then."""
    profile = _profile()
    linked = [uuid.UUID(g) for g in form.values.get("goal_ids", []) if _is_uuid(g)]
    errors = errors or {}
    return render_template(
        "journal/form.html",
        form=form,
        errors=errors,
        summary=forms.summary(errors),
        choices=queries.choices(profile, linked),
        session=session,
        action=action
        or (url_for("journal.update", session_id=session.id) if session else url_for(".create")),
        conflict=conflict,
        base=base,
        ratings=RATING_LABELS,
        now_local=forms.local_input(utcnow(), profile.timezone),
        rendered_at=int(utcnow().timestamp() * 1000),
        profile=profile,
        start_follows_duration=start_follows_duration,
    ), status


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@bp.get("/new")
def new():
    profile = _profile()
    form = forms.prefill_from_args(request.args, profile.timezone, utcnow())
    if not form.values["instrument_id"]:
        default = queries.default_instrument_id(profile)
        form.values["instrument_id"] = str(default) if default else ""
    # Without a start given, it is now; with JavaScript, now minus the duration typed.
    return session_form_page(form, start_follows_duration="started_at" not in request.args)


@bp.post("/new")
def create():
    profile = _profile()
    form = forms.SessionForm.submitted(request.form)
    try:
        data = form.validate(SessionIn, profile)
        session, created = services.create_session(profile, data, editor_id=current_user.id)
    except DomainError as exc:
        return session_form_page(form, form.errors(exc), 422)
    if created:
        flash(f"Logged. It counts for {forms.day_words(session.practice_date)}.", "success")
    else:
        flash("This entry was already saved.", "info")
    return redirect(url_for("journal.show", session_id=session.id))


@bp.get("/<uuid:session_id>")
def show(session_id: uuid.UUID):
    return entry_page(_session(session_id))


def entry_page(
    session: PracticeSession,
    *,
    comment_errors=None,
    comment_form=None,
    signoff_errors=None,
    signoff_form=None,
    status=200,
):
    """The session's page; a refused comment or guardian's sign-off form comes back with
    what was typed and what to fix (`comment_*`, `signoff_*`)."""
    from woodshed.recordings import services as recordings

    profile = _profile()
    names = {str(i.id): i.name for i in profile.instruments}
    return render_template(
        "journal/entry.html",
        session=session,
        history=history.revision_lines(session, names),
        ratings=RATING_LABELS,
        threads=comments.session_threads(session, profile, current_user),
        takes=recordings.recordings_of(profile, session_id=session.id),
        comment_profile=profile,
        comment_errors=comment_errors or {},
        comment_form=comment_form or {},
        signoff_errors=signoff_errors or {},
        signoff_form=signoff_form or {},
        **family.signoff_context(current_user, profile, session),
    ), status


@bp.get("/<uuid:session_id>/edit")
def edit(session_id: uuid.UUID):
    session = _session(session_id)
    fields = services.full_fields(session)
    form = forms.SessionForm.from_fields(fields, _profile().timezone, session.version)
    return session_form_page(form, session=session, base=merge.base_json(fields))


@bp.post("/<uuid:session_id>/edit")
def update(session_id: uuid.UUID):
    profile = _profile()
    session = _session(session_id)
    form = forms.SessionForm.submitted(request.form)
    # The offline app (static/js/offline.js) stamps when the form was saved; such a form,
    # opened before another change, is merged field by field instead of refused.
    base = merge.read_base(request.form.get("base")) if request.form.get("edited_at") else None
    kept = []
    try:
        if base is None or form.version is None:
            check_version(session, form.version)
        data = form.validate(SessionFields, profile)
        if base is not None and form.version is not None and form.version != session.version:
            # Opened before another change (another device, or saved offline and sent
            # now): merge what this form changed into the entry as it is.
            kept = merge.merge_form(
                profile,
                session,
                form.version,
                base,
                data.model_dump(),
                edited_at=merge.read_time(request.form.get("edited_at")),
                editor_id=current_user.id,
            )
        else:
            changes = forms.keep_stored_start(data.model_dump(), session.started_at)
            services.update_session(
                profile,
                session,
                changes,
                editor_id=current_user.id,
                edited_at=merge.read_time(request.form.get("edited_at")),
            )
    except PreconditionFailed:
        # Keep what they typed; the next save (now knowingly) replaces the newer version.
        form.values["version"] = str(session.version)
        return session_form_page(
            form, status=409, session=session, conflict=True, base=request.form.get("base", "")
        )
    except DomainError as exc:
        return session_form_page(
            form, form.errors(exc), 422, session=session, base=request.form.get("base", "")
        )
    if kept:
        flash(
            f"Saved. This entry was also changed elsewhere: {len(kept)} "
            f"{'field is' if len(kept) == 1 else 'fields are'} in Offline and sync "
            "for you to choose.",
            "info",
        )
    else:
        flash("Saved.", "success")
    return redirect(url_for("journal.show", session_id=session.id))


@bp.get("/<uuid:session_id>/delete")
def confirm_delete(session_id: uuid.UUID):
    return render_template("journal/delete.html", session=_session(session_id))


@bp.post("/<uuid:session_id>/delete")
def delete(session_id: uuid.UUID):
    session = _session(session_id)
    try:
        check_version(session, form_version(request.form))
    except PreconditionFailed:
        return render_template("journal/delete.html", session=session, conflict=True), 409
    services.delete_session(session)
    flash(f"The entry of {forms.day_words(session.practice_date)} was deleted.", "success")
    return redirect(url_for("journal.index"))


# --- quick log and timer ----------------------------------------------------------------


@bp.post("/quick")
def quick():
    profile = _profile()
    try:
        data = parse_form(
            QuickLogIn, forms.quick_data(request.form), context=forms.form_context(profile)
        )
        session, _ = services.quick_log(profile, data, editor_id=current_user.id)
    except DomainError as exc:
        errors = {forms.quick_input_for(k): m for k, m in reversed(exc.messages.items())}
        context = queries.quick_log_context(profile)
        return render_template(
            "journal/quick.html",
            panel_context=context,
            quick_form=request.form,
            quick_errors=errors,
        ), 422
    link = url_for("journal.edit", session_id=session.id)
    flash(
        Markup('Logged {} ({}). <a href="{}">Add details</a>').format(
            f"{session.duration_minutes} min",
            forms.day_words(session.practice_date),
            link,
        ),
        "success",
    )
    return redirect(safe_next(request.form.get("next"), url_for("core.home")))


@bp.get("/timer")
def timer():
    return render_template("journal/timer.html", context=queries.quick_log_context(_profile()))
