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

The people who ask are the cast (`MEMBERS`), made, committed and signed in once per worker
in a database of the matrix's own (`matrix_world`); each cell runs in a transaction rolled
back after it, with a browser carrying the member's session cookie or the member's bearer
token (`cast`). CONTRIBUTING.md ("The access matrix") says how to add a role.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests import conftest
from tests.clients import ApiClient, WebClient
from tests.factories import Persona, make_instrument, make_persona
from tests.smtp import Mailbox
from tests.teaching.helpers import make_link, make_teacher
from woodshed import create_app
from woodshed.accounts import services as accounts
from woodshed.accounts.models import ApiToken, AuthSession, User
from woodshed.db import Clock, db, utcnow
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
# linked to bob only see nothing: 404 unless the entry says otherwise; nor does the teacher
# of her guardian's other child (a sibling's), who also asks for the guardian's own pages
# (what `other-teacher` gets, unless the entry names `sibling-teacher`). alice's linked
# teacher reads what the entry says (404 unless given) and is refused every change: 403.
TEACHER_ROLES = ("teacher", "linked-teacher", "former-teacher", "other-teacher", "sibling-teacher")
# Guardians act for a child: gwen is the guardian of alice's profile (as of a child's)
# and asks under /children/<alice's profile id>/ (the API with ?profile_id=); she gets what
# the owner gets unless the entry says `guardian = …` (the account's own pages: 404).
# olga, the guardian of bob's profile, sees nothing of alice's: 404 (an outsider).
GUARDIAN_ROLES = ("guardian", "other-guardian")
BODY_KEYS = ("form", "json", "names_profile")
PARAM = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


#: Everyone a cell may ask as, made once per worker in this order (each function gets the
#: members made before it): the cast. Adding a role costs one entry here and one in
#: ROLE_MEMBER, whatever the number of routes: the member is made, signed in and given a
#: bearer token once per worker, and each cell only reloads it (see `MatrixWorld`).
MEMBERS: dict[str, Callable[[dict[str, Persona]], Persona]] = {
    "alice": lambda cast: make_persona("alice", timezone="Europe/Berlin"),
    "bob": lambda cast: make_persona("bob", timezone="America/New_York"),
    # An administrator, with two-factor sign-in as administrators must.
    "charlie": lambda cast: make_persona("charlie", timezone="UTC", is_admin=True, totp=True),
    "tess": lambda cast: make_teacher("tess"),
    "lena": lambda cast: linked(make_teacher("lena"), cast["alice"]),
    "fred": lambda cast: linked(make_teacher("fred"), cast["alice"], ended=True),
    "otto": lambda cast: linked(make_teacher("otto"), cast["bob"]),
    # Guardians: gwen of alice's profile (as of a child's), olga of bob's.
    "gwen": lambda cast: guardian(make_persona("gwen"), cast["alice"]),
    "olga": lambda cast: guardian(make_persona("olga"), cast["bob"]),
    # The teacher of gwen's other child, a real child profile: alice's sibling, as it were.
    "sian": lambda cast: teaches_a_child_of(make_teacher("sian"), cast["gwen"]),
}
#: The member who asks as each role (anonymous: nobody).
ROLE_MEMBER = {
    "owner": "alice",
    "other": "bob",
    "admin": "charlie",
    "teacher": "tess",
    "linked-teacher": "lena",
    "former-teacher": "fred",
    "other-teacher": "otto",
    "sibling-teacher": "sian",
    "guardian": "gwen",
    "other-guardian": "olga",
}


def linked(teacher: Persona, student: Persona, ended: bool = False) -> Persona:
    make_link(teacher, student, ended=ended)
    return teacher


def guardian(persona: Persona, ward: Persona) -> Persona:
    """`persona` made a guardian of `ward`'s profile, as of a child's."""
    from woodshed.teaching.models import Link

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


def teaches_a_child_of(teacher: Persona, parent: Persona) -> Persona:
    """`teacher` linked (every scope) to a child `parent` makes, with consent."""
    from tests.family.helpers import make_child
    from woodshed.teaching.models import SCOPES, Link

    child = make_child(parent, "Sibling")
    now = utcnow()
    db.session.add(
        Link(
            kind="teacher",
            user_id=teacher.user.id,
            profile_id=child.id,
            scopes=list(SCOPES),
            accepted_by=parent.user.id,
            accepted_at=now,
        )
    )
    db.session.flush()
    return teacher


@dataclass
class Member:
    """A member of the cast as committed in the matrix's database, signed in once."""

    user_id: Any
    password: str
    totp_secret: str | None
    last_step: int
    session_cookie: str  # the browser's session cookie after signing in (and two factors)
    bearer: str  # a bearer token for the API

    def persona(self) -> Persona:
        """The persona, loaded in the current cell's database session."""
        return Persona(db.session.get(User, self.user_id), self.password, **self.factor())

    def factor(self) -> dict:
        return {"totp_secret": self.totp_secret, "last_step": self.last_step}


