"""SEC-AC: the route × role matrix, generated into one test per cell.

The core routes are in tests/access_matrix.toml; each feature keeps its own in
tests/access/<feature>.toml (the meta-test lists what is missing). Path parameters are filled
by builders: the core ones below (`@builder("instrument_id")` returning `Built(value,
snapshot)`), and per feature a `BUILDERS = {"piece_id": fn(alice) -> ORM object}` dict in
tests/access/<feature>_builders.py. A route's own file's builders win, so the same
parameter name can mean different objects in different features (`session_id`).

Each cell also makes the checks that need every route built (so routes are built once):
SEC-CSRF (the role that may post tries without a token first; no GET changes anything)
and SEC-HDR's no inline code on any page.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from tests.clients import ApiClient
from tests.factories import Persona, make_instrument
from woodshed.accounts import services as accounts
from woodshed.accounts.models import ApiToken, AuthSession, User
from woodshed.db import db, utcnow
from woodshed.profiles.models import Instrument, MusicianProfile

MATRIX_PATH = Path(__file__).with_name("access_matrix.toml")
FRAGMENTS = sorted((Path(__file__).parent / "access").glob("*.toml"))


def _load_matrix() -> tuple[dict[str, dict[str, Any]], dict[str, str], list[str]]:
    """Every route's entry, the file it came from, and routes listed twice."""
    matrix: dict[str, dict[str, Any]] = {}
    source: dict[str, str] = {}
    twice: list[str] = []
    for path in [MATRIX_PATH, *FRAGMENTS]:
        for key, entry in tomllib.loads(path.read_text(encoding="utf-8")).items():
            if key in matrix:
                twice.append(f"{key} ({source[key]} and {path.stem})")
            matrix[key] = entry
            source[key] = path.stem
    return matrix, source, twice


MATRIX, SOURCE, LISTED_TWICE = _load_matrix()
ROLES = ("anonymous", "owner", "other", "admin")
# Teachers ask for alice's data: pages under /students/<alice's profile id>/, the API with
# ?profile_id=<alice's profile id> (unless the entry says `names_profile = false`: the
# studio's own routes). A teacher without a link to alice, one whose link ended and one
# linked to bob only see nothing: 404 unless the entry says otherwise. alice's linked
# teacher reads what the entry says (404 unless given) and is refused every change: 403.
TEACHER_ROLES = ("teacher", "linked-teacher", "former-teacher", "other-teacher")
# Guardians act for a child: gwen is the guardian of alice's profile (as of a child's)
# and asks under /children/<alice's profile id>/ (the API with ?profile_id=); she gets what
# the owner gets unless the entry says `guardian = …` (the account's own pages: 404).
# olga, the guardian of bob's profile, sees nothing of alice's: 404 (an outsider).
GUARDIAN_ROLES = ("guardian", "other-guardian")
BODY_KEYS = ("form", "json", "names_profile")
PARAM = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


@dataclass
class Cast:
    alice: Persona
    bob: Persona
    charlie: Persona

    def persona(self, role: str) -> Persona | None:
        if role in TEACHER_ROLES:
            return self.teacher(role)
        if role in GUARDIAN_ROLES:
            return self.guardian(role)
        return {"owner": self.alice, "other": self.bob, "admin": self.charlie}.get(role)

    def teacher(self, role: str) -> Persona:
        """The teacher of `role`, made (with their link) on first use."""
        from tests.teaching.helpers import make_link, make_teacher

        name = {
            "teacher": "tess",
            "linked-teacher": "lena",
            "former-teacher": "fred",
            "other-teacher": "otto",
        }[role]
        persona = self.__dict__.get(name)
        if persona is None:
            persona = self.__dict__[name] = make_teacher(name)
            if role in ("linked-teacher", "former-teacher"):
                make_link(persona, self.alice, ended=role == "former-teacher")
            elif role == "other-teacher":
                make_link(persona, self.bob)
        return persona

    def guardian(self, role: str) -> Persona:
        """The guardian of `role` (of alice's profile, or of bob's), made on first use."""
        from tests.factories import make_persona
        from woodshed.teaching.models import Link

        name = "gwen" if role == "guardian" else "olga"
        persona = self.__dict__.get(name)
        if persona is None:
            persona = self.__dict__[name] = make_persona(name)
            ward = self.alice if role == "guardian" else self.bob
            now = utcnow()
            db.session.add(
                Link(
                    kind="guardian",
                    user_id=persona.user.id,
                    profile_id=ward.profile.id,
                    scopes=[],
                    accepted_by=ward.user.id,
                    accepted_at=now,
                )
            )
            db.session.flush()
        return persona


