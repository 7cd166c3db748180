"""SEC-RL: every authentication path drains one counter per account and one per address."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

import woodshed

LIMIT = 3
WRONG = "definitely not it"
BOGUS_TOKEN = "no-such-reset-token"


@pytest.fixture
def limited(make_app):
    """An app allowing LIMIT authentication attempts per window."""
    return make_app(AUTH_RATE_LIMIT=f"{LIMIT} per 15 minutes")


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


# Each path: a failing attempt (it counts) for `email`, sent by `client` from `address`.
def login_form(client, email, address="192.0.2.10"):
    return client.submit("/login", {"email": email, "password": WRONG}, **from_address(address))


def token_api(client, email, address="192.0.2.10"):
    return client.post(
        "/api/v1/auth/token", json={"email": email, "password": WRONG}, **from_address(address)
    )


def reset_form(client, email, address="192.0.2.10"):
    return client.submit("/reset", {"email": email}, **from_address(address))


def reset_api(client, email, address="192.0.2.10"):
    return client.post(
        "/api/v1/auth/password-reset", json={"email": email}, **from_address(address)
    )


def reset_confirm_form(client, _email, address="192.0.2.10"):
    data = {"token": BOGUS_TOKEN, "new_password": "a long and quiet evening"}
    return client.submit("/reset/confirm", data, **from_address(address))


def reset_confirm_api(client, _email, address="192.0.2.10"):
    data = {"token": BOGUS_TOKEN, "new_password": "a long and quiet evening"}
    return client.post("/api/v1/auth/password-reset/confirm", json=data, **from_address(address))


def register_form(client, email, address="192.0.2.10"):
    data = {"email": email, "password": "a long and quiet evening", "display_name": "X"}
    return client.submit("/register", data, **from_address(address))


def register_api(client, email, address="192.0.2.10"):
    data = {"email": email, "password": "a long and quiet evening", "display_name": "X"}
    return client.post("/api/v1/auth/register", json=data, **from_address(address))


PATHS = [
    login_form,
    token_api,
    reset_form,
    reset_api,
    reset_confirm_form,
    reset_confirm_api,
    register_form,
    register_api,
]


@pytest.mark.parametrize("attempt", PATHS, ids=lambda f: f.__name__)
def test_each_authentication_path_is_throttled_with_retry_after(limited, alice, attempt):
    client = limited.test_client()
    for _ in range(LIMIT):
        assert attempt(client, alice.email).status_code != 429
    refused = attempt(client, alice.email)
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60


def test_the_limit_holds_even_for_the_right_password(limited, alice):
    client = limited.test_client()
    for _ in range(LIMIT):
        login_form(client, alice.email)
    right = client.submit("/login", {"email": alice.email, "password": alice.password})
    assert right.status_code == 429
    assert "Too many attempts" in right.get_data(as_text=True)


def test_a_successful_sign_in_is_not_counted(limited, alice):
    client = limited.test_client()
    for _ in range(LIMIT + 2):
        response = client.post(
            "/api/v1/auth/token", json={"email": alice.email, "password": alice.password}
        )
        assert response.status_code == 201


def test_web_and_api_attempts_drain_the_same_counter(limited, alice):
    client = limited.test_client()
    assert login_form(client, alice.email, "198.51.100.1").status_code == 401
    assert token_api(client, alice.email, "198.51.100.2").status_code == 401
    assert login_form(client, alice.email, "198.51.100.3").status_code == 401
    assert login_form(client, alice.email, "198.51.100.4").status_code == 429
    assert token_api(client, alice.email, "198.51.100.5").status_code == 429


def test_one_account_is_protected_against_many_addresses(limited, alice):
    client = limited.test_client()
    for i in range(LIMIT):
        assert token_api(client, alice.email, f"198.51.100.{i + 1}").status_code == 401
    assert token_api(client, alice.email, "203.0.113.99").status_code == 429
    # Other accounts from a fresh address are unaffected.
    assert token_api(client, "bob@example.org", "203.0.113.100").status_code == 401


def test_one_address_is_throttled_across_many_accounts(limited):
    client = limited.test_client()
    for i in range(LIMIT):
        assert token_api(client, f"guess{i}@example.org").status_code == 401
    assert token_api(client, "another@example.org").status_code == 429
    assert token_api(client, "another@example.org", "192.0.2.77").status_code == 401


def test_ipv6_addresses_are_counted_by_their_64_network(limited):
    client = limited.test_client()
    for i in range(LIMIT):
        address = f"2001:db8:1:2::{i + 1:x}"
        assert token_api(client, f"guess{i}@example.org", address).status_code == 401
    same_64 = "2001:db8:1:2:ffff:ffff:ffff:ffff"
    other_64 = "2001:db8:1:3::1"
    assert token_api(client, "x@example.org", same_64).status_code == 429
    assert token_api(client, "x@example.org", other_64).status_code == 401


def test_x_forwarded_for_is_ignored_without_trusted_proxies(limited):
    client = limited.test_client()
    for i in range(LIMIT):
        headers = {"X-Forwarded-For": f"198.51.100.{i + 1}"}
        client.post(
            "/api/v1/auth/token",
            json={"email": f"g{i}@example.org", "password": WRONG},
            headers=headers,
        )
    spoofed = client.post(
        "/api/v1/auth/token",
        json={"email": "z@example.org", "password": WRONG},
        headers={"X-Forwarded-For": "203.0.113.5"},
    )
    assert spoofed.status_code == 429


def test_x_forwarded_for_names_the_client_behind_a_trusted_proxy(make_app):
    app = make_app(TRUSTED_PROXIES=1, AUTH_RATE_LIMIT=f"{LIMIT} per 15 minutes")
    client = app.test_client()

    def attempt(forwarded_for: str, email: str):
        return client.post(
            "/api/v1/auth/token",
            json={"email": email, "password": WRONG},
            headers={"X-Forwarded-For": forwarded_for},
        )

    for i in range(LIMIT):
        assert attempt("203.0.113.5", f"g{i}@example.org").status_code == 401
    assert attempt("203.0.113.5", "z@example.org").status_code == 429
    # The proxy's own address is shared; a different client behind it is not throttled.
    assert attempt("203.0.113.6", "z@example.org").status_code == 401
    # The client cannot prepend its own fake entry: only the proxy's last hop is trusted.
    assert attempt("198.51.100.1, 203.0.113.5", "y@example.org").status_code == 429


def test_racing_api_requests_pass_the_limit_exactly_once_each(make_app):
    """Hit-and-check is one atomic step: of 60 requests released together, as many pass
    as the limit allows, never more (issue 19, item 10)."""
    from tests.racing import race
    from woodshed.errors import TooManyRequests
    from woodshed.ratelimit import check_api

    app = make_app(API_RATE_LIMIT="25 per minute")

    def attempt(_i: int) -> bool:
        with app.test_request_context("/api/v1/pieces"):
            try:
                check_api("token:racing")
            except TooManyRequests:
                return False
            return True

    assert sum(race(60, attempt)) == 25


def test_counting_requests_starts_no_thread(limited, monkeypatch):
    """limits' memory storage started a timer thread for its expiry pass whenever a counted
    request came over 10 ms after the last one; the pass now runs in the request."""
    import limits.storage.memory

    from woodshed.ratelimit import check_api

    started = []
    real = limits.storage.memory.threading.Timer
    monkeypatch.setattr(
        limits.storage.memory.threading,
        "Timer",
        lambda *args, **kwargs: started.append(args) or real(*args, **kwargs),
    )
    for _ in range(5):
        with limited.test_request_context("/api/v1/pieces"):
            check_api("token:quiet")
        time.sleep(0.015)  # longer than limits' 10 ms timer
    assert started == []


def test_a_window_that_has_passed_gives_its_attempts_back(make_app, alice):
    """Ended windows are still forgotten: the attempts come back after the window."""
    client = make_app(AUTH_RATE_LIMIT="2 per 1 second").test_client()
    assert [token_api(client, alice.email).status_code for _ in range(3)] == [401, 401, 429]
    time.sleep(1.1)
    assert token_api(client, alice.email).status_code == 401


# --- issue 19, item 4: no lockout of the owner, no mail floods ------------------------------


def test_reset_requests_never_lock_the_owner_out(limited, alice):
    """20 reset requests (no password needed) from many addresses used to lock the account."""
    client = limited.test_client()
    for i in range(20):
        assert reset_api(client, alice.email, f"198.51.100.{i + 1}").status_code == 202
    fresh_browser = limited.test_client()
    signed_in = fresh_browser.submit(
        "/login", {"email": alice.email, "password": alice.password}, **from_address("192.0.2.99")
    )
    assert signed_in.status_code == 302


def test_reset_emails_to_one_address_are_limited_without_saying_so(limited, alice, mailbox):
    client = limited.test_client()
    answers = [reset_api(client, alice.email, f"198.51.100.{i + 1}").get_json() for i in range(5)]
    assert all(answer == answers[0] for answer in answers)  # the requester learns nothing
    assert len(mailbox.to(alice.email)) == 1  # one per 5 minutes
    # Other addresses have limits of their own.
    reset_api(client, "bob@example.org", "198.51.100.50")


def test_a_day_holds_at_most_three_reset_emails(make_app, alice, mailbox):
    app = make_app(RESET_MAIL_LIMIT="100 per 5 minutes; 3 per day")
    client = app.test_client()
    for i in range(6):
        reset_api(client, alice.email, f"198.51.100.{i + 1}")
    assert len(mailbox.to(alice.email)) == 3


def sign_in_form(client, persona, address):
    data = {"email": persona.email, "password": persona.password}
    return client.submit("/login", data, **from_address(address))


def test_a_device_that_signed_in_before_is_not_locked_out_by_failures_elsewhere(limited, alice):
    """Device cookies (OWASP): failures from elsewhere lock the account's shared counter,
    not the owner's own browser."""
    own_browser = limited.test_client()
    assert sign_in_form(own_browser, alice, "192.0.2.10").status_code == 302
    assert own_browser.get_cookie("woodshed_device") is not None
    own_browser.submit("/logout")

    attacker = limited.test_client()
    for i in range(LIMIT + 5):
        token_api(attacker, alice.email, f"203.0.113.{i + 1}")
    assert sign_in_form(limited.test_client(), alice, "192.0.2.11").status_code == 429
    # alice's own browser (even from a new address) signs in as before.
    assert sign_in_form(own_browser, alice, "198.51.100.200").status_code == 302


