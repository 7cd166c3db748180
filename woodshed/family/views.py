"""Pages: the family (children, second guardians, consent, the PIN) and kid mode.

`family` pages are the guardian's own (never under a child's `/children/<id>/` prefix);
`guardian` pages act on the child the prefix names, through the gate: kid mode's home,
leaving it, and a guardian's note or sign-off on a session; `family_move` is the emailed
link that turns a child's profile into the child's own account (no one signed in needed).
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from woodshed import policy, ratelimit
from woodshed.accounts.views import sign_in
from woodshed.errors import DomainError, Problem, TooManyRequests
from woodshed.family import services
from woodshed.family.models import NOTICE_VERSION
from woodshed.family.schemas import MoveAccept, MoveIn
from woodshed.journal.models import PracticeSession
from woodshed.journal.views import entry_page
from woodshed.stats import badges
from woodshed.stats import services as stats
from woodshed.teaching.services import TEACHER_LABELS
from woodshed.templating import child_url
from woodshed.validation import parse_form, small_int

bp = Blueprint("family", __name__, url_prefix="/family")
guardian_bp = Blueprint("guardian", __name__)
move_bp = Blueprint("family_move", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every family page is the guardian's own."""


@guardian_bp.before_request
@login_required
def _signed_in_for_child():
    """Kid mode and sign-offs act on a profile the gate has let through."""


def _user():
    return current_user._get_current_object()


def _consent(form) -> SimpleNamespace:
    return SimpleNamespace(
        accepted=form.get("consent") == "yes",
        notice_version=form.get("notice_version") or NOTICE_VERSION,
    )


def _page(errors=None, form=None, status=200, code=None, code_child=None):
    user = _user()
    children = services.children_of(user)
    moves = services.open_moves(children)
    rows = []
    for child in children:
        totals = stats.summary(child)
        rows.append(
            {
                "child": child,
                "week_minutes": totals["week_minutes"],
                "streak": totals["current_streak"],
                "guardians": services.guardians_of(child),
                "move": moves.get(child.id),
                "email": any(
                    c.kind == "child_email" and c.guardian_id == user.id
                    for c in services.consents(user, child)
                ),
            }
        )
    return render_template(
        "family/index.html",
        rows=rows,
        requests=services.pending_requests(user),
        has_pin=services.has_pin(user),
        errors=errors or {},
        form=form or {},
        code=code,
        code_child=code_child,
        notice_version=NOTICE_VERSION,
    ), status


@bp.get("")
def index():
    return _page()


@bp.route("/children/new", methods=["GET", "POST"])
def new_child():
    if request.method == "GET":
        return render_template(
            "family/new_child.html", errors={}, form={}, notice_version=NOTICE_VERSION
        )
    form = request.form
    raw_year = form.get("birth_year", "").strip()
    year = small_int(raw_year) if raw_year else None
    try:
        if raw_year and year is None:
            raise DomainError({"birth_year": "Give the year as four digits, or leave it empty."})
        child = services.create_child(
            _user(),
            form.get("display_name", ""),
            year,
            [s for s in form.get("instruments", "").split(",") if s.strip()],
            _consent(form),
        )
    except (DomainError, services.ConsentRequired) as exc:
        errors = exc.messages if isinstance(exc, DomainError) else {"consent": exc.detail}
        return render_template(
            "family/new_child.html", errors=errors, form=form, notice_version=NOTICE_VERSION
        ), exc.status
    flash(f"{child.display_name}'s profile is ready. Switch to it from the menu.", "success")
    return redirect(url_for("family.index"))


@bp.get("/children/<uuid:child_id>")
def child(child_id: uuid.UUID):
    """One child for their guardian: who else is a guardian, which teachers see the child
    (what they may do, since when; ending a link here), and the consents on record."""
    user = _user()
    child = services.child_of(user, child_id)
    return render_template(
        "family/child.html",
        child=child,
        guardians=services.guardians_of(child),
        teachers=services.teacher_links(user, child),
        consents=services.consents(user, child),
        labels=TEACHER_LABELS,
    )


