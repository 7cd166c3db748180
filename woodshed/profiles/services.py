"""Changes to musician profiles and their instruments."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from woodshed import events, policy
from woodshed.api.keyset import keyset_page
from woodshed.api.pagination import ListQuery
from woodshed.db import db, new_id
from woodshed.errors import DomainError
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.profiles.schemas import (
    GUARDIANS_FIELDS,
    InstrumentFields,
    InstrumentIn,
    ProfileFields,
)


def new_profile_object(display_name: str, timezone: str) -> MusicianProfile:
    """A profile with every default filled in now, not at INSERT, so it can be shown unsaved."""
    defaults = ProfileFields.model_construct(display_name=display_name, timezone=timezone)
    return MusicianProfile(id=new_id(), **defaults.model_dump())


def update_profile(profile: MusicianProfile, changes: dict) -> MusicianProfile:
    """Apply validated changes (a partial dict from ProfileUpdate or ProfileFields).

    A child's `GUARDIANS_FIELDS` are not its own to change; a guardian's changes to them
    pass on to each child they guard (docs/children.md)."""
    if profile.is_child:
        changes = {k: v for k, v in changes.items() if k not in GUARDIANS_FIELDS}
    for key, value in changes.items():
        if key in ProfileFields.model_fields:
            setattr(profile, key, value)
    family = {k: v for k, v in changes.items() if k in GUARDIANS_FIELDS}
    if family and profile.user is not None:
        # The children a guardian looks after follow (family.services, which builds on us).
        events.family_settings_changed.send(profile, user=profile.user, changes=family)
    db.session.flush()
    return profile


#: The order the profile lists them in (`MusicianProfile.instruments`), made total.
INSTRUMENT_ORDER = ((Instrument.position, False), (Instrument.name, False), (Instrument.id, False))


def list_instruments(profile: MusicianProfile, query: ListQuery) -> tuple[list, str | None]:
    """One page of the profile's instruments, in their order."""
    stmt = sa.select(Instrument).where(Instrument.profile_id == profile.id)
    return keyset_page(stmt, INSTRUMENT_ORDER, query)


def instrument_by_name(profile: MusicianProfile, name: str) -> Instrument | None:
    return db.session.scalar(
        sa.select(Instrument).where(
            Instrument.profile_id == profile.id, sa.func.lower(Instrument.name) == name.lower()
        )
    )


def _name_taken(profile: MusicianProfile, name: str, instrument_id: uuid.UUID | None) -> bool:
    found = instrument_by_name(profile, name)
    return found is not None and found.id != instrument_id


INSTRUMENT_TAKEN = {"name": "You already have an instrument with this name."}


def add_instrument(profile: MusicianProfile, data: InstrumentIn) -> tuple[Instrument, bool]:
    """Add an instrument; re-sending the same client id returns the existing one."""
    existing = policy.existing_for_client_id(Instrument, data.id, profile)
    if existing is not None:
        return existing, False
    # The same client id sent twice at once: the other request's instrument is not a clash.
    if _name_taken(profile, data.name, data.id):
        raise DomainError(INSTRUMENT_TAKEN)
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Instrument.position), -1) + 1).where(
            Instrument.profile_id == profile.id
        )
    )
    instrument = Instrument(
        id=data.id or new_id(),
        profile_id=profile.id,
        position=position,
        **data.model_dump(exclude={"id"}, exclude_none=True),
    )
    return policy.insert_or_existing(instrument, profile, taken=INSTRUMENT_TAKEN)


def update_instrument(instrument: Instrument, changes: dict) -> Instrument:
    name = changes.get("name")
    if name and _name_taken(instrument.profile, name, instrument.id):
        raise DomainError(INSTRUMENT_TAKEN)
    for key, value in changes.items():
        if key in InstrumentFields.model_fields:
            setattr(instrument, key, value)
    db.session.flush()
    return instrument


def delete_instrument(instrument: Instrument) -> None:
    db.session.delete(instrument)
    db.session.flush()
