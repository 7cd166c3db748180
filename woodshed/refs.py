"""Shared service helpers: references to the musician's own objects, client ids, re-validation.

A reference in input (`piece_id`, `skill_id`, …) to another musician's object is reported
exactly like a missing one, as a 422 on that field; the lookup goes through `policy`.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from woodshed import policy
from woodshed.db import db
from woodshed.errors import DomainError, NotFound
from woodshed.profiles.models import MusicianProfile
from woodshed.validation import validation_problem

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)


def reference(
    model: type[T],
    obj_id: uuid.UUID | None,
    profile: MusicianProfile,
    field: str,
    label: str,
    errors: dict[str, str],
) -> T | None:
    """The profile's object with this id; a missing or foreign one adds an error on `field`."""
    if obj_id is None:
        return None
    try:
        return policy.owned_or_404(model, obj_id, profile)
    except NotFound:
        errors[field] = f"There is no such {label} in your journal."
        return None


def existing_for_client_id(model: type[T], obj_id: uuid.UUID | None, profile) -> T | None:
    """The object a re-sent client id already created; someone else's id is refused."""
    if obj_id is None:
        return None
    existing = db.session.get(model, obj_id)
    if existing is None:
        return None
    if existing.profile_id != profile.id:
        raise DomainError({"id": "This id is already in use."})
    return existing


def merged(schema: type[S], current: dict, changes: dict) -> S:
    """Validate the object as it would be after a partial update, with the full schema.

    PATCH bodies are checked field by field; rules that relate fields (a bar range, a
    goal's kind and subject) are checked here on the combined result.
    """
    try:
        return schema.model_validate(current | changes)
    except ValidationError as exc:
        raise validation_problem(exc) from exc
