"""The JSON API toolkit every feature's `api.py` uses.

`ApiBlueprint.operation` declares an endpoint once — method, path, input schemas, output
schema, summary — and gets authentication, the acting profile (from `policy`), validation
into problem+json, rate limiting, serialisation and its OpenAPI description from that one
declaration. The toolkit knows no feature: how a bearer token becomes an account is given
to it by `create_app` (`init_app(app, token_lookup=…)`).
"""

from __future__ import annotations

import decimal
import inspect
import json as stdjson
import logging
import math
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, wraps
from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app, g, json, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from pydantic import BaseModel, TypeAdapter, ValidationError
from wtforms.validators import ValidationError as CSRFValidationError

from woodshed import policy
from woodshed.api.idempotency import run_once
from woodshed.errors import DomainError, PreconditionFailed, Problem
from woodshed.ratelimit import check_api, client_address
from woodshed.validation import validation_problem

log = logging.getLogger("woodshed.security")

API_PREFIX = "/api/v1"
ETAG_PATTERN = re.compile(r'(?:W/)?"v([0-9]{1,18})"', re.ASCII)


@dataclass
class Operation:
    """What the OpenAPI builder knows about one endpoint."""

    method: str
    summary: str
    tags: list[str]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    auth: bool = True
    description: str = ""
    etag: bool = False
    extra_responses: dict[int, str] = field(default_factory=dict)
    body_content_type: str = "application/json"
    response_content_type: str = "application/json"
    idempotent_create: bool = False
    # Request headers the handler reads, as OpenAPI header parameters (e.g. tus's).
    headers: list[dict[str, Any]] = field(default_factory=list)
    # The handler acts on a profile: `?profile_id=` may name another one (the policy decides).
    profile_param: bool = False

    @cached_property
    def adapter(self) -> TypeAdapter | None:
        return TypeAdapter(self.response) if self.response is not None else None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


#: A bearer token → (its account, the token row, whose `id` keys the rate limit), or None.
TokenLookup = Callable[[str], tuple[Any, Any] | None]


@dataclass(frozen=True)
class ApiSettings:
    token_lookup: TokenLookup


def init_app(app: Flask, *, token_lookup: TokenLookup) -> None:
    """Give the toolkit what it needs from the features: the bearer-token lookup."""
    app.extensions["woodshed.api"] = ApiSettings(token_lookup=token_lookup)


