"""SEC-GATE: one gate. Every request resolves the profile it acts on through
`policy.request_profile`, and every object named in input — by id in a reference, or as
a client-chosen id — is checked by `policy.referenced` / `policy.existing_for_client_id`,
which refuse another musician's object like a missing one and log the refusal."""

from __future__ import annotations

import ast
import logging
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.clients import field_errors
from tests.factories import (
    log_session,
    make_goal,
    make_instrument,
    make_piece,
    make_plan,
    make_reminder,
    make_resource,
    make_section,
    make_skill,
)
from woodshed import policy
from woodshed.db import db
from woodshed.journal.models import PracticeSession
from woodshed.stats.schemas import SkipPeriodIn
from woodshed.stats.services import add_skip_period

WOODSHED = Path(__file__).resolve().parents[1] / "woodshed"


def _security_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "woodshed.security"]


# --- references in input -----------------------------------------------------------------


def _alices_things(alice) -> dict[str, str]:
    piece = make_piece(alice.profile)
    return {
        "piece": str(piece.id),
        "section": str(make_section(piece).id),
        "skill": str(make_skill(alice.profile).id),
        "goal": str(make_goal(alice.profile).id),
        "instrument": str(make_instrument(alice.profile).id),
        "plan": str(make_plan(alice.profile).id),
    }


SESSION = {"started_at": "2026-03-02T18:00:00Z", "duration_minutes": 30}
PLAN = {
    "title": "Mine",
    "schedule": {"kind": "single", "start": "2026-12-03T18:00", "duration_minutes": 30},
}

#: (collection, body naming alice's `thing`, the field that names it, the thing)
REFERENCES = [
    ("/sessions", lambda t: SESSION | {"items": [{"piece_id": t}]}, "items.0.piece_id", "piece"),
    (
        "/sessions",
        lambda t: SESSION | {"items": [{"section_id": t}]},
        "items.0.section_id",
        "section",
    ),
    ("/sessions", lambda t: SESSION | {"items": [{"skill_id": t}]}, "items.0.skill_id", "skill"),
    ("/sessions", lambda t: SESSION | {"goal_ids": [t]}, "goal_ids.0", "goal"),
    ("/sessions", lambda t: SESSION | {"instrument_id": t}, "instrument_id", "instrument"),
    ("/plans", lambda t: PLAN | {"items": [{"skill_id": t}]}, "items.0.skill_id", "skill"),
    ("/plans", lambda t: PLAN | {"instrument_id": t}, "instrument_id", "instrument"),
    ("/goals", lambda t: {"title": "G", "kind": "piece", "piece_id": t}, "piece_id", "piece"),
    ("/goals", lambda t: {"title": "G", "kind": "skill", "skill_id": t}, "skill_id", "skill"),
    (
        "/resources",
        lambda t: {"kind": "note", "text": "x", "section_id": t},
        "section_id",
        "section",
    ),
    (
        "/reminders",
        lambda t: {"kind": "before_occurrence", "minutes_before": 10, "plan_id": t},
        "plan_id",
        "plan",
    ),
    (
        "/reminders",
        lambda t: {"kind": "goal_deadline", "days_before": 3, "goal_id": t},
        "goal_id",
        "goal",
    ),
    ("/pieces", lambda t: {"title": "P", "instrument_id": t}, "instrument_id", "instrument"),
]


@pytest.mark.parametrize(
    ("path", "body", "field", "thing"),
    REFERENCES,
    ids=[f"{path} {field}" for path, _, field, _ in REFERENCES],
)
def test_naming_another_musicians_object_is_a_field_error_and_is_logged(
    alice, bob_api, caplog, path, body, field, thing
):
    ids = _alices_things(alice)
    caplog.set_level(logging.WARNING, logger="woodshed.security")
    response = bob_api.post(f"/api/v1{path}", json=body(ids[thing]))
    assert response.status_code == 422
    assert field_errors(response)[field] == f"There is no such {thing} in your journal."
    assert any(ids[thing] in line and field in line for line in _security_lines(caplog))


def test_naming_a_missing_object_is_the_same_error_and_is_not_logged(bob_api, caplog):
    caplog.set_level(logging.WARNING, logger="woodshed.security")
    missing = str(uuid.uuid4())
    response = bob_api.post("/api/v1/sessions", json=SESSION | {"items": [{"piece_id": missing}]})
    assert field_errors(response) == {"items.0.piece_id": "There is no such piece in your journal."}
    assert not any(missing in line for line in _security_lines(caplog))


# --- client-chosen ids ---------------------------------------------------------------------


def _skip_period(profile):
    data = SkipPeriodIn(start_date="2026-03-01", end_date="2026-03-02")
    return add_skip_period(profile, data)[0]


#: collection → (alice's object of that kind, a valid body)
CLIENT_IDS = {
    "/sessions": (lambda p: log_session(p), SESSION),
    "/pieces": (lambda p: make_piece(p), {"title": "Mine"}),
    "/skills": (lambda p: make_skill(p, "Alices skill"), {"name": "Bobs skill"}),
    "/goals": (lambda p: make_goal(p), {"title": "Mine"}),
    "/resources": (lambda p: make_resource(p), {"kind": "note", "text": "Mine"}),
    "/plans": (lambda p: make_plan(p), PLAN),
    "/reminders": (lambda p: make_reminder(p), {"kind": "daily", "time": "07:00"}),
    "/skip-days": (_skip_period, {"start_date": "2026-04-01", "end_date": "2026-04-02"}),
    "/instruments": (lambda p: make_instrument(p, "Cello"), {"name": "Viola"}),
}


