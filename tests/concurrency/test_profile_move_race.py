"""Two acceptances of one profile-move link at once (docs/children.md): exactly one
account gets the child's profile; every other answer is a clear 4xx on `token`, never a
500 — the claim of the invitation is one atomic step in the database."""

from __future__ import annotations

import re

import requests
import sqlalchemy as sa

from tests.concurrency.conftest import _names
from tests.factories import make_persona
from tests.family.helpers import make_child
from tests.racing import race
from woodshed.accounts.models import User
from woodshed.db import db
from woodshed.family import services
from woodshed.profiles.models import MusicianProfile

AT_ONCE = 4
PASSWORD = "a long and quiet evening"


def _invited(served) -> tuple[str, str, str]:
    """A guardian's child invited to move to a new address: (token, address, child id)."""

    def build():
        alice = make_persona(f"mover{next(_names)}")
        mia = make_child(alice, "Mia")
        address = f"mia{next(_names)}@example.org"
        with served.app.test_request_context("/"):
            _move, raw = services.invite_move(alice.user, mia, address)
        return raw, address, str(mia.id)

    return served.seed(build)


def test_two_acceptances_of_one_link_at_once_make_exactly_one_account(served):
    token, address, child_id = _invited(served)

    def accept(i: int) -> requests.Response:
        return requests.post(
            f"{served.url}/api/v1/profile-moves/accept",
            json={"token": token, "password": f"{PASSWORD} {i}"},
            timeout=120,
        )

    answers = race(AT_ONCE, accept)

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [422] * (AT_ONCE - 1), [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 422):
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
        assert re.search(r"used already|has an account already", errors["token"])
    (won,) = (a for a in answers if a.status_code == 201)
    assert won.json()["profile_id"] == child_id
    with served.app.app_context():
        accounts = db.session.scalars(sa.select(User).where(User.email == address)).all()
        assert len(accounts) == 1
        profile = db.session.get(MusicianProfile, accounts[0].profile.id)
        assert str(profile.id) == child_id
        assert not profile.is_child