def test_a_device_cookie_gives_its_own_attempts_then_falls_back(limited, alice):
    browser = limited.test_client()
    assert sign_in_form(browser, alice, "192.0.2.10").status_code == 302
    browser.submit("/logout")
    for _ in range(LIMIT):
        assert login_form(browser, alice.email, "192.0.2.10").status_code == 401
    # The device used up its own attempts; now it counts with everyone (IP and account).
    for _ in range(LIMIT):
        assert login_form(browser, alice.email, "192.0.2.10").status_code == 401
    assert login_form(browser, alice.email, "192.0.2.10").status_code == 429


def test_a_device_cookie_counts_only_for_its_own_account(limited, alice, bob):
    browser = limited.test_client()
    assert sign_in_form(browser, alice, "192.0.2.10").status_code == 302
    browser.submit("/logout")
    for i in range(LIMIT):
        token_api(limited.test_client(), bob.email, f"203.0.113.{i + 1}")
    assert sign_in_form(browser, bob, "192.0.2.10").status_code == 429  # not bob's device


def test_a_forged_device_cookie_is_not_trusted(limited, alice):
    attacker = limited.test_client()
    attacker.set_cookie("woodshed_device", "eyJhIjoiZm9vIiwibiI6ImJhciJ9.forged.signature")
    for i in range(LIMIT):
        assert login_form(attacker, alice.email, f"203.0.113.{i + 1}").status_code == 401
    assert login_form(attacker, alice.email, "203.0.113.99").status_code == 429


