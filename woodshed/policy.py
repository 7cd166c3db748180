"""Who may see, edit, comment on or refer to what. The only place access is decided.

Journal data belongs to a musician profile. A request acts on one profile, resolved here
(`request_profile`, `current_profile`): today the account's own; later also a guardian's
child or a teacher's student, which changes this module only. Objects of other profiles
are reported as missing — 404 for an object in the path, a 422 on the field for a
reference in input — never as forbidden, so ids of other people's data reveal nothing.
Every refusal of an object that exists is logged to `woodshed.security`.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import TypeVar

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from woodshed.accounts.models import User
from woodshed.db import SAFE_METHODS, db
from woodshed.errors import DomainError, NotFound
from woodshed.profiles.models import MusicianProfile
from woodshed.tokens import hash_token

log = logging.getLogger("woodshed.security")
T = TypeVar("T")

#: Requests whose object in the path is locked while they run (see owned_or_404).
EDIT_METHODS = frozenset({"PATCH", "PUT", "DELETE"})

#: The answer to a client-chosen id that another profile's object already has.
ID_IN_USE = {"id": "This id is already in use."}


# --- who may do what with a profile ---------------------------------------------------------


def _is_own(user: User, profile: MusicianProfile) -> bool:
    return profile.user_id is not None and profile.user_id == user.id


def can_view(user: User | None, profile: MusicianProfile) -> bool:
    return user is not None and _is_own(user, profile)


def can_edit(user: User | None, profile: MusicianProfile) -> bool:
    return user is not None and _is_own(user, profile)


def can_comment(user: User | None, profile: MusicianProfile) -> bool:
    return can_view(user, profile)


def can_view_private(user: User | None, profile: MusicianProfile) -> bool:
    """Private entries are for the musician (and a guardian), never for a teacher."""
    return user is not None and _is_own(user, profile)


def can_administer(user: User | None) -> bool:
    return user is not None and user.is_admin and not user.disabled


# --- the profile a request acts on ----------------------------------------------------------


def requested_profile_id() -> uuid.UUID | None:
    """The profile this request asks to act for, or None for the account's own.

    Nothing names another profile yet. A guardian acting for a child (a profile id in the
    request, a kid-mode session) or a teacher reading a student is read here, and only
    here; `acting_profile` then decides whether it is allowed.
    """
    return None


def acting_profile(
    user: User, profile_id: uuid.UUID | None = None, *, for_edit: bool = True
) -> MusicianProfile:
    """The profile `user` works on; one they may not see (or, for_edit, change) is a 404."""
    if profile_id is None or profile_id == user.profile.id:
        return user.profile
    profile = db.session.get(MusicianProfile, profile_id)
    allowed = can_edit if for_edit else can_view
    if profile is None or not allowed(user, profile):
        deny(user, "profile", profile_id)
    return profile


def request_profile(user: User, *, for_edit: bool | None = None) -> MusicianProfile:
    """The profile `user` acts on in this request: a read for safe methods, else an edit."""
    if for_edit is None:
        for_edit = request.method not in SAFE_METHODS
    return acting_profile(user, requested_profile_id(), for_edit=for_edit)


def current_profile(*, for_edit: bool | None = None) -> MusicianProfile | None:
    """The signed-in person's acting profile in this request (pages, templates); None when
    nobody is signed in."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return request_profile(current_user._get_current_object(), for_edit=for_edit)


def shown_profile() -> MusicianProfile | None:
    """The profile a page is shown for (its times, header and counters): the acting
    profile for reading, or None when nobody is signed in or the request names a profile
    it may not see — whose error page then shows nobody's."""
    try:
        return current_profile(for_edit=False)
    except NotFound:
        return None


# --- objects of a profile -------------------------------------------------------------------


def _belongs(obj, profile: MusicianProfile) -> bool:
    """Whether `profile` may use `obj` (today: its own rows only)."""
    return obj.profile_id == profile.id


