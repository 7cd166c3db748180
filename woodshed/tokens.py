"""Secret tokens (sessions, API, password reset, invitations, feeds): 256 random bits,
only the SHA-256 of a token is ever stored, so a database leak reveals no usable token."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def generate_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
