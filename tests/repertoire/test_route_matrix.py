"""SEC-AC for this feature's routes: every cell of tests/access/{repertoire,goals,library}.toml.

The generated access-matrix suite runs these files for the whole app; this runner proves
the cells for pieces, sections, skills, goals and the library on their own, and that no
route of these blueprints is missing from them.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest

from tests.clients import ApiClient
from woodshed.db import db

FEATURES = ("repertoire", "goals", "library")
ACCESS = Path(__file__).parents[1] / "access"
ROLES = ("anonymous", "owner", "other", "admin")
PARAM = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


def _matrix() -> dict[str, dict]:
    cells = {}
    for feature in FEATURES:
        cells.update(tomllib.loads((ACCESS / f"{feature}.toml").read_text()))
    return cells


def _builders() -> dict:
    found = {}
    for feature in FEATURES:
        found.update(importlib.import_module(f"tests.access.{feature}_builders").BUILDERS)
    return found


MATRIX = _matrix()
BUILDERS = _builders()


def _state(obj) -> dict:
    db.session.expire_all()
    row = db.session.get(type(obj), obj.id)
    return {c.key: getattr(row, c.key) for c in type(obj).__table__.columns}


def test_every_route_of_these_blueprints_is_in_the_matrix(app):
    routes = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0].removesuffix("_api") in FEATURES
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - set(MATRIX) == set()
    assert set(MATRIX) - routes == set()
    for key, cell in MATRIX.items():
        assert set(ROLES) <= set(cell), key
        for name in PARAM.findall(key):
            assert name in BUILDERS, name


@pytest.mark.parametrize(
    ("key", "role"), [(key, role) for key in MATRIX for role in ROLES], ids=lambda v: v
)
def test_the_matrix_cell_holds(app, alice, bob, charlie, key, role):
    cell = MATRIX[key]
    method, rule = key.split(" ", 1)
    objects = {name: BUILDERS[name](alice) for name in PARAM.findall(rule)}
    url = PARAM.sub(lambda m: str(objects[m.group(1)].id), rule)
    before = {name: _state(obj) for name, obj in objects.items()}
    persona = {"owner": alice, "other": bob, "admin": charlie}.get(role)
    if rule.startswith("/api/"):
        client = ApiClient.for_user(app, persona.user) if persona else ApiClient(app, None)
        response = client.request(method, url, json=cell.get("json"))
    else:
        web = app.test_client()
        if persona:
            web.sign_in(persona)
        response = web.get(url) if method == "GET" else web.submit(url, cell.get("form", {}))
    assert response.status_code == cell[role], response.get_data(as_text=True)[:800]
    if role != "owner":
        for name, obj in objects.items():
            assert _state(obj) == before[name], name
