"""Two-factor sign-in: TOTP (RFC 6238) and single-use recovery codes (SEC-MFA).

A code is checked against the time steps around now (±1 step of clock skew) and its step
is then stored, with a conditional UPDATE, as the newest one used: a code — or any older
one — is accepted once, even by two requests at the same moment. Recovery codes are kept
as SHA-256 only and marked used the same way. Every check counts against the account's
and the address's sign-in throttle (SEC-RL), so wrong codes drain the same counters as
wrong passwords.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa

from woodshed import ratelimit
from woodshed.accounts.models import RecoveryCode, TotpCredential, User
from woodshed.db import db, rowcount, utcnow
from woodshed.errors import Conflict, DomainError, Problem
from woodshed.tokens import hash_token

log = logging.getLogger("woodshed.security")

ISSUER = "Woodshed"
STEP_SECONDS = 30
DIGITS = 6
SKEW_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 16 characters of 32 (no 0, 1, I or O to misread) = 80 random bits per recovery code.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RECOVERY_LENGTH = 16


# --- who needs it --------------------------------------------------------------------------


def enabled(user: User) -> bool:
    """Whether the account signs in with a second factor (a confirmed TOTP secret)."""
    return (
        db.session.scalar(
            sa.select(TotpCredential.id).where(
                TotpCredential.user_id == user.id, TotpCredential.confirmed_at.is_not(None)
            )
        )
        is not None
    )


def required(user: User) -> bool:
    """Whether the account may not work without a second factor: admins and teachers."""
    return bool(user.is_admin or user.is_teacher)


def satisfied(user: User) -> bool:
    """Whether the account may use what needs two-factor sign-in right now."""
    return not required(user) or enabled(user)


# --- codes ---------------------------------------------------------------------------------


def step_at(when: datetime) -> int:
    """The RFC 6238 time step of an instant (T0 = 0, X = 30 s)."""
    return int(when.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    """The TOTP code of a base32 secret for one time step (HMAC-SHA1)."""
    return pyotp.TOTP(secret, digits=digits, interval=STEP_SECONDS).generate_otp(step)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The step within the skew window whose code this is, or None."""
    current = step_at(now)
    found = None
    for step in range(current - SKEW_STEPS, current + SKEW_STEPS + 1):
        # Compare every candidate, so the time taken says nothing about which matched.
        if hmac.compare_digest(code_at(secret, step).encode(), code.encode()):
            found = step
    return found


def _clean_totp(code: str) -> str | None:
    digits = "".join(code.split())
    return digits if len(digits) == DIGITS and digits.isascii() and digits.isdigit() else None


