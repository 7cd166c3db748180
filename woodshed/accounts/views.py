"""Account pages: register, sign in/out, password reset and change, sessions, tokens, erasure."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from woodshed import ratelimit
from woodshed.accounts import mfa, services
from woodshed.accounts.models import User
from woodshed.accounts.schemas import (
    Credentials,
    EraseConfirm,
    MfaCode,
    PasswordChange,
    Registration,
    RegistrationConfirm,
    ResetConfirm,
    ResetRequest,
    TokenName,
)
from woodshed.db import db, utcnow
from woodshed.errors import DomainError
from woodshed.ratelimit import client_address
from woodshed.security import safe_next
from woodshed.timeutil import timezone_names
from woodshed.validation import parse_form

bp = Blueprint("accounts", __name__)


def _form_page(template: str, errors: dict | None = None, status: int = 200, **context):
    context.setdefault("form", request.form)
    return render_template(template, errors=errors or {}, **context), status


def sign_in(user) -> None:
    """Start a fresh server-side session (a new id at every sign-in) for this browser."""
    session.clear()
    raw = services.start_session(user, client_address(), request.user_agent.string or "")
    session["sid"] = raw
    session.permanent = True
    login_user(user)
    ratelimit.remember_device(user.email)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    mode = services.registration_mode()
    if mode == "closed":
        return render_template("accounts/register_closed.html"), 403
    if request.method == "GET":
        form = {"timezone": "UTC", "invite_code": request.args.get("code", "")[:32]}
        return _form_page("accounts/register.html", form=form, timezones=timezone_names())
    ratelimit.attempt(None)  # counted against the address, success or not
    try:
        data = parse_form(Registration, request.form)
        if mode == "verify":
            services.register_pending(data)
            return render_template("accounts/register_sent.html", email=data.email)
        result = services.register(data)
    except DomainError as exc:
        return _form_page("accounts/register.html", exc.messages, 422, timezones=timezone_names())
    if not result.created:
        # Open registration cannot hide that an address has an account (verify mode can);
        # its owner has been told by email.
        flash(
            "That address already has an account. Sign in, or reset the password if it is "
            "forgotten.",
            "info",
        )
        session["sign_in_email"] = data.email  # never in the URL (access logs, Referer)
        return redirect(url_for("accounts.login"))
    sign_in(result.user)
    if request.form.get("teach") == "true":
        return _start_teaching()
    if mode == "invite" and data.invite_code:
        # The new account sees what the inviting teacher would see, and accepts there.
        return redirect(url_for("teaching.join", code=data.invite_code.strip()))
    flash("Welcome to Woodshed! Your account is ready.", "success")
    return redirect(url_for("core.home"))


@bp.route("/register/confirm", methods=["GET", "POST"])
def register_confirm():
    """Mode `verify`: the emailed link, then the password chosen when registering."""
    token = request.values.get("token", "")[:200]
    pending = services.pending_registration(token)
    if request.method == "GET":
        return _form_page(
            "accounts/register_confirm.html", form={}, token=token, valid=pending is not None
        )
    attempt = ratelimit.attempt(pending.email if pending else None)
    try:
        data = parse_form(RegistrationConfirm, request.form)
        user = services.confirm_registration(data.token, data.password)
    except DomainError as exc:
        return _form_page(
            "accounts/register_confirm.html",
            exc.messages,
            422,
            form={},
            token=token,
            valid=pending is not None,
        )
    attempt.succeeded()
    sign_in(user)
    if request.form.get("teach") == "true":
        return _start_teaching()
    flash("Welcome to Woodshed! Your address is confirmed and your account is ready.", "success")
    return redirect(url_for("core.home"))


def _start_teaching():
    """'I teach' at sign-up: teaching needs two-factor authentication first, so the new
    account goes to enrol; teaching starts in Settings › Teaching once it is on."""
    flash(
        "Your account is ready. Turn on two-factor authentication: teaching needs it. "
        "Then start teaching in Settings › Teaching.",
        "success",
    )
    return redirect(url_for("accounts.security") + "#mfa")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("core.home")))
    if request.method == "GET":
        return _form_page("accounts/login.html", form={"email": session.pop("sign_in_email", "")})
    email = request.form.get("email", "")
    attempt = ratelimit.attempt(email)
    try:
        creds = parse_form(Credentials, request.form)
        user = services.authenticate(creds.email, creds.password)
    except DomainError:  # a failed attempt stays counted
        errors = {"email": "The email or password is not right."}
        return _form_page("accounts/login.html", errors, 401, form={"email": email})
    attempt.succeeded()
    if mfa.enabled(user):
        # The password was right; the account is signed in only after the second factor.
        session.clear()
        session["mfa_user"] = str(user.id)
        session["mfa_since"] = int(utcnow().timestamp())
        return redirect(url_for("accounts.login_mfa", next=request.args.get("next")))
    sign_in(user)
    return redirect(safe_next(request.args.get("next"), url_for("core.home")))


MFA_STEP_SECONDS = 300  # how long the code may take after the password


def _pending_mfa_user() -> User | None:
    """The account whose password this browser just gave, while its code is awaited."""
    raw, since = session.get("mfa_user"), session.get("mfa_since")
    if not raw or not isinstance(since, int):
        return None
    if utcnow().timestamp() - since > MFA_STEP_SECONDS:
        return None
    try:
        user = db.session.get(User, uuid.UUID(raw))
    except ValueError:
        return None
    return user if user is not None and not user.disabled else None


@bp.route("/login/mfa", methods=["GET", "POST"])
def login_mfa():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("core.home")))
    user = _pending_mfa_user()
    if user is None:
        session.pop("mfa_user", None)
        flash("Sign in again: enter your email and password first.", "info")
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    if request.method == "GET":
        return _form_page("accounts/login_mfa.html", form={})
    try:
        data = parse_form(MfaCode, request.form)
        mfa.check_code(user, data.code)
    except DomainError as exc:
        return _form_page("accounts/login_mfa.html", exc.messages, 401, form={})
    sign_in(user)
    return redirect(safe_next(request.args.get("next"), url_for("core.home")))


@bp.post("/logout")
def logout():
    services.end_session_by_token(session.get("sid"))
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("core.home"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    if request.method == "GET":
        return _form_page("accounts/reset_request.html")
    ratelimit.attempt_from_address()  # never the account's counter: no lockout by resets
    try:
        data = parse_form(ResetRequest, request.form)
    except DomainError as exc:
        return _form_page("accounts/reset_request.html", exc.messages, 422)
    services.request_password_reset(data.email)
    return render_template("accounts/reset_sent.html", email=data.email)


@bp.route("/reset/confirm", methods=["GET", "POST"])
def reset_confirm():
    token = request.values.get("token", "")
    if request.method == "GET":
        valid = services.reset_token_user(token) is not None
        return _form_page("accounts/reset_confirm.html", token=token, valid=valid)
    found = services.reset_token_user(token)
    attempt = ratelimit.attempt(found[0].email if found else None)
    try:
        data = parse_form(ResetConfirm, request.form)
        services.reset_password(data.token, data.new_password)
    except DomainError as exc:
        return _form_page(
            "accounts/reset_confirm.html", exc.messages, 422, token=token, valid=found is not None
        )
    attempt.succeeded()
    logout_user()
    session.clear()
    flash("Your password is changed. Sign in with the new one.", "success")
    return redirect(url_for("accounts.login"))


@bp.get("/settings/security")
@login_required
def security():
    return _security_page()


def _security_page(errors: dict | None = None, status: int = 200, new_token: str | None = None):
    user = current_user._get_current_object()
    mfa_on = mfa.enabled(user)
    return render_template(
        "accounts/security.html",
        sessions=services.list_sessions(user),
        current_session_id=g.get("auth_session_id"),
        tokens=services.list_api_tokens(user),
        new_token=new_token,
        mfa_enabled=mfa_on,
        mfa_required=mfa.required(user),
        recovery_codes_left=mfa.recovery_codes_left(user) if mfa_on else 0,
        errors=errors or {},
        form=request.form,
    ), status


# --- two-factor sign-in ---------------------------------------------------------------------


def _mfa_setup_page(errors: dict | None = None, status: int = 200):
    enrolment = mfa.pending(current_user)
    if enrolment is None:
        return redirect(url_for("accounts.security", _anchor="mfa"))
    return render_template(
        "accounts/mfa_setup.html", enrolment=enrolment, errors=errors or {}, form={}
    ), status


@bp.get("/settings/mfa/setup")
@login_required
def mfa_setup():
    return _mfa_setup_page()


@bp.post("/settings/mfa/setup")
@login_required
def mfa_begin():
    try:
        mfa.begin(current_user)
    except mfa.NOT_NOW as exc:
        flash(exc.detail, "error")
        return redirect(url_for("accounts.security", _anchor="mfa"))
    return redirect(url_for("accounts.mfa_setup"))


def _recovery_codes_page(codes: list[str]):
    return render_template("accounts/mfa_recovery_codes.html", codes=codes)


@bp.post("/settings/mfa/confirm")
@login_required
def mfa_confirm():
    try:
        data = parse_form(MfaCode, request.form)
        codes = mfa.confirm(current_user, data.code)
    except DomainError as exc:
        return _mfa_setup_page(exc.messages, 422)
    except mfa.NOT_NOW as exc:
        flash(exc.detail, "error")
        return redirect(url_for("accounts.security", _anchor="mfa"))
    return _recovery_codes_page(codes)


@bp.post("/settings/mfa/recovery-codes")
@login_required
def mfa_recovery_codes():
    try:
        data = parse_form(MfaCode, request.form)
        codes = mfa.regenerate_recovery_codes(current_user, data.code)
    except DomainError as exc:
        return _security_page({"recovery_code_confirm": exc.messages.get("code", "")}, 422)
    except mfa.NOT_NOW as exc:
        flash(exc.detail, "error")
        return redirect(url_for("accounts.security", _anchor="mfa"))
    return _recovery_codes_page(codes)


@bp.post("/settings/mfa/disable")
@login_required
def mfa_disable():
    try:
        data = parse_form(MfaCode, request.form)
        mfa.disable(current_user, data.code)
    except DomainError as exc:
        return _security_page({"disable_code": exc.messages.get("code", "")}, 422)
    except mfa.NOT_NOW as exc:
        flash(exc.detail, "error")
        return redirect(url_for("accounts.security", _anchor="mfa"))
    flash("Two-factor sign-in is off.", "success")
    return redirect(url_for("accounts.security", _anchor="mfa"))


@bp.post("/settings/password")
@login_required
def change_password():
    try:
        data = parse_form(PasswordChange, request.form)
        services.change_password(
            current_user,
            data.current_password,
            data.new_password,
            data.end_other_sessions,
            g.get("auth_session_id"),
        )
    except DomainError as exc:
        return _security_page(exc.messages, 422)
    flash(
        "Password changed."
        + (" Other devices are signed out." if request.form.get("end_other_sessions") else ""),
        "success",
    )
    return redirect(url_for("accounts.security"))


@bp.post("/settings/sessions/<uuid:session_id>/end")
@login_required
def end_session(session_id: uuid.UUID):
    if not services.end_session(current_user, session_id):
        abort(404)
    if session_id == g.get("auth_session_id"):
        logout_user()
        session.clear()
        return redirect(url_for("accounts.login"))
    flash("That session is signed out.", "success")
    return redirect(url_for("accounts.security"))


@bp.post("/settings/sessions/end-others")
@login_required
def end_other_sessions():
    count = services.end_all_sessions(current_user, keep=g.get("auth_session_id"))
    flash(f"Signed out {count} other session{'s' if count != 1 else ''}.", "success")
    return redirect(url_for("accounts.security"))


@bp.post("/settings/tokens")
@login_required
def create_token():
    try:
        data = parse_form(TokenName, request.form)
    except DomainError as exc:
        return _security_page(exc.messages, 422)
    raw, _token = services.issue_api_token(current_user, data.name or "API token")
    return _security_page(new_token=raw)


@bp.post("/settings/tokens/<uuid:token_id>/revoke")
@login_required
def revoke_token(token_id: uuid.UUID):
    if not services.revoke_api_token(current_user, token_id):
        abort(404)
    flash("Token revoked.", "success")
    return redirect(url_for("accounts.security"))


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    if request.method == "GET":
        return _form_page("accounts/delete.html")
    try:
        data = parse_form(EraseConfirm, request.form)
        services.erase_account(current_user, data.confirm_email)
    except DomainError as exc:
        return _form_page("accounts/delete.html", exc.messages, 422)
    logout_user()
    session.clear()
    flash("Your account and everything in it are erased.", "info")
    return redirect(url_for("core.home"))
