"""Account endpoints of the JSON API: register, tokens, password reset, erasure."""

from __future__ import annotations

import uuid

from flask import current_app, request

from woodshed.accounts import services
from woodshed.accounts.schemas import (
    Credentials,
    EraseConfirm,
    Registration,
    ResetConfirm,
    ResetRequest,
    TokenInfo,
    TokenOut,
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
)
def issue_token(body: Credentials):
    check_auth(body.email)
    try:
        user = services.authenticate(body.email, body.password)
    except DomainError:
        record_auth_attempt(body.email)
        raise
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
