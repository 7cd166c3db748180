"""Brute-force throttling shared by every authentication path.

Each attempt is counted against the account (normalised email) and the client address
(IPv6 collapsed to its /64), in one namespace, so the web form and the API drain the same
counters. Counters live in the storage named by WOODSHED_RATELIMIT_STORAGE_URL.

An attempt is *reserved* before the password (or code) is checked: one atomic increment
per counter (a lock in memory, INCRBY in Redis) that is refused past the limit, so
requests racing each other cannot all pass a check made before any of them was counted.
A successful attempt gives its reservation back; a failed one keeps it.

Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a
browser or client that has signed in to an account before holds a signed cookie naming
that account. Its attempts count against the cookie alone, so failures from elsewhere —
which lock the account's shared counter — never lock out the owner's own devices. A
device that uses up its own attempts falls back to the shared counters.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import cast

from flask import Flask, after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from woodshed.errors import TooManyRequests
from woodshed.validation import normalise_email

log = logging.getLogger("woodshed.security")


class InRequestMemoryStorage(MemoryStorage):
    """limits' in-process storage, whose expiry pass runs in the request that is due one.

    limits runs the pass (it forgets ended windows) on a timer thread 10 ms after a counted
    request, and starts a new thread whenever the last one has ended: on a server that is
    not busy, every API request started a thread. Here the same pass runs at the same pace,
    at most once per 10 ms, in the counting request itself: 104 µs of CPU per counted
    request instead of 266 µs (50 counters, a request every 12 ms; docs/performance.md).
    The hook is limits' own private method, pinned with its version in constraints.txt;
    tests/accounts/test_rate_limits.py checks that no thread is started and that windows
    still end.
    """

    EVERY_SECONDS = 0.01

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self.swept_at = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # called before each count
        now = time.monotonic()
        if now - self.swept_at >= self.EVERY_SECONDS:
            self.swept_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _storage(url: str) -> Storage:
    if url.startswith("memory://"):
        return InRequestMemoryStorage(url)
    # A synchronous storage: the URL never names an async backend ("async+…").
    return cast(Storage, storage_from_string(url))


class Throttle:
    def __init__(self, app: Flask) -> None:
        self.storage = _storage(app.config["RATELIMIT_STORAGE_URL"])
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.auth_limit = parse(app.config["AUTH_RATE_LIMIT"])
        self.api_limit = parse(app.config["API_RATE_LIMIT"])
        self.reset_mail_limits = parse_many(app.config["RESET_MAIL_LIMIT"])

    def _retry_after(self, limit, key: str) -> int:
        reset_at, _remaining = self.limiter.get_window_stats(limit, key)
        return max(1, math.ceil(reset_at - time.time()))

    def check(self, limit, keys: list[str]) -> None:
        """Refuse with 429 if any key has used up its attempts."""
        for key in keys:
            if not self.limiter.test(limit, key):
                log.warning(
                    "rate limit reached for %s on %s %s",
                    key.split(":")[0],
                    request.method,
                    request.path,
                )
                raise TooManyRequests(self._retry_after(limit, key))

    def hit(self, limit, keys: list[str]) -> None:
        for key in keys:
            self.limiter.hit(limit, key)

    def reserve(self, limit, keys: list[str]) -> str | None:
        """Count one attempt on every key in one atomic step per key; past the limit on any
        of them, give back what was taken and answer that key (None: reserved)."""
        taken: list[str] = []
        for key in keys:
            counter = _counter(limit, key)
            if self.storage.incr(counter, limit.get_expiry()) > limit.amount:
                self.storage.incr(counter, limit.get_expiry(), amount=-1)
                self.refund_keys(limit, taken)
                return key
            taken.append(key)
        return None

    def refund_keys(self, limit, keys: list[str]) -> None:
        for key in keys:
            self.storage.incr(_counter(limit, key), limit.get_expiry(), amount=-1)

    def counter_retry_after(self, limit, key: str) -> int:
        return max(1, math.ceil(self.storage.get_expiry(_counter(limit, key)) - time.time()))

    def reset(self) -> None:
        self.storage.reset()


def _counter(limit, key: str) -> str:
    return "attempts/" + limit.key_for(key)


def throttle() -> Throttle:
    return current_app.extensions["woodshed.throttle"]


def client_address() -> str:
    """The caller's address (after ProxyFix), IPv6 reduced to its /64 network."""
    raw = request.remote_addr or "unknown"
    try:
        addr = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if addr.version == 6:
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return str(addr)