@dataclass
class MatrixWorld:
    """The matrix's own app and database (one per worker), with the cast committed in it.

    Every cell runs in a transaction on one connection that is rolled back afterwards, so
    a cell sees the cast as it was made and nothing any other cell did; the suite's other
    tests never see the cast (their database is another one).
    """

    app: Flask
    members: dict[str, Member]

    def cast(self) -> Cast:
        return Cast(self)


@dataclass
class Cast:
    """The cast as one cell sees it: personas loaded on first use (a cell asks as one role
    with a cookie or a bearer token, so it rarely needs more than alice)."""

    world: MatrixWorld
    loaded: dict[str, Persona] = field(default_factory=dict)

    def member(self, name: str) -> Persona:
        if name not in self.loaded:
            self.loaded[name] = self.world.members[name].persona()
        return self.loaded[name]

    @property
    def alice(self) -> Persona:
        return self.member("alice")

    @property
    def bob(self) -> Persona:
        return self.member("bob")

    @property
    def charlie(self) -> Persona:
        return self.member("charlie")

    def persona(self, role: str) -> Persona | None:
        name = ROLE_MEMBER.get(role)
        return None if name is None else self.member(name)

    def browser(self, role: str) -> WebClient:
        """A browser of the role's, signed in already (anonymous: none yet)."""
        app = self.world.app
        web = app.test_client()
        name = ROLE_MEMBER.get(role)
        if name is not None:
            cookie = self.world.members[name].session_cookie
            web.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        return web

    def api(self, role: str) -> ApiClient:
        name = ROLE_MEMBER.get(role)
        bearer = self.world.members[name].bearer if name is not None else None
        return ApiClient(self.world.app, bearer)


def make_world(app: Flask) -> MatrixWorld:
    """Make the cast in `app`'s database, commit it, and sign each member in once."""
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    with app.app_context():
        made: dict[str, Persona] = {}
        for name, make in MEMBERS.items():
            made[name] = make(made)
        bearers = {
            name: accounts.issue_api_token(persona.user, "the access matrix")[0]
            for name, persona in made.items()
        }
        db.session.commit()
        members = {}
        for name, persona in made.items():
            web = app.test_client()
            web.sign_in(persona)  # the real sign-in, with the second factor where there is one
            cookie = web.get_cookie(cookie_name).decoded_value
            browser = app.test_client()  # as each cell's browser: the cookie alone
            browser.set_cookie(cookie_name, cookie)
            page = browser.get("/settings/security")
            assert page.status_code == 200, f"{name}'s cookie does not sign them in"
            members[name] = Member(
                persona.user.id,
                persona.password,
                persona.totp_secret,
                persona.last_step,
                cookie,
                bearers[name],
            )
            db.session.rollback()  # read afresh: the sign-in wrote in its own transaction
        db.session.remove()
    return MatrixWorld(app, members)


@pytest.fixture(scope="session")
def matrix_world(database: str, instance_dir: Path, smtp_server: Mailbox) -> Iterator[MatrixWorld]:
    """The matrix's app on a database of its own (one per worker), the cast in it."""
    instance = instance_dir / "matrix"
    instance.mkdir(exist_ok=True)
    url, drop = conftest.migrated_database(instance)
    app = create_app(conftest.test_config(url, instance, smtp_server.url))
    app.test_client_class = WebClient
    yield make_world(app)
    app.extensions["woodshed.engine"].dispose()
    drop()


@pytest.fixture
def cast(matrix_world: MatrixWorld) -> Iterator[Cast]:
    """The cast, in a transaction that is rolled back after the cell."""
    app = matrix_world.app
    connection = app.extensions["woodshed.engine"].connect()
    outer = connection.begin()
    app.extensions["woodshed.test_connection"] = connection
    conftest.throttle_storage_reset(app)
    try:
        with app.app_context():
            yield matrix_world.cast()
            db.session.remove()
    finally:
        app.extensions.pop("woodshed.test_connection", None)
        Clock.frozen = None
        outer.rollback()
        connection.close()


def expected(entry: dict, role: str, method: str) -> int:
    """The status the matrix promises `role` (the teachers' defaults: see TEACHER_ROLES;
    the guardians': GUARDIAN_ROLES)."""
    if role in entry:
        return entry[role]
    if role == "guardian":
        return entry["owner"]
    if role in ("other-guardian", "sibling-teacher"):  # like a teacher of bob's (public
        return entry.get("other-teacher", 404)  # pages answer anyone)
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

        # Columns a linked teacher's own mark may set (the fragment's SNAPSHOT_IGNORE).
        ignored = getattr(module, "SNAPSHOT_IGNORE", {})

        def adapt(make, ignore=()):
            def build(cast: Cast) -> Built:
                obj = make(cast.alice)
                if not hasattr(type(obj), "__table__"):  # a plain value, e.g. a chart's name
                    return Built(obj.id, lambda: {"value": obj.id})
                return Built(obj.id, row_of(type(obj), obj.id, ignore=ignore))

            return build

        result[path.stem] = {
            name: adapt(make, ignored.get(name, ())) for name, make in module.BUILDERS.items()
        }
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


