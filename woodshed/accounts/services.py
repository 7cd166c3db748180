"""Everything that changes an account: registration, sign-in, sessions, tokens, passwords,
erasure. Services flush; the request or the job commits."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app, url_for

from woodshed import mail, outbox, ratelimit
from woodshed.accounts import passwords
from woodshed.accounts.models import (
    ApiToken,
    AuthSession,
    PasswordResetToken,
    PendingRegistration,
    User,
)
from woodshed.accounts.schemas import Registration
from woodshed.config import base_url
from woodshed.db import bookkeeping, db, new_id, rowcount, utcnow
from woodshed.errors import DomainError
from woodshed.profiles import services as profiles
from woodshed.tokens import generate_token, hash_token
from woodshed.validation import normalise_email

log = logging.getLogger("woodshed.security")

signals = Namespace()
#: Sent with the user just before an account is erased (features remove stored files).
account_erasing = signals.signal("account-erasing")

SESSION_TOUCH_SECONDS = 60


class AuthFailed(DomainError):
    def __init__(self) -> None:
        super().__init__(
            {"email": "The email or password is not right."}, "The email or password is not right."
        )
        self.status = 401
        self.title = "Unauthorized"


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# --- registration ----------------------------------------------------------------------


@dataclass
class RegistrationResult:
    """What registration answers; identical in shape whether or not the email was taken."""

    user: User
    created: bool


def registration_mode() -> str:
    """`open`, `verify`, `invite` or `closed` (WOODSHED_REGISTRATION_MODE)."""
    return current_app.config["REGISTRATION_MODE"]


def register(data: Registration) -> RegistrationResult:
    """Create an account with its own musician profile (modes `open` and `invite`).

    An address that already has an account gets a friendly email instead, and the API
    caller sees the same shape (an unsaved user object). Only mode `verify` makes the
    answers identical in every respect (see `register_pending`).
    """
    if registration_mode() == "invite":
        check_invite_code(data.invite_code)
    email = normalise_email(data.email)
    password_hash = passwords.hash_password(data.password)  # same cost either way
    existing = find_user_by_email(email)
    if existing is not None:
        _mail_existing_account(existing)
        # Indistinguishable from a new account: a time-ordered id, every default set.
        ghost = User(id=new_id(), email=email, password_hash="", is_admin=False, disabled=False)
        ghost.profile = profiles.new_profile_object(data.display_name, data.timezone)
        return RegistrationResult(ghost, created=False)
    user = User(email=email, password_hash=password_hash)
    user.profile = profiles.new_profile_object(data.display_name, data.timezone)
    db.session.add(user)
    db.session.flush()
    log.info("account registered user=%s", user.id)
    return RegistrationResult(user, created=True)


def check_invite_code(raw: str | None) -> None:
    """Mode `invite`: the code must name an open invitation of a teacher (it is used when
    the new account joins that teacher, after registering)."""
    from woodshed.teaching import services as teaching

    if not raw or not teaching.invite_is_open(raw):
        raise DomainError(
            {
                "invite_code": "Registration here needs an invitation code from a teacher. "
                "Check each letter, or ask for a new code."
            }
        )


def register_pending(data: Registration) -> None:
    """Mode `verify`: remember the registration and email a link to the address.

    Nothing in the answer depends on the address: a new address gets the link, one that
    has an account gets a note saying so, and both cost one password hash and one queued
    email. The account exists only once the link is opened and the password typed again
    (`confirm_registration`)."""
    email = normalise_email(data.email)
    password_hash = passwords.hash_password(data.password)
    existing = find_user_by_email(email)
    if existing is not None:
        _mail_existing_account(existing)
        return
    raw = generate_token()
    hours = current_app.config["REGISTRATION_LINK_HOURS"]
    db.session.execute(sa.delete(PendingRegistration).where(PendingRegistration.email == email))
    db.session.add(
        PendingRegistration(
            email=email,
            password_hash=password_hash,
            display_name=data.display_name,
            timezone=data.timezone,
            token_hash=hash_token(raw),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    db.session.flush()
    message = mail.render_mail(
        email,
        "Confirm your address to create your Woodshed account",
        "confirm_registration",
        confirm_url=absolute_url("accounts.register_confirm", token=raw),
        hours=hours,
        reset_url=absolute_url("accounts.reset_request"),
    )
    outbox.queue(message, "confirm_registration")
    log.info("registration waiting for its address to be confirmed")


def pending_registration(raw: str) -> PendingRegistration | None:
    if not raw or len(raw) > 100:
        return None
    row = db.session.scalar(
        sa.select(PendingRegistration).where(PendingRegistration.token_hash == hash_token(raw))
    )
    if row is None or row.expires_at <= utcnow():
        return None
    return row


class InvalidRegistrationLink(DomainError):
    def __init__(self) -> None:
        super().__init__(
            {"token": "This link is invalid or has expired. Register again for a new one."}
        )


def confirm_registration(raw: str, password: str) -> User:
    """Create the account of a pending registration: its link and its password, once."""
    row = pending_registration(raw)
    if row is None:
        raise InvalidRegistrationLink()
    if not passwords.verify_password(row.password_hash, password):
        raise DomainError({"password": "That is not the password chosen when registering."})
    email = row.email
    if find_user_by_email(email) is not None:  # registered meanwhile (another mode, admin)
        db.session.delete(row)
        db.session.flush()
        raise DomainError({"token": "This address has an account already. Sign in instead."})
    user = User(email=email, password_hash=row.password_hash)
    user.profile = profiles.new_profile_object(row.display_name, row.timezone)
    db.session.add(user)
    db.session.delete(row)
    db.session.flush()
    log.info("account registered with a confirmed address user=%s", user.id)
    return user


def _mail_existing_account(user: User) -> None:
    message = mail.render_mail(
        user.email,
        "Someone tried to create a Woodshed account with your address",
        "existing_account",
        login_url=absolute_url("accounts.login"),
        reset_url=absolute_url("accounts.reset_request"),
    )
    outbox.queue(message, "existing_account")


def absolute_url(endpoint: str, **values) -> str:
    path = url_for(endpoint, **values)
    return base_url() + path


# --- signing in --------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials or raise AuthFailed (always one hash check)."""
    user = find_user_by_email(email) if len(email) <= 254 else None
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        log.warning("sign-in failed for an account address (user=%s)", user.id if user else "-")
        raise AuthFailed()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


