"""REL-VAL: schemathesis runs every operation of the OpenAPI document with its default checks.

The app runs in-process (WSGI). Every case of one operation's test calls as alice with one
bearer token (issued with the world). What the app's requests commit stays until the test
ends — an Idempotency-Key used by an earlier case is still known to a later one — and the
test's outer transaction is rolled back then. Departures from the default checks live in
tests/schemathesis_settings.toml, each with its reason.
"""

from __future__ import annotations

import contextvars
import fnmatch
import os
import re
import tempfile
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import ParameterLocation
from schemathesis.python._constants.orchestrator import build_constants_pool

from tests import conftest
from tests.factories import make_instrument
from woodshed import create_app
from woodshed.accounts.services import issue_api_token
from woodshed.api import openapi
from woodshed.db import db, utcnow
from woodshed.ratelimit import throttle

# The fuzzing is the suite's longest part: it runs once, on SQLite (always there). Text
# PostgreSQL would refuse (NUL and control characters) the schemas refuse first
# (woodshed/validation.py); every other API test runs on PostgreSQL too.
pytestmark = pytest.mark.one_database

CONFIG_PATH = Path(__file__).with_name("schemathesis_settings.toml")
CONFIG = tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))
MAX_EXAMPLES = int(
    os.environ.get("WOODSHED_SCHEMATHESIS_MAX_EXAMPLES") or CONFIG["settings"]["max_examples"]
)


@dataclass(frozen=True)
class Accept:
    """A response the config says does not count against one check for some operations."""

    check: str
    operations: tuple[str, ...]
    status: int
    fields: tuple[str, ...]
    message: str
    reason: str

    def applies(self, label: str, response) -> bool:
        """For this operation and status (`*` stands for every operation)."""
        ops = self.operations
        return ("*" in ops or label in ops) and response.status_code == self.status

    def explains(self, error: dict) -> bool:
        """A field error this entry is about (field names may use `*`: `items.*.piece_id`)."""
        named = any(fnmatch.fnmatchcase(error["field"], f) for f in self.fields)
        return named and self.message in error["message"]


ACCEPTS = [
    Accept(
        check=entry["check"],
        operations=tuple(entry["operations"]),
        status=entry["status"],
        fields=tuple(entry.get("fields", ())),
        message=entry.get("message", ""),
        reason=entry.get("reason", "").strip(),
    )
    for entry in CONFIG.get("accept", [])
]


class Isolated:
    """Run each request in a fresh context, so it gets its own app context and session."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        return contextvars.Context().run(self.app, environ, start_response)


@dataclass
class World:
    """alice, her bearer token and her objects, committed to the test's outer transaction."""

    alice: object
    token: str
    instrument_id: uuid.UUID


@pytest.fixture
def world(app, alice) -> World:
    instrument = make_instrument(alice.profile, "Cello", level="advanced")
    # One token for every case: a case that revokes it (signing out, deleting the account)
    # runs in a savepoint that is rolled back, so the next case finds it valid again.
    raw, token = issue_api_token(alice.user, "schemathesis")
    # Used just now: each case's savepoint is rolled back, so a token never used would be
    # stamped again by every case (a write per request the app makes once a minute).
    token.last_used_at = utcnow()
    # Release the factory savepoint: the rows stay in the test's outer transaction, and each
    # case's savepoint (rolled back after it) sits on top of them.
    db.session.commit()
    return World(alice, raw, instrument.id)


#: {app: its loaded schema}, one per worker. Each operation's test runs on a copy of it that
#: keeps the pool of string constants schemathesis reads from the app's source: read once
#: here instead of walking and parsing the app's modules again for every operation.
_SCHEMAS: dict[Flask, schemathesis.BaseSchema] = {}


