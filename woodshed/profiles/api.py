"""`/me` and `/instruments` in the JSON API."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.accounts import mfa
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import ListQuery, Page
from woodshed.db import check_version
from woodshed.profiles import services
from woodshed.profiles.models import Instrument
from woodshed.profiles.schemas import (
    InstrumentIn,
    InstrumentOut,
    InstrumentUpdate,
    MeOut,
    ProfileUpdate,
)

api = ApiBlueprint("profiles_api", __name__, tag="Profile")


def me_out(user, p) -> MeOut:
    return MeOut(
        id=user.id,
        email=user.email,
        profile_id=p.id,
        is_admin=user.is_admin,
        mfa_enabled=mfa.enabled(user),
        display_name=p.display_name,
        timezone=p.timezone,
        day_rollover_hour=p.day_rollover_hour,
        week_start=p.week_start,
        motivation_mode=p.motivation_mode,
        rest_weekdays=p.rest_weekdays or [],
        skill_level=p.skill_level,
        practice_goals=p.practice_goals,
        locale=p.locale,
        daily_minimum_minutes=p.daily_minimum_minutes,
        weekly_goal_minutes=p.weekly_goal_minutes,
    )


@api.operation("GET", "/me", summary="Your account and musician profile", response=MeOut, etag=True)
def get_me(user, profile):
    return Reply(me_out(user, profile), version=profile.version)


@api.operation(
    "PATCH",
    "/me",
    summary="Change your profile",
    body=ProfileUpdate,
    response=MeOut,
    etag=True,
    description="A guardian's `timezone`, `day_rollover_hour`, `week_start` and `locale` "
    "pass on to each child they guard: a child's days and weeks are the family's.",
)
def patch_me(user, profile, body: ProfileUpdate):
    check_version(profile, if_match_version())
    services.update_profile(profile, body.model_dump(exclude_unset=True))
    return Reply(me_out(user, profile), version=profile.version)


@api.operation(
    "GET", "/instruments", summary="Your instruments", query=ListQuery, response=Page[InstrumentOut]
)
def list_instruments(profile, query: ListQuery):
    items, cursor = services.list_instruments(profile, query)
    return Page(items=items, next_cursor=cursor)


@api.operation(
    "POST",
    "/instruments",
    summary="Add an instrument",
    body=InstrumentIn,
    response=InstrumentOut,
    status=201,
    etag=True,
    idempotent_create=True,
)
def create_instrument(profile, body: InstrumentIn):
    instrument, created = services.add_instrument(profile, body)
    return Reply(instrument, status=201 if created else 200, version=instrument.version)


@api.operation(
    "GET",
    "/instruments/<uuid:instrument_id>",
    summary="One instrument",
    response=InstrumentOut,
    etag=True,
)
def get_instrument(profile, instrument_id: uuid.UUID):
    instrument = policy.owned_or_404(Instrument, instrument_id, profile)
    return Reply(instrument, version=instrument.version)


@api.operation(
    "PATCH",
    "/instruments/<uuid:instrument_id>",
    summary="Change an instrument",
    body=InstrumentUpdate,
    response=InstrumentOut,
    etag=True,
)
def patch_instrument(profile, instrument_id: uuid.UUID, body: InstrumentUpdate):
    instrument = policy.owned_or_404(Instrument, instrument_id, profile)
    check_version(instrument, if_match_version())
    services.update_instrument(instrument, body.model_dump(exclude_unset=True))
    return Reply(instrument, version=instrument.version)


@api.operation(
    "DELETE",
    "/instruments/<uuid:instrument_id>",
    summary="Remove an instrument",
    status=204,
    etag=True,
)
def delete_instrument(profile, instrument_id: uuid.UUID):
    instrument = policy.owned_or_404(Instrument, instrument_id, profile)
    check_version(instrument, if_match_version())
    services.delete_instrument(instrument)