def expected(entry: dict, role: str, method: str) -> int:
    """The status the matrix promises `role` (the teachers' defaults: see TEACHER_ROLES;
    the guardians': GUARDIAN_ROLES)."""
    if role in entry:
        return entry[role]
    if role == "guardian":
        return entry["owner"]
    if role == "other-guardian":  # like a teacher of bob's (public pages answer anyone)
        return entry.get("other-teacher", 404)
    if role == "linked-teacher" and method != "GET":
        return 403
    return 404


@dataclass
class Built:
    """An object of alice's for a path parameter: the value for the URL, and its stored row."""

    value: Any
    snapshot: Callable[[], dict | None]


BUILDERS: dict[str, Callable[[Cast], Built]] = {}


def builder(param: str):
    """Register the function that makes alice's object for path parameter `param`."""

    def register(fn: Callable[[Cast], Built]) -> Callable[[Cast], Built]:
        BUILDERS[param] = fn
        return fn

    return register


def row_of(model, obj_id, ignore: tuple[str, ...] = ()) -> Callable[[], dict | None]:
    """A function returning the row as stored right now (None once it is gone)."""
    table = model.__table__

    def snapshot() -> dict | None:
        row = db.session.execute(sa.select(table).where(table.c.id == obj_id)).mappings().first()
        return None if row is None else {k: v for k, v in row.items() if k not in ignore}

    return snapshot


def _feature_builders() -> dict[str, dict[str, Callable[[Cast], Built]]]:
    """tests/access/<feature>_builders.py BUILDERS, adapted to `Built`, keyed by feature."""
    result: dict[str, dict[str, Callable[[Cast], Built]]] = {}
    for path in FRAGMENTS:
        try:
            module = importlib.import_module(f"tests.access.{path.stem}_builders")
        except ModuleNotFoundError:
            continue

        def adapt(make):
            def build(cast: Cast) -> Built:
                obj = make(cast.alice)
                if not hasattr(type(obj), "__table__"):  # a plain value, e.g. a chart's name
                    return Built(obj.id, lambda: {"value": obj.id})
                return Built(obj.id, row_of(type(obj), obj.id))

            return build

        result[path.stem] = {name: adapt(make) for name, make in module.BUILDERS.items()}
    return result


FEATURE_BUILDERS = _feature_builders()


def builder_for(route: str, param: str) -> Callable[[Cast], Built] | None:
    """The route's own feature's builder, else a core one, else any feature's."""
    own = FEATURE_BUILDERS.get(SOURCE.get(route, ""), {})
    if param in own:
        return own[param]
    if param in BUILDERS:
        return BUILDERS[param]
    for builders in FEATURE_BUILDERS.values():
        if param in builders:
            return builders[param]
    return None


@builder("instrument_id")
def _instrument(cast: Cast) -> Built:
    instrument = make_instrument(cast.alice.profile, "Viola", level="intermediate")
    return Built(instrument.id, row_of(Instrument, instrument.id))


@builder("session_id")
def _auth_session(cast: Cast) -> Built:
    raw = accounts.start_session(cast.alice.user, "203.0.113.7", "Firefox on a laptop")
    row = accounts.session_for_token(raw)
    return Built(row.id, row_of(AuthSession, row.id))


@builder("token_id")
def _api_token(cast: Cast) -> Built:
    _raw, token = accounts.issue_api_token(cast.alice.user, "alice's script")
    return Built(token.id, row_of(ApiToken, token.id))


@builder("user_id")
def _user(cast: Cast) -> Built:
    return Built(cast.alice.user.id, row_of(User, cast.alice.user.id, ignore=("last_login_at",)))


def path_params(rule: str) -> list[str]:
    return PARAM.findall(rule)


def fill(rule: str, values: dict[str, Any]) -> str:
    return PARAM.sub(lambda m: str(values[m.group(1)]), rule)


def expand(value: Any, cast: Cast) -> Any:
    """Put alice's email and password into a body from the matrix."""
    alice = SimpleNamespace(email=cast.alice.email, password=cast.alice.password)
    if isinstance(value, str):
        return value.format(alice=alice)
    if isinstance(value, dict):
        return {k: expand(v, cast) for k, v in value.items()}
    return value