@pytest.fixture
def api_schema(app, world, request):
    # schemathesis 4.32 renames the pytest node through `_nodeid`, which pytest 9.2 calls `_id`.
    request.node._nodeid = request.node.nodeid
    if app not in _SCHEMAS:
        loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", Isolated(app))
        build_constants_pool(loaded)  # kept on the schema and copied with it (pinned 4.32)
        _SCHEMAS[app] = loaded
    return _SCHEMAS[app]


schema = schemathesis.pytest.from_fixture("api_schema")


def _real_ids(case, world: World) -> None:
    """Aim well-formed ids at alice's real objects, so success paths are exercised too."""
    for name, value in list(case.path_parameters.items()):
        if not _is_uuid(value):
            continue
        if name == "instrument_id":
            case.path_parameters[name] = str(world.instrument_id)
        elif name == "token_id":
            _raw, spare = issue_api_token(world.alice.user, "schemathesis spare")
            case.path_parameters[name] = str(spare.id)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _excluded_checks(label: str, response) -> list:
    """Checks an accepted answer is exempt from: a non-422 status named by an entry, or a
    422 whose every field error is explained by some entry for the same check."""
    load_all_checks()
    excluded = []
    for check in {a.check for a in ACCEPTS}:
        entries = [a for a in ACCEPTS if a.check == check and a.applies(label, response)]
        if not entries:
            continue
        if response.status_code == 422:
            errors = response.json().get("errors", [])
            if not errors or not all(any(a.explains(e) for a in entries) for e in errors):
                continue
        excluded.append(CHECKS.get_one(check))
    return excluded


def _negative(case, location: ParameterLocation) -> bool:
    """Whether the case's `location` (headers, body, …) was generated invalid on purpose."""
    info = case.meta.components.get(location) if case.meta else None
    return info is not None and info.mode == GenerationMode.NEGATIVE


def _negative_headers(case) -> bool:
    """A case generated with invalid headers (such as no Authorization) is sent as generated:
    adding alice's token would turn it into a valid request the check expects refused."""
    return _negative(case, ParameterLocation.HEADER)


def _send_unknown_query_keys(case) -> None:
    """An undeclared query key with a null value would be dropped by the transport, and the
    server would see a valid request the negative check expects refused: send it empty."""
    declared = {p.name for p in case.operation.iter_parameters() if p.location == "query"}
    for key, value in list((case.query or {}).items()):
        if value is None and key not in declared:
            case.query[key] = ""


def _empty_multipart_list_leaves_out_an_optional_field(case, label: str) -> bool:
    """In a multipart body a list is one part per item, so an empty list is no part at all:
    the field is left out. A negative case whose body holds one for an optional field (a
    `session_id` mutated to `[]`) is then, on the wire, the valid request that leaves that
    field out, and the check that the server refuses it does not apply."""
    if not _negative(case, ParameterLocation.BODY):
        return False
    if case.media_type != "multipart/form-data" or not isinstance(case.body, dict):
        return False
    emptied = {key for key, value in case.body.items() if value == []}
    return bool(emptied - MULTIPART_REQUIRED[label])


def check_case(case, world: World) -> None:
    """Call one generated case as alice and run the default checks on the answer."""
    _real_ids(case, world)
    db.session.flush()
    throttle().reset()
    headers = {} if _negative_headers(case) else {"Authorization": f"Bearer {world.token}"}
    _send_unknown_query_keys(case)
    try:
        response = case.call(headers=headers)
        label = f"{case.operation.method.upper()} {case.operation.path}"
        excluded = _excluded_checks(label, response)
        if _empty_multipart_list_leaves_out_an_optional_field(case, label):
            excluded.append(CHECKS.get_one("negative_data_rejection"))
        case.validate_response(
            response,
            headers=headers,
            transport_kwargs={"headers": headers},
            excluded_checks=excluded,
        )
    finally:
        db.session.rollback()


HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    # The app and alice are built once per operation, not per example, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _document() -> dict:
    """The OpenAPI document, from an app with no database.

    Read at collection, so that each operation is a test of its own: pytest-xdist's
    workers share them, and a failure names its operation.
    """
    with tempfile.TemporaryDirectory(prefix="woodshed-openapi-") as tmp:
        app = create_app(conftest.test_config("sqlite://", Path(tmp), None))
        document = openapi.build_spec(app)
        app.extensions["woodshed.engine"].dispose()
    return document


DOCUMENT = _document()
#: {operationId: "METHOD /path"} of every API operation.
OPERATIONS = {
    op["operationId"]: f"{method.upper()} {path}"
    for path, ops in DOCUMENT["paths"].items()
    for method, op in ops.items()
}
#: {"METHOD /path": the required fields} of the operations that take a multipart body.
MULTIPART_REQUIRED = {
    f"{method.upper()} {path}": set(form["schema"].get("required", ()))
    for path, ops in DOCUMENT["paths"].items()
    for method, op in ops.items()
    if (form := op.get("requestBody", {}).get("content", {}).get("multipart/form-data"))
}


def _test_name(operation_id: str) -> str:
    return f"test_{operation_id}_survives_schemathesis"


def _operation_test(operation_id: str):
    def test(case, world):
        check_case(case, world)

    test.__name__ = test.__qualname__ = _test_name(operation_id)
    test.__doc__ = f"{OPERATIONS[operation_id]}: schemathesis' default checks, as alice."
    return schema.include(operation_id=operation_id).parametrize()(HYPOTHESIS(test))


for _operation_id in OPERATIONS:
    globals()[_test_name(_operation_id)] = _operation_test(_operation_id)
del _operation_id


def test_every_operation_of_the_document_has_its_own_schemathesis_test(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    served = {
        op["operationId"]: f"{method.upper()} {path}"
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    }
    assert served == OPERATIONS
    for operation_id in served:
        assert callable(globals().get(_test_name(operation_id))), operation_id


def test_the_multipart_bodies_name_their_required_fields():
    """Read inline: a `$ref` here would leave every field looking optional."""
    expected = {"POST /api/v1/import": {"file"}, "POST /api/v1/recordings": {"file"}}
    assert expected == MULTIPART_REQUIRED


def test_every_exclusion_names_a_check_an_operation_and_a_reason(app):
    load_all_checks()
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    labels = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops}
    for accept in ACCEPTS:
        assert len(accept.reason) > 40, f"give a real reason for {accept}"
        assert CHECKS.get_one(accept.check) is not None
        assert set(accept.operations) - {"*"} <= labels, set(accept.operations) - labels
        assert accept.status != 500, "a server error is never acceptable"
        assert accept.status != 422 or accept.fields, "name the fields a 422 may be about"


def test_the_openapi_document_is_valid_openapi_3_1(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    loaded = schemathesis.openapi.from_dict(document)
    loaded.validate()  # against the official OpenAPI 3.1 meta-schema

    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, ops in document["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for op in ops.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, declared)
            assert op["responses"], path
    text = response.get_data(as_text=True)
    for ref in set(re.findall(r'"\$ref":\s*"#/components/schemas/([^"]+)"', text)):
        assert ref in document["components"]["schemas"], ref


def test_the_openapi_document_passes_openapi_spec_validator(app):
    """The validator client generators use: stricter than the meta-schema (defaults must
    match their schema — a nullable field's `default: null` needs `null` in its type)."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    document = app.test_client().get("/api/v1/openapi.json").get_json()
    try:
        validate(document)
    except OpenAPIValidationError as exc:
        pytest.fail(f"{exc.message} at {'/'.join(map(str, exc.path))}")


def test_the_openapi_document_describes_every_api_route(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api_docs.openapi_json":
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert f"{method} {path}" in documented


def test_the_api_docs_page_renders_without_outside_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/api/v1/openapi.json" in html
    assert "/api/v1/auth/token" in html
    # Every src/href is local: no CDN, no other host, no protocol-relative URL.
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith(("/", "#")), url
        assert not url.startswith("//"), url
    assert "https://" not in html.split("<main", 1)[0]