def _clean_recovery(code: str) -> str | None:
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\t")
    if len(cleaned) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_recovery_code(cleaned: str) -> str:
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def _use_step(credential: TotpCredential, step: int) -> bool:
    """Record `step` as used unless it (or a later one) was: True for the one winner."""
    result = db.session.execute(
        sa.update(TotpCredential)
        .where(
            TotpCredential.id == credential.id,
            sa.or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(credential)
    return rowcount(result) == 1


def _use_recovery_code(user: User, cleaned: str) -> bool:
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_token(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _credential(user: User, *, confirmed: bool) -> TotpCredential | None:
    row = db.session.scalar(sa.select(TotpCredential).where(TotpCredential.user_id == user.id))
    if row is None or (row.confirmed_at is not None) != confirmed:
        return None
    return row


def _accept(user: User, code: str, *, confirmed: bool = True, recovery: bool = True) -> str | None:
    """Which kind of code this was ("totp" or "recovery") if it is good now, else None."""
    credential = _credential(user, confirmed=confirmed)
    if credential is None:
        return None
    totp = _clean_totp(code)
    if totp is not None:
        step = _matching_step(credential.secret, totp, utcnow())
        return "totp" if step is not None and _use_step(credential, step) else None
    cleaned = _clean_recovery(code) if recovery else None
    if cleaned is not None and _use_recovery_code(user, cleaned):
        log.info("recovery code used user=%s", user.id)
        return "recovery"
    return None


class WrongCode(DomainError):
    """A code that is wrong, already used or from another account: a 422 on the field."""

    def __init__(self, field: str = "code") -> None:
        super().__init__(
            {field: "That code is not right or was already used. Enter the newest code."},
            "The two-factor code was not accepted.",
        )


def check_code(user: User, code: str, *, field: str = "code", confirmed: bool = True) -> str:
    """Accept a TOTP or recovery code for `user` (throttled), or raise WrongCode."""
    attempt = ratelimit.attempt(user.email)
    kind = _accept(user, code or "", confirmed=confirmed, recovery=confirmed)
    if kind is None:
        log.warning("two-factor code refused user=%s", user.id)
        raise WrongCode(field)
    attempt.succeeded()
    return kind


# --- sign-in by API token ------------------------------------------------------------------


class MfaRequired(Problem):
    def __init__(self) -> None:
        super().__init__(
            401,
            "This account uses two-factor sign-in: send `otp` (the code from your "
            "authenticator app) or a `recovery_code` with the email and password.",
            title="MFA required",
        )


class MfaInvalid(Problem):
    def __init__(self, field: str) -> None:
        super().__init__(
            401,
            "The two-factor code is not right or was already used.",
            title="MFA invalid",
        )
        self.errors = WrongCode(field).errors


def second_factor(user: User, otp: str | None, recovery_code: str | None) -> None:
    """The token endpoint's check after the password: 401 mfa-required or mfa-invalid."""
    if not enabled(user):
        return
    if not otp and not recovery_code:
        raise MfaRequired()
    field = "otp" if otp else "recovery_code"
    try:
        check_code(user, otp or recovery_code or "", field=field)
    except WrongCode:
        raise MfaInvalid(field) from None


# --- enrolment -----------------------------------------------------------------------------


@dataclass
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


def _enrolment(user: User, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff", svgclass="qr-code")
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=svg)


def begin(user: User) -> Enrolment:
    """A new secret waiting for its first code (replacing one never confirmed)."""
    existing = db.session.scalar(sa.select(TotpCredential).where(TotpCredential.user_id == user.id))
    if existing is not None and existing.confirmed_at is not None:
        raise Conflict("Two-factor sign-in is already on. Turn it off first to use a new app.")
    secret = pyotp.random_base32()
    if existing is None:
        db.session.add(TotpCredential(user_id=user.id, secret=secret))
    else:
        existing.secret, existing.created_at, existing.last_step = secret, utcnow(), None
    db.session.flush()
    return _enrolment(user, secret)


def pending(user: User) -> Enrolment | None:
    """The enrolment started but not confirmed yet (to show its QR code again)."""
    credential = _credential(user, confirmed=False)
    return None if credential is None else _enrolment(user, credential.secret)


def confirm(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with a first good code; return the new recovery codes."""
    if _credential(user, confirmed=False) is None:
        if enabled(user):
            raise Conflict("Two-factor sign-in is already on.")
        raise Conflict("Start setting up two-factor sign-in first.")
    check_code(user, code, confirmed=False)
    credential = _credential(user, confirmed=False)
    assert credential is not None  # check_code passed on it
    credential.confirmed_at = utcnow()
    log.info("two-factor sign-in turned on user=%s", user.id)
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones, shown only now."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_token(c)) for c in codes)
    db.session.flush()
    return [format_recovery_code(c) for c in codes]


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes, after a good code (the old ones stop working)."""
    if not enabled(user):
        raise Conflict("Two-factor sign-in is off.")
    check_code(user, code)
    log.info("recovery codes replaced user=%s", user.id)
    return new_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


class MustKeep(Problem):
    def __init__(self) -> None:
        super().__init__(403, "Teachers and administrators must keep two-factor sign-in on.")


#: Refusals about the state of the account's two-factor sign-in (pages show them as a note).
NOT_NOW = (Conflict, MustKeep)


def disable(user: User, code: str) -> None:
    """Turn two-factor sign-in off with a good code; never for those who must keep it."""
    if required(user):
        raise MustKeep()
    if not enabled(user):
        raise Conflict("Two-factor sign-in is already off.")
    check_code(user, code)
    db.session.execute(sa.delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    log.info("two-factor sign-in turned off user=%s", user.id)