@pytest.mark.parametrize("path", list(CLIENT_IDS))
def test_another_musicians_id_as_a_client_id_is_refused_and_logged(alice, bob_api, caplog, path):
    make, body = CLIENT_IDS[path]
    theirs = make(alice.profile)
    before = {c.key: getattr(theirs, c.key) for c in sa.inspect(type(theirs)).columns}
    caplog.set_level(logging.WARNING, logger="woodshed.security")
    response = bob_api.post(f"/api/v1{path}", json=body | {"id": str(theirs.id)})
    assert response.status_code == 422
    assert field_errors(response) == {"id": "This id is already in use."}
    assert any(str(theirs.id) in line for line in _security_lines(caplog))
    db.session.expire_all()
    assert {c.key: getattr(theirs, c.key) for c in sa.inspect(type(theirs)).columns} == before


def test_a_section_id_of_another_piece_is_refused(alice_api, alice):
    section = make_section(make_piece(alice.profile, "One"))
    other = make_piece(alice.profile, "Two")
    response = alice_api.post(
        f"/api/v1/pieces/{other.id}/sections",
        json={"id": str(section.id), "name": "A", "bar_start": 1, "bar_end": 4},
    )
    assert field_errors(response) == {"id": "This id is already in use."}


# --- the acting profile --------------------------------------------------------------------

#: GET routes that act on no musician profile: public pages, the account's own settings
#: and sessions, administration, and secret links (their token is the permission).
NOT_ABOUT_A_PROFILE = {
    "/healthz",
    "/readyz",
    "/api/docs",
    "/api/v1/openapi.json",
    "/register",
    "/login",
    "/reset",
    "/reset/confirm",
    "/settings/security",
    "/settings/delete",
    "/login/mfa",
    "/settings/mfa/setup",
    "/api/v1/auth/tokens",
    "/admin/users",
    "/admin/deliveries",
    "/calendar/feed.ics",
    "/unsubscribe",
    "/plans/templates/shared",
    "/api/v1/templates/shared",
    "/skills/new",  # an empty form: no profile data until it is sent (through the gate)
    "/manifest.webmanifest",  # the offline app's manifest, worker and fallback page:
    "/sw.js",  # the same for everyone; the pages they keep are fetched through the gate
    "/offline",
    "/kid",  # kid mode: only a child's profile (a guardian's), tests/family/test_kid_mode.py
    "/kid/exit",
}


def _profile_routes(app) -> list[str]:
    rules = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static")
    ]
    return sorted(set(rules) - NOT_ABOUT_A_PROFILE)


def test_every_profile_route_is_listed_here_or_acts_on_a_profile(app):
    """The list above must not hide a route that reads profile data without the gate."""
    routes = _profile_routes(app)
    assert len(routes) > 40
    assert {r.rule for r in app.url_map.iter_rules()} >= NOT_ABOUT_A_PROFILE


def _get(web, api, path: str):
    """A page as a browser asks for it, or an API read; read to the end (exports stream)."""
    if path.startswith("/api/"):
        response = api.get(path)
    else:
        response = web.get(path, headers={"Accept": "text/html"})
    response.get_data()
    return response


def test_every_request_about_a_profile_acts_through_the_policy(
    app, alice, bob, alice_web, alice_api, monkeypatch, caplog
):
    """Were a request to name another musician's profile, every page and API read that
    shows profile data would refuse it: none of them reaches the data around the gate."""
    routes = _profile_routes(app)
    monkeypatch.setattr(policy, "requested_profile_id", lambda: bob.profile.id)
    caplog.set_level(logging.WARNING, logger="woodshed.security")
    answers = {path: _get(alice_web, alice_api, path) for path in routes}
    assert {p: r.status_code for p, r in answers.items() if r.status_code != 404} == {}
    denials = [line for line in _security_lines(caplog) if f"profile={bob.profile.id}" in line]
    assert len(denials) >= len(routes)
    # The same requests naming alice's own profile are answered.
    monkeypatch.setattr(policy, "requested_profile_id", lambda: alice.profile.id)
    for path in routes:
        assert _get(alice_web, alice_api, path).status_code != 404, path


def test_a_write_naming_another_profile_changes_nothing(alice_api, bob, monkeypatch):
    monkeypatch.setattr(policy, "requested_profile_id", lambda: bob.profile.id)
    response = alice_api.post("/api/v1/sessions", json=SESSION)
    assert response.status_code == 404
    sessions = sa.select(sa.func.count()).select_from(PracticeSession)
    assert db.session.scalar(sessions) == 0


# --- the code keeps to the gate ------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


FEATURES = {p.name for p in WOODSHED.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - {
    "api",
    "migrations",
}


def test_the_api_toolkit_imports_no_feature():
    for path in (WOODSHED / "api").glob("*.py"):
        features = {
            name.split(".")[1]
            for name in _imports(path)
            if name.startswith("woodshed.") and name.split(".")[1] in FEATURES
        }
        assert features == set(), path.name


def test_no_view_or_handler_takes_the_profile_of_the_account_itself():
    """`user.profile` / `current_user.profile` bypass the gate; requests ask the policy."""
    offenders = []
    for path in WOODSHED.rglob("*.py"):
        if path.name not in ("views.py", "api.py", "pages.py", "panels.py", "templating.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "profile"
                and isinstance(node.value, ast.Name)
                and node.value.id in ("user", "current_user")
            ):
                offenders.append(f"{path.relative_to(WOODSHED)}:{node.lineno}")
    assert offenders == []