def test_the_device_cookie_is_httponly_and_names_no_address(limited, alice):
    response = sign_in_form(limited.test_client(), alice, "192.0.2.10")
    [cookie] = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("woodshed_device=")
    ]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "alice" not in cookie
    assert "example.org" not in cookie


def test_racing_sign_ins_pass_the_limit_exactly(limited, alice):
    """Reserve-then-check is one atomic step: of 30 wrong passwords released together,
    exactly LIMIT are checked (401) and the rest refused (429) — never more guesses."""
    from tests.racing import race
    from woodshed import ratelimit
    from woodshed.errors import TooManyRequests

    def attempt(_i: int) -> bool:
        with limited.test_request_context("/login", environ_base={"REMOTE_ADDR": "192.0.2.1"}):
            try:
                ratelimit.attempt(alice.email)
            except TooManyRequests:
                return False
            return True

    assert sum(race(30, attempt)) == LIMIT


# --- the same counters in Redis (several web processes share them) --------------------------


@pytest.fixture(scope="module")
def redis_url():
    import shutil
    import subprocess
    import time as clock

    pytest.importorskip("redis")
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    from tests.smtp import free_port

    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            clock.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_with_redis_racing_sign_ins_pass_the_limit_exactly(make_app, alice, redis_url):
    """Two apps (two web processes) on one Redis: 30 racing attempts, LIMIT checked."""
    from tests.racing import race
    from woodshed import ratelimit
    from woodshed.errors import TooManyRequests

    settings = {"AUTH_RATE_LIMIT": f"{LIMIT} per 15 minutes", "RATELIMIT_STORAGE_URL": redis_url}
    processes = [make_app(**settings), make_app(**settings)]
    processes[0].extensions["woodshed.throttle"].reset()

    def attempt(i: int) -> bool:
        app = processes[i % 2]
        with app.test_request_context("/login", environ_base={"REMOTE_ADDR": "192.0.2.1"}):
            try:
                ratelimit.attempt(alice.email)
            except TooManyRequests:
                return False
            return True

    assert sum(race(30, attempt)) == LIMIT


def test_with_redis_a_success_gives_its_attempt_back(make_app, alice, bob, redis_url):
    app = make_app(AUTH_RATE_LIMIT=f"{LIMIT} per 15 minutes", RATELIMIT_STORAGE_URL=redis_url)
    app.extensions["woodshed.throttle"].reset()
    client = app.test_client()
    for _ in range(LIMIT + 2):
        answer = client.post(
            "/api/v1/auth/token", json={"email": alice.email, "password": alice.password}
        )
        assert answer.status_code == 201
    for _ in range(LIMIT):
        assert token_api(client, bob.email, "192.0.2.20").status_code == 401
    refused = token_api(client, bob.email, "192.0.2.21")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


def test_email_addresses_are_normalised_in_one_place():
    """Counters, device cookies and accounts compare an address the same way because they
    all call `validation.normalise_email`: nowhere else trims and lower-cases an email
    (ratelimit did it itself three times)."""
    root = Path(woodshed.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        if path.name == "validation.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"lower", "casefold", "strip"}
                and "email" in ast.unparse(node.func.value).lower()
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []
