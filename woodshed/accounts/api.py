"""Account endpoints of the JSON API: register, tokens, password reset, erasure."""

from __future__ import annotations

import uuid

from flask import current_app, jsonify, request

from woodshed import ratelimit
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
from woodshed.errors import NotFound, Problem
from woodshed.profiles.api import me_out
from woodshed.profiles.schemas import MeOut

api = ApiBlueprint("accounts_api", __name__, tag="Accounts")


@api.operation(
    "POST",
    "/auth/register",
    summary="Create an account",
    body=Registration,
    response=MeOut,
    status=201,
    auth=False,
    description="Depends on the instance's registration mode. `open` (and `invite`, with "
    "`invite_code`): 201 with the new account; an address that already has an account gets "
    "the same shape (that person is told by email instead). `verify` (the production "
    "default): 202 with a message, identical for every address — a link is emailed to the "
    "address and the account is made when it is opened (in a browser) and the password "
    "typed again; an address that has an account is told so by email. `closed`: 403.",
    extra_responses={
        202: "Mode `verify`: check your email (the same answer for every address).",
        403: "Registration is closed on this instance.",
    },
)
def register(body: Registration):
    mode = services.registration_mode()
    if mode == "closed":
        raise Problem(403, "Registration is closed on this instance.")
    ratelimit.attempt(None)
    if mode == "verify":
        services.register_pending(body)
        answer = jsonify(
            detail="Check your email: a link to confirm the address is on its way. The "
            "account is made when you open it and type your password again."
        )
        answer.status_code = 202
        return answer
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
    attempt = ratelimit.attempt(body.email)
    user = services.authenticate(body.email, body.password)  # a failure keeps the attempt
    attempt.succeeded()
    mfa.second_factor(user, body.otp, body.recovery_code)
    ratelimit.remember_device(user.email)
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
    ratelimit.attempt_from_address()  # never the account's counter: no lockout by resets
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
    attempt = ratelimit.attempt(email)
    services.reset_password(body.token, body.new_password)
    attempt.succeeded()


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
