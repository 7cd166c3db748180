"""Brute-force throttling shared by every authentication path.

Each attempt is counted against the account (normalised email) and the client address
(IPv6 collapsed to its /64), in one namespace, so the web form and the API drain the same
counters. Counters live in the storage named by WOODSHED_RATELIMIT_STORAGE_URL.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time

from flask import Flask, current_app, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from woodshed.errors import TooManyRequests

log = logging.getLogger("woodshed.security")


class Throttle:
    def __init__(self, app: Flask) -> None:
        self.storage = storage_from_string(app.config["RATELIMIT_STORAGE_URL"])
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.auth_limit = parse(app.config["AUTH_RATE_LIMIT"])
        self.api_limit = parse(app.config["API_RATE_LIMIT"])

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

    def reset(self) -> None:
        self.storage.reset()


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
        keys.append(f"auth-account:{email.strip().lower()}")
    return keys


def check_auth(email: str | None) -> None:
    t = throttle()
    t.check(t.auth_limit, auth_keys(email))


def record_auth_attempt(email: str | None) -> None:
    t = throttle()
    t.hit(t.auth_limit, auth_keys(email))


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
