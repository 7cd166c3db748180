"""Account endpoints of the JSON API: register, tokens, password reset, erasure."""

from __future__ import annotations

import uuid

from flask import current_app, request

from woodshed.accounts import mfa, services
from woodshed.accounts.schemas import (
    Credentials,
    EraseConfirm,
    MfaCode,
    RecoveryCodesOut,
    Registration,
    ResetConfirm,
    ResetRequest,
    TokenInfo,
    TokenOut,
    TotpSetupOut,
)
from woodshed.api import ApiBlueprint, Message, bearer_token
from woodshed.errors import DomainError, NotFound, Problem
from woodshed.profiles.api import me_out
from woodshed.profiles.schemas import MeOut
from woodshed.ratelimit import check_auth, record_auth_attempt

api = ApiBlueprint("accounts_api", __name__, tag="Accounts")


@api.operation(
    "POST",
    "/auth/register",
    summary="Create an account",
    body=Registration,
    response=MeOut,
    status=201,
    auth=False,
    description="Answers the same for an address that already has an account "
    "(that person is told by email instead).",
    extra_responses={403: "Registration is closed on this instance."},
)
def register(body: Registration):
    if not current_app.config["REGISTRATION_OPEN"]:
        raise Problem(403, "Registration is closed on this instance.")
    check_auth(None)
    record_auth_attempt(None)
    result = services.register(body)
    return me_out(result.user, result.user.profile)  # the new account and its own profile


@api.operation(
    "POST",
    "/auth/token",
    summary="Exchange email and password for a bearer token",
    body=Credentials,
    response=TokenOut,
    status=201,
    auth=False,
    description="An account with two-factor sign-in also sends `otp` (or `recovery_code`); "
    "without it the answer is a 401 whose problem `type` ends in `mfa-required`, with a wrong "
    "or reused code one ending in `mfa-invalid`.",
    extra_responses={401: "Wrong email or password, or the two-factor code is missing or wrong."},
)
def issue_token(body: Credentials):
    check_auth(body.email)
    try:
        user = services.authenticate(body.email, body.password)
    except DomainError:
        record_auth_attempt(body.email)
        raise
    mfa.second_factor(user, body.otp, body.recovery_code)
    raw, _token = services.issue_api_token(user, request.user_agent.string or "API")
    return TokenOut(access_token=raw, expires_in=current_app.config["TOKEN_DAYS"] * 86400)


@api.operation(
    "DELETE", "/auth/token", summary="Revoke the bearer token used for this request", status=204
)
def revoke_current_token(user):
    raw = bearer_token()
    found = services.user_for_api_token(raw) if raw else None
    if found is None:
        raise Problem(400, "Only a bearer token can revoke itself; sign out in the browser.")
    services.revoke_api_token(user, found[1].id)


@api.operation("GET", "/auth/tokens", summary="List your API tokens", response=list[TokenInfo])
def list_tokens(user):
    return services.list_api_tokens(user)


@api.operation(
    "DELETE", "/auth/tokens/<uuid:token_id>", summary="Revoke one of your API tokens", status=204
)
def revoke_token(user, token_id: uuid.UUID):
    if not services.revoke_api_token(user, token_id):
        raise NotFound()


@api.operation(
    "POST",
    "/auth/password-reset",
    summary="Email a password-reset link",
    body=ResetRequest,
    response=Message,
    status=202,
    auth=False,
    description="Always answers 202, whether or not the address has an account.",
)
def password_reset(body: ResetRequest):
    check_auth(body.email)
    record_auth_attempt(body.email)
    services.request_password_reset(body.email)
    return Message(detail="If that address has an account, a reset link is on its way.")


@api.operation(
    "POST",
    "/auth/password-reset/confirm",
    summary="Set a new password with a reset token",
    body=ResetConfirm,
    status=204,
    auth=False,
)
def password_reset_confirm(body: ResetConfirm):
    found = services.reset_token_user(body.token)
    email = found[0].email if found else None
    check_auth(email)
    try:
        services.reset_password(body.token, body.new_password)
    except DomainError:
        record_auth_attempt(email)
        raise


@api.operation(
    "DELETE",
    "/me",
    summary="Erase your account and everything in it",
    body=EraseConfirm,
    status=204,
    description="Irreversible. Export your data first (GET /api/v1/export).",
)
def erase_me(user, body: EraseConfirm):
    services.erase_account(user, body.confirm_email)


@api.operation(
    "POST",
    "/me/mfa/totp",
    summary="Start setting up two-factor sign-in (TOTP)",
    response=TotpSetupOut,
    status=201,
    description="A new secret, as text, as an otpauth URI and as a QR code; nothing changes "
    "at sign-in until `me/mfa/totp/confirm` receives a first code. Starting again replaces a "
    "secret that was never confirmed.",
    extra_responses={409: "Two-factor sign-in is already on."},
)
def begin_totp(user):
    enrolment = mfa.begin(user)
    return TotpSetupOut(**vars(enrolment))


@api.operation(
    "POST",
    "/me/mfa/totp/confirm",
    summary="Turn two-factor sign-in on with a first code",
    body=MfaCode,
    response=RecoveryCodesOut,
    extra_responses={409: "Nothing to confirm: not started, or already on."},
)
def confirm_totp(user, body: MfaCode):
    return RecoveryCodesOut(recovery_codes=mfa.confirm(user, body.code))


@api.operation(
    "POST",
    "/me/mfa/recovery-codes",
    summary="Replace your recovery codes",
    body=MfaCode,
    response=RecoveryCodesOut,
    description="Needs a current code (or a recovery code); the old recovery codes stop working.",
    extra_responses={409: "Two-factor sign-in is off."},
)
def regenerate_recovery_codes(user, body: MfaCode):
    return RecoveryCodesOut(recovery_codes=mfa.regenerate_recovery_codes(user, body.code))


@api.operation(
    "DELETE",
    "/me/mfa/totp",
    summary="Turn two-factor sign-in off",
    body=MfaCode,
    status=204,
    extra_responses={
        403: "Teachers and administrators must keep two-factor sign-in on.",
        409: "Two-factor sign-in is already off.",
    },
)
def disable_totp(user, body: MfaCode):
    mfa.disable(user, body.code)
