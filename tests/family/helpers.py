"""Children and guardians for the family tests (and the access matrix)."""

from __future__ import annotations

from types import SimpleNamespace

from tests.factories import Persona
from woodshed.db import db
from woodshed.family import services
from woodshed.family.models import NOTICE_VERSION
from woodshed.profiles.models import MusicianProfile

CONSENT = SimpleNamespace(accepted=True, notice_version=NOTICE_VERSION)


def make_child(guardian: Persona, name: str = "Mia", **fields) -> MusicianProfile:
    """A child of `guardian`'s, made as the Family page makes it (with consent)."""
    child = services.create_child(
        guardian.user, name, fields.pop("birth_year", None), fields.pop("instruments", []), CONSENT
    )
    db.session.flush()
    return child


def add_guardian(child: MusicianProfile, first: Persona, second: Persona):
    """`second` becomes `child`'s guardian by code, accepted by `first`."""
    _invite, code = services.invite_guardian(first.user, child)
    link = services.redeem_guardian_code(second.user, code)
    return services.accept_guardian(first.user, link.id)