def as_teacher(url: str, entry: dict, cast: Cast, profile_id=None) -> str:
    """`url` naming alice's profile (or `profile_id`), as a teacher asks for a student's data."""
    if not entry.get("names_profile", True):
        return url
    profile_id = profile_id or cast.alice.profile.id
    if url.startswith("/api/"):
        return f"{url}{'&' if '?' in url else '?'}profile_id={profile_id}"
    return f"/students/{profile_id}{url}"


def as_guardian(url: str, entry: dict, cast: Cast) -> str:
    """`url` acting for alice's profile, as a guardian acts for a child."""
    url = as_teacher(url, entry, cast)
    return url.replace("/students/", "/children/", 1) if url.startswith("/students/") else url


def send(role: str, method: str, url: str, entry: dict, cast: Cast, web=None, profile_id=None):
    """The role's request: with its bearer token for /api/, else from its browser (`web`);
    a teacher's names alice's profile, or `profile_id`."""
    if role in TEACHER_ROLES:
        url = as_teacher(url, entry, cast, profile_id)
    elif role in GUARDIAN_ROLES:
        url = as_guardian(url, entry, cast)
    if url.startswith("/api/"):
        return cast.api(role).request(method, url, json=expand(entry.get("json"), cast))
    web = web or cast.browser(role)
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
OUTSIDERS = ("teacher", "former-teacher", "other-teacher", "other-guardian", "sibling-teacher")
#: alice's linked teacher and her guardian share one cell too (the guardian asks last: a
#: guardian may change or delete what the teacher was refused).
LINKED = ("linked-teacher", "guardian")


def _cells():
    for key in sorted(MATRIX):
        method = key.split(" ", 1)[0]
        for role in ROLES:
            # PostgreSQL runs each route's cells that pass the gate, where the route's own
            # queries run. A refusal is the gate's decision, the same on either database.
            refused = expected(MATRIX[key], role, method) >= 400
            marks = [pytest.mark.one_database] if refused else []
            yield pytest.param(key, role, id=f"{key} as {role}", marks=marks)
        for role in ("linked-teacher", "outsider-teachers"):
            yield pytest.param(key, role, id=f"{key} as {role}", marks=pytest.mark.one_database)


@pytest.mark.parametrize(("route", "role"), list(_cells()))
def test_each_role_gets_the_status_the_matrix_promises(cast, route, role):
    """The promised status; a stranger, a visitor or any GET changes nothing of alice's; the
    role that may post tries it first without a CSRF token; pages carry no inline code."""
    entry = MATRIX[route]
    method, rule = route.split(" ", 1)
    built = {name: builder_for(route, name)(cast) for name in path_params(rule)}
    url = fill(rule, {name: b.value for name, b in built.items()})
    before = alice_state(cast, built)

    web = None
    if csrf_kind(route) and role == csrf_role(route):
        web = cast.browser(role)
        assert_refused_without_csrf(web, route, url, entry, cast)
        assert alice_state(cast, built) == before, f"{route} changed data without a CSRF token"

    askers = {"outsider-teachers": OUTSIDERS, "linked-teacher": LINKED}.get(role, (role,))
    for asker in askers:
        response = send(asker, method, url, entry, cast, web=web)

        want = expected(entry, asker, method)
        assert response.status_code == want, (
            f"{route} as {asker}: expected {want}, got {response.status_code}\n"
            + response.get_data(as_text=True)[:400]
        )
        if asker == "sibling-teacher" and entry.get("names_profile", True) and not built:
            # … and the guardian's own profile is no more theirs than the sibling's (the
            # profile's own pages and lists: a path naming alice's object proves nothing
            # more under gwen's profile).
            gwen = cast.member("gwen").profile.id
            own = send(asker, method, url, entry, cast, profile_id=gwen)
            assert own.status_code == want, (
                f"{route} as {asker} for the guardian's own profile: expected {want}, "
                f"got {own.status_code}"
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


def test_every_builder_makes_an_object_of_alices(cast):
    alice = cast.alice
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


def test_the_sibling_teacher_reads_the_sibling_so_their_404s_are_the_gates(cast):
    """The sibling-teacher column proves something only if sian does see the child she
    teaches: her 404s for alice's and the guardian's own profile are then the gate's."""
    from woodshed.family import services as family

    gwen = cast.member("gwen")
    (sibling,) = [c for c in family.children_of(gwen.user) if c.display_name == "Sibling"]
    api = cast.api("sibling-teacher")
    assert api.get(f"/api/v1/sessions?profile_id={sibling.id}").status_code == 200
    assert api.get(f"/api/v1/sessions?profile_id={cast.alice.profile.id}").status_code == 404
    assert api.get(f"/api/v1/sessions?profile_id={gwen.profile.id}").status_code == 404
