"""Who may see, edit or comment on what. The only place access is decided.

Journal data belongs to a musician profile. A request acts on one profile (today: the
account's own; later also a guardian's child or a teacher's student), resolved here.
Objects of other profiles are reported as missing (404), never as forbidden, so ids of
other people's data reveal nothing.
"""

from __future__ import annotations

import logging
import uuid
from typing import TypeVar

import sqlalchemy as sa
from flask import request

from woodshed.accounts.models import User
from woodshed.db import db
from woodshed.errors import NotFound
from woodshed.profiles.models import MusicianProfile

log = logging.getLogger("woodshed.security")
T = TypeVar("T")


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


def acting_profile(
    user: User, profile_id: uuid.UUID | None = None, *, for_edit: bool = True
) -> MusicianProfile:
    """The profile this request works on; another person's profile is a 404."""
    if profile_id is None or profile_id == user.profile.id:
        return user.profile
    profile = db.session.get(MusicianProfile, profile_id)
    allowed = can_edit if for_edit else can_view
    if profile is None or not allowed(user, profile):
        deny(user, "profile", profile_id)
    return profile


def owned_or_404(model: type[T], obj_id, profile: MusicianProfile) -> T:
    """Load a row of `model` that belongs to `profile`, or answer 404."""
    try:
        key = obj_id if isinstance(obj_id, uuid.UUID) else uuid.UUID(str(obj_id))
    except ValueError:
        raise NotFound() from None
    obj = db.session.get(model, key)
    if obj is None:
        raise NotFound()
    if obj.profile_id != profile.id:
        # Someone else's object: the same 404 as a missing one, but worth a line in the log.
        log.warning("access denied to another profile's %s=%s", model.__name__, key)
        raise NotFound()
    return obj


def owned(model, profile: MusicianProfile) -> sa.Select:
    """`select(model)` restricted to one profile's rows."""
    return sa.select(model).where(model.profile_id == profile.id)


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


def shared_by_link_or_404(model: type[T], token: str | None) -> T:
    """Another person's object, visible only because its owner published it by a link.

    The one kind of cross-profile read (plan templates): the secret token in the link is
    the permission, so the row is found only by the SHA-256 of that token.
    """
    from woodshed.tokens import hash_token

    if not token or len(token) > 200:
        raise NotFound()
    obj = db.session.scalar(sa.select(model).where(model.share_token_hash == hash_token(token)))
    if obj is None:
        raise NotFound()
    return obj