def alice_state(cast: Cast, built: dict[str, Built]) -> dict:
    """Everything of alice's a stranger or a visitor could try to change."""
    state = {name: b.snapshot() for name, b in built.items()}
    state["account"] = row_of(User, cast.alice.user.id, ignore=("last_login_at",))()
    state["profile"] = row_of(MusicianProfile, cast.alice.profile.id)()
    state["instruments"] = db.session.scalars(
        sa.select(Instrument.name).where(Instrument.profile_id == cast.alice.profile.id)
    ).all()
    return state


def signed_in(app, persona: Persona | None):
    web = app.test_client()
    if persona is not None:
        web.sign_in(persona)
    return web


def as_teacher(url: str, entry: dict, cast: Cast) -> str:
    """`url` naming alice's profile, as a teacher asks for a student's data."""
    if not entry.get("names_profile", True):
        return url
    if url.startswith("/api/"):
        return f"{url}{'&' if '?' in url else '?'}profile_id={cast.alice.profile.id}"
    return f"/students/{cast.alice.profile.id}{url}"


def as_guardian(url: str, entry: dict, cast: Cast) -> str:
    """`url` acting for alice's profile, as a guardian acts for a child."""
    url = as_teacher(url, entry, cast)
    return url.replace("/students/", "/children/", 1) if url.startswith("/students/") else url


def send(app, role: str, method: str, url: str, entry: dict, cast: Cast, web=None):
    """The role's request: with its bearer token for /api/, else from its browser (`web`)."""
    persona = cast.persona(role)
    if role in TEACHER_ROLES:
        url = as_teacher(url, entry, cast)
    elif role in GUARDIAN_ROLES:
        url = as_guardian(url, entry, cast)
    if url.startswith("/api/"):
        client = ApiClient.for_user(app, persona.user) if persona else ApiClient(app, None)
        return client.request(method, url, json=expand(entry.get("json"), cast))
    web = web or signed_in(app, persona)
    if method == "GET":
        return web.get(url)
    if method == "POST":
        return web.submit(url, expand(entry.get("form", {}), cast))
    return web.open(url, method=method, data=expand(entry.get("form"), cast))


# SEC-CSRF, checked in the same pass: every state change needs a CSRF token (forms) or a
# bearer token / the X-CSRFToken header (API); form posts that authenticate by a signed
# token in the URL instead of a session cookie are exempt.
CSRF_EXEMPT = {
    "POST /unsubscribe": "RFC 8058 one-click unsubscribe: mail clients post without a page",
}


def csrf_kind(route: str) -> str | None:
    """The CSRF check a route gets: "form" (a form post), "api" (an API write a cookie could
    authenticate) or None."""
    method, rule = route.split(" ", 1)
    if method == "GET" or route in CSRF_EXEMPT:
        return None
    if not rule.startswith("/api/"):
        return "form"
    return "api" if MATRIX[route]["anonymous"] == 401 else None


def csrf_role(route: str) -> str:
    """The cell that tries the route without a CSRF token: whoever may use it."""
    return "admin" if route.split(" ", 1)[1].startswith("/admin/") else "owner"


def assert_refused_without_csrf(web, route: str, url: str, entry: dict, cast: Cast) -> None:
    """A form post without a valid token is a 400; a cookie API write without the header 403."""
    method = route.split(" ", 1)[0]
    if csrf_kind(route) == "form":
        for token in (None, "IjEyMzQ1Njc4OTAi.forged.signature"):
            form = expand(entry.get("form", {}), cast)
            if token is not None:
                form["csrf_token"] = token
            response = web.open(url, method=method, data=form)
            assert response.status_code == 400, f"{route} with csrf_token={token}"
            assert "CSRF" in response.get_data(as_text=True)
        return
    response = web.open(url, method=method, json=expand(entry.get("json"), cast))
    assert response.status_code == 403, f"{route} from a cookie without X-CSRFToken"
    assert response.mimetype == "application/problem+json"
    assert "X-CSRFToken" in response.get_json()["detail"]


def assert_no_inline_code(response) -> None:
    """SEC-HDR: the CSP blocks inline scripts, styles and handlers, so no page may rely on one."""
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), "inline script body"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert "<style" not in html
    assert "javascript:" not in html