def auth_keys(email: str | None) -> list[str]:
    keys = [f"auth-ip:{client_address()}"]
    if email:
        keys.append(f"auth-account:{normalise_email(email)}")
    return keys


@dataclass
class Attempt:
    """One reserved authentication attempt: `succeeded()` gives it back."""

    keys: list[str]
    email: str | None = None
    given_back: bool = field(default=False)

    def succeeded(self) -> None:
        if not self.given_back:
            t = throttle()
            t.refund_keys(t.auth_limit, self.keys)
            self.given_back = True


def _refuse(t: Throttle, limit, key: str):
    log.warning(
        "rate limit reached for %s on %s %s", key.split(":")[0], request.method, request.path
    )
    return TooManyRequests(t.counter_retry_after(limit, key))


def attempt(email: str | None) -> Attempt:
    """Reserve one attempt to authenticate as `email` (None: an attempt that names no
    account, such as registering); 429 when its counters are used up. A device cookie for
    this account counts the attempt on the device alone while the device has attempts left."""
    t = throttle()
    device = _device_nonce(email) if email else None
    if device is not None:
        keys = [f"auth-device:{device}"]
        if t.reserve(t.auth_limit, keys) is None:
            return Attempt(keys, email)
    keys = auth_keys(email)
    if (refused := t.reserve(t.auth_limit, keys)) is not None:
        raise _refuse(t, t.auth_limit, refused)
    return Attempt(keys, email)


def attempt_from_address() -> Attempt:
    """Reserve an attempt that counts against the client address only (a reset request:
    it must never lock the account's owner out, whoever sends it)."""
    t = throttle()
    keys = [f"auth-ip:{client_address()}"]
    if (refused := t.reserve(t.auth_limit, keys)) is not None:
        raise _refuse(t, t.auth_limit, refused)
    return Attempt(keys)


def may_send_reset_mail(email: str) -> bool:
    """One reset email per address per WOODSHED_RESET_MAIL_LIMIT window (1 per 5 minutes
    and 3 per day by default). Over the limit the request is answered the same and nothing
    is sent, so the requester learns nothing."""
    t = throttle()
    key = "reset-mail:" + hashlib.sha256(normalise_email(email).encode()).hexdigest()
    return all(t.limiter.hit(limit, key) for limit in t.reset_mail_limits)


# --- device cookies --------------------------------------------------------------------------

DEVICE_COOKIE = "woodshed_device"
DEVICE_DAYS = 365


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="woodshed-device")


def _account_digest(email: str) -> str:
    # The cookie names the account by a digest: a signed cookie is readable by its holder.
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]


def _device_nonce(email: str) -> str | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 300:
        return None
    try:
        data = _device_serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != _account_digest(email):
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) and nonce else None


def remember_device(email: str) -> None:
    """After a successful sign-in: give this browser or client a device cookie for the
    account (a new one each time, so a cookie that used up its attempts is replaced)."""
    value = _device_serializer().dumps({"a": _account_digest(email), "n": secrets.token_hex(16)})
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))

    @after_this_request
    def _set(response):
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_DAYS * 86400,
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
        return response


def check_api(identity: str) -> None:
    """Count one API request and refuse it past the limit, in one atomic step (a lock in
    memory, a script in Redis): requests racing each other cannot all pass a check made
    before any of them is counted."""
    t = throttle()
    key = f"api:{identity}"
    if not t.limiter.hit(t.api_limit, key):
        log.warning("rate limit reached for api on %s %s", request.method, request.path)
        raise TooManyRequests(t._retry_after(t.api_limit, key))


def init_app(app: Flask) -> None:
    app.extensions["woodshed.throttle"] = Throttle(app)