def start_session(user: User, ip: str, user_agent: str) -> str:
    """Record a new signed-in browser and return the raw token for its cookie."""
    raw = generate_token()
    db.session.add(
        AuthSession(
            user_id=user.id, token_hash=hash_token(raw), ip=ip[:64], user_agent=user_agent[:300]
        )
    )
    db.session.flush()
    return raw


def _session_expired(row: AuthSession, now: datetime) -> bool:
    cfg = current_app.config
    idle = timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = timedelta(days=cfg["SESSION_MAX_DAYS"])
    return now - row.last_seen_at > idle or now - row.created_at > absolute


def session_for_token(raw: str | None) -> AuthSession | None:
    """The live session for a cookie token; expired ones are deleted on sight."""
    if not raw or len(raw) > 100:
        return None
    row = db.session.scalar(sa.select(AuthSession).where(AuthSession.token_hash == hash_token(raw)))
    if row is None:
        return None
    now = utcnow()
    if _session_expired(row, now) or row.user.disabled:
        with bookkeeping("deleting an ended sign-in session"):
            db.session.delete(row)
        return None
    if (now - row.last_seen_at).total_seconds() > SESSION_TOUCH_SECONDS:
        with bookkeeping("a sign-in session's last use"):
            row.last_seen_at = now
    return row


def list_sessions(user: User) -> list[AuthSession]:
    return list(
        db.session.scalars(
            sa.select(AuthSession)
            .where(AuthSession.user_id == user.id)
            .order_by(AuthSession.last_seen_at.desc())
        )
    )


def end_session(user: User, session_id: uuid.UUID) -> bool:
    result = db.session.execute(
        sa.delete(AuthSession).where(AuthSession.id == session_id, AuthSession.user_id == user.id)
    )
    return rowcount(result) > 0


def end_session_by_token(raw: str | None) -> None:
    if raw:
        db.session.execute(sa.delete(AuthSession).where(AuthSession.token_hash == hash_token(raw)))


def end_all_sessions(user: User, keep: uuid.UUID | None = None) -> int:
    stmt = sa.delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    return rowcount(db.session.execute(stmt))


# --- API tokens ---------------------------------------------------------------------------