@bp.post("/children/<uuid:child_id>/delete")
def delete_child(child_id: uuid.UUID):
    child = services.child_of(_user(), child_id)
    if request.form.get("confirm_name", "").strip() != child.display_name:
        flash(f"Type {child.display_name}'s name to erase the profile.", "error")
        return _page(errors={f"confirm_name-{child.id}": "Type the child's name."}, status=422)
    name = child.display_name
    services.erase_child(_user(), child)
    flash(f"{name}'s profile and everything in it are erased.", "success")
    return redirect(url_for("family.index"))


@bp.post("/children/<uuid:child_id>/guardian-invite")
def invite_guardian(child_id: uuid.UUID):
    child = services.child_of(_user(), child_id)
    _invite, code = services.invite_guardian(_user(), child)
    from woodshed.teaching.codes import shown_code

    return _page(code=shown_code(code), code_child=child)


@bp.post("/children/<uuid:child_id>/email")
def allow_email(child_id: uuid.UUID):
    child = services.child_of(_user(), child_id)
    try:
        services.allow_email(_user(), child, _consent(request.form))
    except services.ConsentRequired as exc:
        return _page(errors={f"consent-{child.id}": exc.detail}, status=403)
    flash(f"Email about {child.display_name} now comes to you.", "success")
    return redirect(url_for("family.index"))


@bp.post("/children/<uuid:child_id>/move")
def invite_move(child_id: uuid.UUID):
    child = services.child_of(_user(), child_id)
    attempt = ratelimit.attempt_from_address()  # refusals tell whether an address is known
    try:
        data = parse_form(MoveIn, request.form)
        move, _raw = services.invite_move(_user(), child, str(data.email))
    except DomainError as exc:
        errors = {f"{key}-{child.id}": text for key, text in exc.messages.items()}
        form = {f"email-{child.id}": request.form.get("email", "")}
        return _page(errors=errors, form=form, status=422)
    attempt.succeeded()
    flash(
        f"A link is on its way to {move.email}: opening it within {services.MOVE_DAYS} days "
        f"makes {child.display_name}'s profile an account of their own.",
        "success",
    )
    return redirect(url_for("family.index"))


@bp.post("/children/<uuid:child_id>/leave")
def leave_child(child_id: uuid.UUID):
    child = services.child_of(_user(), child_id)
    services.leave_child(_user(), child)
    flash(f"You are no longer {child.display_name}'s guardian here.", "success")
    return redirect(url_for("family.index"))


@bp.post("/children/<uuid:child_id>/kid")
def enter_kid_mode(child_id: uuid.UUID):
    child = services.child_of(_user(), child_id)
    try:
        services.enter_kid_mode(_user(), child)
    except DomainError as exc:
        return _page(errors=exc.messages, status=422)
    return redirect(child_url(child.id, "guardian.kid_home"))


@bp.post("/join")
def join():
    try:
        link = services.redeem_guardian_code(_user(), request.form.get("code", ""))
    except DomainError as exc:
        return _page(errors=exc.messages, form=request.form, status=422)
    flash(
        f"Asked to be {link.profile.display_name}'s guardian: their guardian accepts it on "
        "the Family page.",
        "success",
    )
    return redirect(url_for("family.index"))


@bp.post("/requests/<uuid:link_id>/accept")
def accept(link_id: uuid.UUID):
    try:
        link = services.accept_guardian(_user(), link_id)
    except DomainError as exc:
        return _page(errors=exc.messages, status=422)
    flash(f"{link.user.profile.display_name} is now a guardian too.", "success")
    return redirect(url_for("family.index"))


@bp.post("/requests/<uuid:link_id>/decline")
def decline(link_id: uuid.UUID):
    services.decline_guardian(_user(), link_id)
    flash("Request declined.", "success")
    return redirect(url_for("family.index"))