#: The teachers who see nothing of alice's share one cell per route (built once, asked in
#: turn). The teachers' cells run on one database: what they test is the gate's decision,
#: which no SQL dialect changes (tests/teaching runs the teachers' reads on both).
OUTSIDERS = ("teacher", "former-teacher", "other-teacher", "other-guardian")
#: alice's linked teacher and her guardian share one cell too (the guardian asks last: a
#: guardian may change or delete what the teacher was refused).
LINKED = ("linked-teacher", "guardian")


def _cells():
    for key in sorted(MATRIX):
        for role in ROLES:
            yield pytest.param(key, role, id=f"{key} as {role}")
        for role in ("linked-teacher", "outsider-teachers"):
            yield pytest.param(key, role, id=f"{key} as {role}", marks=pytest.mark.one_database)


@pytest.mark.parametrize(("route", "role"), list(_cells()))
def test_each_role_gets_the_status_the_matrix_promises(app, alice, bob, charlie, route, role):
    """The promised status; a stranger, a visitor or any GET changes nothing of alice's; the
    role that may post tries it first without a CSRF token; pages carry no inline code."""
    entry = MATRIX[route]
    method, rule = route.split(" ", 1)
    cast = Cast(alice, bob, charlie)
    built = {name: builder_for(route, name)(cast) for name in path_params(rule)}
    url = fill(rule, {name: b.value for name, b in built.items()})
    before = alice_state(cast, built)

    web = None
    if csrf_kind(route) and role == csrf_role(route):
        web = signed_in(app, cast.persona(role))
        assert_refused_without_csrf(web, route, url, entry, cast)
        assert alice_state(cast, built) == before, f"{route} changed data without a CSRF token"

    askers = {"outsider-teachers": OUTSIDERS, "linked-teacher": LINKED}.get(role, (role,))
    for asker in askers:
        response = send(app, asker, method, url, entry, cast, web=web)

        want = expected(entry, asker, method)
        assert response.status_code == want, (
            f"{route} as {asker}: expected {want}, got {response.status_code}\n"
            + response.get_data(as_text=True)[:400]
        )
        strangers = ("other", "anonymous", "other-guardian", *TEACHER_ROLES)
        if (asker in strangers and entry.get("names_profile", True)) or method == "GET":
            assert alice_state(cast, built) == before, f"{route} as {asker} changed alice's data"
        if method == "GET" and not url.startswith("/api/"):
            assert_no_inline_code(response)


def test_every_route_in_the_url_map_is_in_the_access_matrix(app):
    routes = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, "Add these to tests/access/<feature>.toml:\n" + "\n".join(missing)
    assert not stale, "These are in the access matrix but not routes:\n" + "\n".join(stale)
    assert not LISTED_TWICE, "Listed in two matrix files:\n" + "\n".join(LISTED_TWICE)


def test_every_matrix_entry_names_each_role_and_has_builders_for_its_parameters():
    for key, entry in MATRIX.items():
        method, _, rule = key.partition(" ")
        assert method in {"GET", "POST", "PUT", "PATCH", "DELETE"}, key
        assert set(ROLES) <= set(entry), f"{key} misses {set(ROLES) - set(entry)}"
        known = set(ROLES + TEACHER_ROLES + GUARDIAN_ROLES) | set(BODY_KEYS)
        assert set(entry) <= known, f"{key}: unknown keys"
        assert all(100 <= entry[role] <= 599 for role in ROLES), key
        unknown = [p for p in path_params(rule) if builder_for(key, p) is None]
        assert not unknown, f"{key}: write a builder for {unknown}"


def _children_of(persona) -> set:
    from woodshed.family import services as family

    return {child.id for child in family.children_of(persona.user)}


def test_every_builder_makes_an_object_of_alices(app, alice, bob, charlie):
    cast = Cast(alice, bob, charlie)
    every = [("core", BUILDERS), *FEATURE_BUILDERS.items()]
    for name, build in ((f"{f}:{n}", b) for f, builders in every for n, b in builders.items()):
        row = build(cast).snapshot()
        assert row is not None, name
        mine = (
            row.get("profile_id") == alice.profile.id
            or alice.user.id in (row.get("user_id"), row.get("id"))
            # A part of an owned object (a checklist item of alice's goal).
            or ("profile_id" not in row and "user_id" not in row)
            # alice's child (a profile without an account, alice its guardian).
            or (row.get("user_id") is None and row.get("id") in _children_of(alice))
            # A link to alice's child (a second guardian's request).
            or row.get("profile_id") in _children_of(alice)
        )
        assert mine, f"the {name} builder made an object that is not alice's"