def _label(model: type) -> str:
    """`PracticeSession` → "practice session": what a message calls the model's objects."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()


def owned_or_404(model: type[T], obj_id, profile: MusicianProfile, *, lock: bool = False) -> T:
    """Load a row of `model` that belongs to `profile`, or answer 404.

    In a request that changes or deletes what its path names (PATCH, PUT, DELETE) the row
    is locked until the request commits (FOR UPDATE on PostgreSQL; SQLite writers hold
    the write lock already), so concurrent edits without `If-Match` apply one after the
    other instead of failing as stale. `lock=True` asks for it in a POST that edits.
    """
    try:
        key = obj_id if isinstance(obj_id, uuid.UUID) else uuid.UUID(str(obj_id))
    except ValueError:
        raise NotFound() from None
    lock = lock or (has_request_context() and request.method in EDIT_METHODS)
    obj = db.session.get(model, key, with_for_update={"of": model} if lock else None)
    if obj is None:
        raise NotFound()
    if not _belongs(obj, profile):
        # Someone else's object: the same 404 as a missing one, but worth a line in the log.
        log.warning("access denied to another profile's %s=%s", model.__name__, key)
        raise NotFound()
    return obj


def owned(model, profile: MusicianProfile) -> sa.Select:
    """`select(model)` restricted to one profile's rows."""
    return sa.select(model).where(model.profile_id == profile.id)


def referenced(
    model: type[T],
    obj_id: uuid.UUID | None,
    profile: MusicianProfile,
    *,
    field: str,
    errors: dict[str, str] | None = None,
) -> T | None:
    """The object an input field names by id, if `profile` may refer to it.

    A missing id and another profile's read the same — "There is no such piece in your
    journal." on `field` — and the latter is logged. With `errors` the message is added
    there (so a form reports every field at once) and None returned; without, it is raised.
    """
    if obj_id is None:
        return None
    obj = db.session.get(model, obj_id)
    if obj is not None and _belongs(obj, profile):
        return obj
    if obj is not None:
        log.warning(
            "reference refused to another profile's %s=%s in %s", model.__name__, obj_id, field
        )
    message = {field: f"There is no such {_label(model)} in your journal."}
    if errors is None:
        raise DomainError(message)
    errors.update(message)
    return None


def existing_for_client_id(model: type[T], obj_id: uuid.UUID | None, profile) -> T | None:
    """The object a re-sent client-chosen id already created; another profile's is refused."""
    if obj_id is None:
        return None
    existing = db.session.get(model, obj_id)
    if existing is None:
        return None
    if not _belongs(existing, profile):
        log.warning("client id of another profile's %s=%s refused", model.__name__, obj_id)
        raise DomainError(ID_IN_USE)
    return existing


def insert_or_existing(
    obj: T,
    profile: MusicianProfile,
    *,
    key: tuple[str, ...] = ("id",),
    taken: dict[str, str] | None = None,
) -> tuple[T, bool]:
    """Store the new row `obj`, or return the stored row that has its `key` already.

    The row is added and flushed in a savepoint. When a unique key refuses it because a
    concurrent request stored the same client id (or natural key, e.g. a tag's name)
    first, the savepoint is rolled back and that row read instead: the profile's own comes
    back with `created` False, another profile's is refused like `existing_for_client_id`,
    and a clash on another unique key is the field error `taken` (without it, re-raised).
    Returns `(row, created)`.
    """
    model = type(obj)
    values = {name: getattr(obj, name) for name in key}
    db.session.flush()  # what was pending before is not this row's business
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        found = None
        if all(v is not None for v in values.values()):
            found = db.session.scalar(sa.select(model).filter_by(**values))
        if found is None:
            if taken is None:
                raise
            raise DomainError(taken) from None
        if not _belongs(found, profile):
            log.warning("client id of another profile's %s=%s refused", model.__name__, values)
            raise DomainError(ID_IN_USE) from None
        return found, False
    return obj, True


def deny(user: User | None, what: str, obj_id) -> None:
    log.warning(
        "access denied user=%s %s=%s %s %s",
        user.id if user else "-",
        what,
        obj_id,
        request.method,
        request.path,
    )
    raise NotFound()


def shared_by_link_or_404(model: type[T], token: str | None, column=None) -> T:
    """An object visible to whoever holds the secret link its owner made: a published plan
    template (`share_token_hash`), a calendar feed (`token_hash`).

    The token in the link is the permission, so the row is found only by the SHA-256 of
    that token, in `column` (the model's `share_token_hash` unless named).
    """
    if not token or len(token) > 200:
        raise NotFound()
    column = model.share_token_hash if column is None else column
    obj = db.session.scalar(sa.select(model).where(column == hash_token(token)))
    if obj is None:
        raise NotFound()
    return obj
