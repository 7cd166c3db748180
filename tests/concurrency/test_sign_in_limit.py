"""The sign-in limit under parallel requests to the served app (issue 19, items 4 and 10):
each attempt is reserved in one atomic step before its password is checked, so wrong
passwords sent at once get exactly as many checks as the limit allows — not one per
request that passed a check made before any of them was counted."""

from __future__ import annotations

import requests

from tests.concurrency.conftest import _names
from tests.factories import make_persona
from tests.racing import race

AT_ONCE = 30
LIMIT = 10  # WOODSHED_AUTH_RATE_LIMIT's default: 10 per 15 minutes


def credentials(name: str) -> tuple[str, str]:
    persona = make_persona(name)
    return persona.user.email, persona.password


def fresh_counters(served) -> None:
    """Every request here comes from 127.0.0.1: start each test with empty counters."""
    served.app.extensions["woodshed.throttle"].reset()


def test_wrong_passwords_sent_at_once_get_only_the_limit_of_checks(served):
    fresh_counters(served)
    email, password = served.seed(lambda: credentials(f"guessed{next(_names)}"))

    def guess(i: int) -> int:
        return requests.post(
            f"{served.url}/api/v1/auth/token",
            json={"email": email, "password": f"wrong guess {i}"},
            timeout=120,
        ).status_code

    answers = race(AT_ONCE, guess)
    assert sorted(answers) == [401] * LIMIT + [429] * (AT_ONCE - LIMIT)
    # The owner's right password from elsewhere waits for the window, like every client
    # without a device cookie.
    right = requests.post(
        f"{served.url}/api/v1/auth/token", json={"email": email, "password": password}, timeout=60
    )
    assert right.status_code == 429


def test_the_owners_device_signs_in_while_guesses_race(served):
    """A client holding a device cookie from an earlier sign-in is not locked out."""
    fresh_counters(served)
    email, password = served.seed(lambda: credentials(f"owner{next(_names)}"))
    device = requests.Session()
    first = device.post(
        f"{served.url}/api/v1/auth/token", json={"email": email, "password": password}, timeout=60
    )
    assert first.status_code == 201
    assert "woodshed_device" in device.cookies

    def guess(i: int) -> int:
        return requests.post(
            f"{served.url}/api/v1/auth/token",
            json={"email": email, "password": f"wrong guess {i}"},
            timeout=120,
        ).status_code

    answers = race(AT_ONCE, guess)
    assert answers.count(401) == LIMIT
    again = device.post(
        f"{served.url}/api/v1/auth/token", json={"email": email, "password": password}, timeout=60
    )
    assert again.status_code == 201
