"""Input and output shapes for accounts; the forms and the API share them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field, StringConstraints
from pydantic_core import PydanticCustomError

from woodshed.accounts.passwords import MAX_LENGTH, MIN_LENGTH, policy_problem
from woodshed.profiles.schemas import DisplayName
from woodshed.validation import Schema, Timezone, control_rules, line_rules, max_length


def _password_policy(value: str) -> str:
    problem = policy_problem(value)
    if problem:
        raise PydanticCustomError("password_policy", problem)
    return value


# Passwords are never stripped: spaces count, and nothing is silently truncated.
NewPassword = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=MIN_LENGTH, max_length=MAX_LENGTH),
    AfterValidator(_password_policy),
    Field(description="8–128 characters, not one of the most common passwords."),
]
AnyPassword = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=1, max_length=MAX_LENGTH * 4)
]
Email = Annotated[EmailStr, *max_length(254)]
# Typed-in identifiers are matched as sent (services normalise emails), so the documented
# length limits apply to exactly what was sent.
Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=320),
    *control_rules(),
]


InviteCode = Annotated[
    str,
    *max_length(32, strip_whitespace=True),
    *control_rules(),
    Field(
        description="A teacher's invitation code; needed when the instance registers by "
        "invitation only."
    ),
]


class Registration(Schema):
    email: Email
    password: NewPassword
    display_name: DisplayName
    timezone: Timezone = "UTC"
    invite_code: InviteCode | None = None


class RegistrationConfirm(Schema):
    """The emailed link's token and the password chosen when registering."""

    token: Annotated[str, *max_length(100, min_length=1)]
    password: AnyPassword


# A TOTP code ("123 456") or a recovery code ("ABCD-EFGH-…"), as typed.
OneTimeCode = Annotated[
    str,
    *max_length(64, strip_whitespace=True, min_length=1),
    *control_rules(required=True),  # stripped, then required
]


class Credentials(Schema):
    email: Identifier
    password: AnyPassword
    otp: OneTimeCode | None = Field(
        None,
        description="The 6-digit code from the authenticator app, when two-factor sign-in is on.",
    )
    recovery_code: OneTimeCode | None = Field(
        None, description="Instead of `otp`: one of the account's single-use recovery codes."
    )


class MfaCode(Schema):
    code: OneTimeCode


class TotpSetupOut(Schema):
    secret: str = Field(description="The base32 secret, for typing into an app by hand.")
    otpauth_uri: str
    qr_svg: str = Field(description="The otpauth URI as a QR code (an inline SVG element).")


class RecoveryCodesOut(Schema):
    recovery_codes: list[str] = Field(
        description="Ten single-use codes, shown only now; each signs in once instead of `otp`."
    )


class ResetRequest(Schema):
    email: Identifier


class ResetConfirm(Schema):
    token: Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=200)]
    new_password: NewPassword


class PasswordChange(Schema):
    current_password: AnyPassword
    new_password: NewPassword
    end_other_sessions: bool = False


class EraseConfirm(Schema):
    confirm_email: Identifier


class TokenOut(Schema):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")


class TokenName(Schema):
    """The name of a new API token, from the settings page (one line; blank gets a default)."""

    name: Annotated[str, *line_rules(100)] = ""


class TokenInfo(Schema):
    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