def issue_api_token(user: User, name: str = "") -> tuple[str, ApiToken]:
    raw = generate_token()
    days = current_app.config["TOKEN_DAYS"]
    token = ApiToken(
        user_id=user.id,
        token_hash=hash_token(raw),
        name=name[:100],
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_api_token(raw: str) -> tuple[User, ApiToken] | None:
    if not raw or len(raw) > 100:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.expires_at <= utcnow() or token.user.disabled:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with bookkeeping("an API token's last use"):
            token.last_used_at = now
    return token.user, token


def list_api_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_api_token(user: User, token_id: uuid.UUID) -> bool:
    result = db.session.execute(
        sa.delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    return rowcount(result) > 0


# --- passwords ----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Queue a single-use reset link if the address has an account; say nothing either way.

    Each address gets at most WOODSHED_RESET_MAIL_LIMIT reset emails (1 per 5 minutes and
    3 a day by default); past that the request is answered the same and nothing is sent."""
    user = find_user_by_email(email) if len(email) <= 254 else None
    if user is None or user.disabled:
        passwords.hash_password("timing-equaliser")  # the known path costs a token + a mail
        log.info("password reset requested for an unknown address")
        return
    if not ratelimit.may_send_reset_mail(user.email):
        log.warning("password reset mail held back (limit for the address) user=%s", user.id)
        return
    raw = generate_token()
    minutes = current_app.config["RESET_TOKEN_MINUTES"]
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=hash_token(raw),
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    db.session.flush()
    message = mail.render_mail(
        user.email,
        "Reset your Woodshed password",
        "password_reset",
        reset_url=absolute_url("accounts.reset_confirm", token=raw),
        minutes=minutes,
    )
    outbox.queue(message, "password_reset")
    log.info("password reset queued user=%s", user.id)


def reset_token_user(raw: str) -> tuple[User, PasswordResetToken] | None:
    if not raw or len(raw) > 100:
        return None
    row = db.session.scalar(
        sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(raw))
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    user = db.session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    return user, row


class InvalidResetToken(DomainError):
    def __init__(self) -> None:
        super().__init__({"token": "This reset link is invalid or has expired; ask for a new one."})


def set_new_password(user: User, new_password: str) -> None:
    problem = passwords.policy_problem(new_password)
    if problem:
        raise DomainError({"new_password": problem})
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()


def reset_password(raw: str, new_password: str) -> User:
    """Use a reset token once: set the password and end every session and API token."""
    found = reset_token_user(raw)
    if found is None:
        log.warning("password reset with an invalid token")
        raise InvalidResetToken()
    user, row = found
    set_new_password(user, new_password)
    row.used_at = utcnow()
    db.session.execute(
        sa.delete(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.id != row.id
        )
    )
    end_all_sessions(user)
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    log.info("password reset completed user=%s", user.id)
    return user


def change_password(
    user: User, current: str, new: str, end_others: bool, keep_session: uuid.UUID | None
) -> None:
    if not passwords.verify_password(user.password_hash, current):
        log.warning("password change with a wrong current password user=%s", user.id)
        raise DomainError({"current_password": "The current password is not right."})
    set_new_password(user, new)
    if end_others:
        end_all_sessions(user, keep=keep_session)
        db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))


# --- erasure and administration ----------------------------------------------------------


def erase_account(user: User, confirm_email: str) -> None:
    """Delete the account and everything its profile owns, after the email is typed."""
    if normalise_email(confirm_email or "") != user.email:
        raise DomainError({"confirm_email": "Type the email address of this account to confirm."})
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    account_erasing.send(app, user=user)
    user_id = user.id
    db.session.delete(user)
    db.session.flush()
    db.after_commit(db.checkpoint)  # SQLite: the erased rows leave the write-ahead log too
    log.info("account erased user=%s", user_id)


def create_admin(email: str, password: str) -> User:
    problem = passwords.policy_problem(password)
    if problem:
        raise DomainError({"password": problem})
    user = find_user_by_email(email)
    if user is None:
        user = User(email=normalise_email(email), password_hash=passwords.hash_password(password))
        user.profile = profiles.new_profile_object(email.split("@")[0][:100], "UTC")
        db.session.add(user)
    else:
        user.password_hash = passwords.hash_password(password)
    user.is_admin = True
    db.session.flush()
    return user


def set_disabled(user: User, disabled: bool) -> None:
    """Admin action: a disabled account is signed out everywhere at once."""
    user.disabled = disabled
    if disabled:
        end_all_sessions(user)
        db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    log.info("account %s user=%s", "disabled" if disabled else "enabled", user.id)
