"""Idempotency-Key (REL-IDEM): re-sending a create with the same key replays its answer.

The key is claimed by inserting a row before the handler runs. A concurrent request with
the same key waits on the unique index (PostgreSQL) or the write lock (SQLite) and then
replays the stored answer. A failed request stores nothing, so the client can retry.
"""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
from flask import Response, request
from sqlalchemy.exc import IntegrityError

from woodshed.api.models import IdempotencyKey
from woodshed.db import db
from woodshed.errors import DomainError, Problem

HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"^[!-~]{1,200}$")


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(row: IdempotencyKey, request_hash: str) -> Response:
    if row.request_hash != request_hash:
        raise DomainError(
            {
                HEADER: "This Idempotency-Key was already used for a different "
                "request; use a new key."
            }
        )
    if row.status is None:
        raise Problem(409, "A request with this Idempotency-Key is still in progress.")
    resp = Response(row.response_body, status=row.status, mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def run_once(user, endpoint: str, handler) -> Response:
    """Call `handler()` once per (user, key); later calls with the key get its response."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not VALID_KEY.match(key):
        raise DomainError({HEADER: "Use 1–200 printable ASCII characters."})
    request_hash = _request_hash()
    find = sa.select(IdempotencyKey).where(
        IdempotencyKey.user_id == user.id, IdempotencyKey.key == key
    )
    row = db.session.scalar(find)
    if row is not None:
        return _replay(row, request_hash)
    row = IdempotencyKey(user_id=user.id, key=key, endpoint=endpoint, request_hash=request_hash)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return _replay(
            db.session.scalars(find.execution_options(populate_existing=True)).one(), request_hash
        )
    response = handler()
    if response.status_code < 400:
        row.status = response.status_code
        row.response_body = response.get_data(as_text=True)
        db.session.flush()
    return response
