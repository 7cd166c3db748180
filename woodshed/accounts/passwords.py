"""Password hashing (argon2id) and the password policy (length 8–128, not a common one)."""

from __future__ import annotations

import contextlib
import gzip
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """About 20,000 passwords seen most often in breaches (the list Django ships)."""
    data = resources.files("woodshed").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def policy_problem(password: str) -> str | None:
    """Why a new password is refused, or None. No composition rules, no truncation."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in common_passwords() or password.strip() == "":
        return "This password is too common; choose one that is harder to guess."
    return None


def _hasher() -> PasswordHasher:
    params = current_app.config["PASSWORD_HASH_PARAMS"]
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@lru_cache(maxsize=4)
def _dummy_hash(params: tuple) -> str:
    return PasswordHasher(**dict(params)).hash("woodshed-dummy-password")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, spend the same effort and say no."""
    hasher = _hasher()
    if stored_hash is None:
        params = tuple(sorted(current_app.config["PASSWORD_HASH_PARAMS"].items()))
        stored_hash = _dummy_hash(params)
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(stored_hash, password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)