@bp.post("/pin")
def set_pin():
    try:
        services.set_pin(_user(), request.form.get("pin", ""), request.form.get("current_pin"))
    except DomainError as exc:
        return _page(errors=exc.messages, status=422)
    except TooManyRequests as exc:
        return _page(errors={"current_pin": exc.detail}, status=429)
    flash("Your kid-mode PIN is set.", "success")
    return redirect(url_for("family.index"))


# --- acting on the child (the gate has checked the prefix) ----------------------------------


def _child():
    profile = policy.current_profile()
    if profile is None or not profile.is_child:
        raise Problem(404, "Kid mode is for a child's profile.")
    return profile


@guardian_bp.get("/kid")
def kid_home():
    child = _child()
    if policy.kid_mode_profile_id() != child.id:
        services.enter_kid_mode(_user(), child)
    totals = stats.summary(child)
    stickers = [] if child.quiet else [b for b in badges.overview(child) if b["earned"]]
    return render_template("family/kid.html", child=child, totals=totals, stickers=stickers)


@guardian_bp.get("/kid/exit")
def kid_exit():
    return render_template("family/kid_exit.html", child=_child(), errors={})


@guardian_bp.post("/kid/exit")
def kid_leave():
    child = _child()
    try:
        services.leave_kid_mode(_user(), request.form.get("pin", ""))
    except (DomainError, TooManyRequests) as exc:
        errors = exc.messages if isinstance(exc, DomainError) else {"pin": exc.detail}
        page = render_template("family/kid_exit.html", child=child, errors=errors)
        return page, exc.status, exc.headers
    flash(f"You left kid mode; you are acting for {child.display_name}.", "success")
    return redirect(url_for("core.home"))


@guardian_bp.post("/journal/<uuid:session_id>/signoffs")
def signoff(session_id: uuid.UUID):
    profile = policy.signed_in_profile()
    session = policy.owned_or_404(PracticeSession, session_id, profile, lock=True)
    services.check_may_sign_off(_user(), profile)
    raw = request.form.get("item_index", "").strip()
    index = small_int(raw) if raw else None
    try:
        if raw and index is None:
            raise DomainError({"item_index": "Choose an item of this session."})
        services.add_signoff(
            _user(),
            profile,
            session,
            index,
            request.form.get("note", ""),
            request.form.get("answer", ""),
        )
    except DomainError as exc:
        typed = request.form.to_dict()
        return entry_page(session, signoff_errors=exc.messages, signoff_form=typed, status=422)
    flash("Signed off." if index is not None else "Note added.", "success")
    return redirect(url_for("journal.show", session_id=session.id))


# --- the emailed link: a child's profile becomes the child's own account -------------------


def _move_page(token: str, errors: dict | None = None, status: int = 200):
    problem, move, child = None, None, None
    try:
        move = services.move_for_token(token)
        child = services.profile_of_move(move)
    except DomainError as exc:
        problem = exc.messages.get("token")
    return render_template(
        "family/move.html",
        token=token,
        move=move,
        child=child,
        problem=problem,
        errors=errors or {},
        signed_in=current_user.is_authenticated,
    ), status


@move_bp.get("/profile-move")
def move_form():
    return _move_page(request.args.get("token", "")[:200])


@move_bp.post("/profile-move")
def move_accept():
    token = request.form.get("token", "")[:200]
    attempt = ratelimit.attempt(None)
    try:
        data = parse_form(MoveAccept, request.form)
        user, profile = services.accept_move(data.token, data.password)
    except DomainError as exc:
        return _move_page(token, exc.messages, 422)
    attempt.succeeded()
    sign_in(user)
    flash(
        f"Welcome! {profile.display_name}'s practice is your own account now: sign in "
        f"with {user.email} from now on.",
        "success",
    )
    return redirect(url_for("core.home"))