def authenticate():
    """The API caller: a bearer token, or a signed-in browser that sent its CSRF token."""
    raw = bearer_token()
    if raw is not None:
        found = current_app.extensions["woodshed.api"].token_lookup(raw)
        if found is None:
            log.warning(
                "API request with an invalid or expired token %s %s", request.method, request.path
            )
            raise Problem(
                401,
                "The bearer token is invalid or has expired.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        user, token = found
        g.api_auth = "bearer"  # no kid mode: that is a browser session's (policy)
        check_api(f"token:{token.id}")
        return user
    if current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except CSRFValidationError:
                log.warning("API write from a browser session without a valid CSRF header")
                raise Problem(
                    403, "Send the page's CSRF token in the X-CSRFToken header."
                ) from None
        check_api(f"user:{current_user.id}")
        return current_user._get_current_object()
    check_api(f"ip:{client_address()}")
    raise Problem(
        401,
        "Sign in: send 'Authorization: Bearer <token>'.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _integral(text: str) -> int | float:
    """JSON Schema counts 1.0 as an integer; strict pydantic would not, so convert it."""
    value = decimal.Decimal(text)
    if value.is_finite() and value == value.to_integral_value() and abs(value) < 10**18:
        return int(value)
    number = float(text)
    if math.isinf(number):
        raise ValueError("number out of range")
    return number


def _not_json(_constant: str):
    raise ValueError("NaN and Infinity are not JSON")


def _json_body(raw: bytes) -> bytes:
    """The body with integral numbers written as integers; strict parsing does the rest."""
    try:
        data = stdjson.loads(raw, parse_float=_integral, parse_constant=_not_json)
    except (ValueError, RecursionError):
        raise DomainError({"body": "The request body is not valid JSON."}) from None
    return stdjson.dumps(data).encode()


def _parse_body(schema: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise Problem(415, "Send the body as application/json.")
    raw = request.get_data(cache=True) or b"null"
    try:
        return schema.model_validate_json(_json_body(raw), strict=True)
    except ValidationError as exc:
        raise validation_problem(exc) from exc


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_date(annotation) -> bool:
    return annotation is date or date in typing.get_args(annotation)


def _query_dict(schema: type[BaseModel]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    bad_dates: dict[str, str] = {}
    for name, info in schema.model_fields.items():
        key = info.alias or name
        values = request.args.getlist(key)
        if not values:
            continue
        origin = getattr(info.annotation, "__origin__", None)
        is_list = origin is list or "list[" in str(info.annotation)
        data[key] = values if is_list else values[-1]
        # pydantic would read "0" as 1970-01-01 (a Unix time); a query date is YYYY-MM-DD.
        if _is_date(info.annotation) and not ISO_DATE.fullmatch(values[-1].strip()):
            bad_dates[key] = "Enter a date as YYYY-MM-DD."
    if bad_dates:
        raise DomainError(bad_dates)
    return data


def form_fields(schema: type[BaseModel]) -> dict[str, str]:
    """A multipart body's text fields; each field the body's schema names is sent once. A
    field sent twice is a list, which none of them is: it is refused (422), not settled by
    which copy came first. Parsing the body may raise RequestEntityTooLarge."""
    named = {info.alias or name for name, info in schema.model_fields.items()}
    repeated = sorted(
        key
        for part in (request.form, request.files)
        for key, values in part.lists()
        if key in named and len(values) > 1
    )
    if repeated:
        raise DomainError(dict.fromkeys(repeated, "Send this field once."))
    return request.form.to_dict()


class _NoQuery(BaseModel):
    """The query of an operation that takes no parameters."""


def _parse_query(schema: type[BaseModel]) -> BaseModel:
    # `profile_id` names the acting profile; the policy reads it (requested_profile_id).
    known = {info.alias or name for name, info in schema.model_fields.items()} | {"profile_id"}
    unknown = [key for key in request.args if key not in known]
    if unknown:
        # A mistyped filter must not silently return everything.
        raise DomainError(
            {key or "(empty)": "This query parameter is not known here." for key in unknown[:5]}
        )
    try:
        return schema.model_validate(_query_dict(schema))
    except ValidationError as exc:
        raise validation_problem(exc) from exc


def if_match_version() -> int | None:
    """The version an `If-Match: "v<n>"` header expects, or None when it is absent."""
    header = request.headers.get("If-Match") or ""
    if header in ("", "*"):  # an empty list of tags sets no condition, as in werkzeug
        return None
    match = ETAG_PATTERN.fullmatch(header)
    if match is None:
        # A malformed header is a bad request (RFC 9110 §5.5), not a failed precondition.
        raise Problem(400, 'If-Match must be an ETag this API sent, like "v3".')
    return int(match.group(1))


class Message(BaseModel):
    """A plain acknowledgement."""

    detail: str


def etag_for(version: int) -> str:
    return f'"v{version}"'


@dataclass
class Reply:
    """A handler result with a status or headers other than the declared ones."""

    body: Any
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    version: int | None = None


def _serialise(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    status = op.status
    headers: dict[str, str] = {}
    version = None
    if isinstance(result, Reply):
        status = result.status or status
        headers = result.headers
        version = result.version
        result = result.body
    if result is None:
        resp = Response(status=204 if status in (200, 204) else status)
    else:
        if op.adapter is not None:
            # Validate first: ORM rows become the declared shape, never their __dict__.
            value = op.adapter.validate_python(result, from_attributes=True)
            payload = op.adapter.dump_json(value, by_alias=True)
        else:
            payload = json.dumps(result).encode()
        resp = Response(payload, status=status, mimetype="application/json")
    if version is not None:
        resp.headers["ETag"] = etag_for(version)
    for k, v in headers.items():
        resp.headers[k] = v
    return resp


def _attach_current(op: Operation, exc: PreconditionFailed) -> None:
    """A stale write answers the object as it is now (`current`) and its ETag."""
    obj = exc.stale_object
    if obj is None or not op.etag:
        return
    exc.headers["ETag"] = etag_for(obj.version)
    if op.adapter is None:
        return
    try:
        value = op.adapter.validate_python(obj, from_attributes=True)
    except ValidationError:
        # Shown with more than its row (a goal's progress): the client reads it again.
        return
    exc.current = json.loads(op.adapter.dump_json(value, by_alias=True))


class ApiBlueprint(Blueprint):
    """A blueprint under /api/v1 whose routes are declared with `operation`."""

    def __init__(self, name: str, import_name: str, tag: str) -> None:
        super().__init__(name, import_name, url_prefix=API_PREFIX)
        self.tag = tag

    def operation(
        self,
        method: str,
        rule: str,
        *,
        summary: str,
        body=None,
        query=None,
        response=None,
        status: int = 200,
        auth: bool = True,
        description: str = "",
        etag: bool = False,
        tags: list[str] | None = None,
        extra_responses: dict[int, str] | None = None,
        endpoint: str | None = None,
        body_content_type: str = "application/json",
        response_content_type: str = "application/json",
        idempotent_create: bool = False,
        headers: list[dict[str, Any]] | None = None,
    ) -> Callable:
        op = Operation(
            method=method.upper(),
            summary=summary,
            tags=tags or [self.tag],
            body=body,
            query=query,
            response=response,
            status=status,
            auth=auth,
            description=description,
            etag=etag,
            extra_responses=extra_responses or {},
            body_content_type=body_content_type,
            response_content_type=response_content_type,
            idempotent_create=idempotent_create,
            headers=headers or [],
        )

        def decorator(fn: Callable) -> Callable:
            wanted = set(inspect.signature(fn).parameters)
            op.profile_param = "profile" in wanted
            if op.profile_param and not auth:
                raise TypeError(f"{fn.__name__} acts on a profile: it needs auth")

            @wraps(fn)
            def view(**path):
                kwargs: dict[str, Any] = dict(path)
                user = authenticate() if op.auth else None
                g.api_user = user
                policy.check_request(user)
                if "user" in wanted:
                    kwargs["user"] = user
                if "profile" in wanted:
                    assert user is not None  # an operation on a profile has auth (above)
                    kwargs["profile"] = policy.request_profile(user)
                if op.body is not None and op.body_content_type == "application/json":
                    kwargs["body"] = _parse_body(op.body)
                if op.query is not None:
                    kwargs["query"] = _parse_query(op.query)
                elif request.args:
                    _parse_query(_NoQuery)
                if op.idempotent_create and user is not None:
                    # A matched route always has an endpoint (typed Optional for 404s).
                    endpoint = cast(str, request.endpoint)
                    return run_once(user, endpoint, lambda: _serialise(op, fn(**kwargs)))
                try:
                    return _serialise(op, fn(**kwargs))
                except PreconditionFailed as exc:
                    _attach_current(op, exc)
                    raise

            view.openapi = op  # type: ignore[attr-defined]
            self.add_url_rule(
                rule, endpoint=endpoint or fn.__name__, view_func=view, methods=[op.method]
            )
            return view

        return decorator
