"""SEC-AC for the journal: every cell of tests/access/journal.toml, and every journal route
listed there. (The generated suite over all features' matrices runs the same cells; this
module keeps the journal's file honest on its own branch.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.access.journal_builders import BUILDERS
from tests.clients import ApiClient
from woodshed.db import db

MATRIX = tomllib.loads((Path(__file__).parents[1] / "access" / "journal.toml").read_text())
ROLES = ("anonymous", "owner", "other", "admin")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def snapshot(obj) -> dict | None:
    """The stored row of `obj` as plain values (None once deleted)."""
    if obj is None:
        return None
    db.session.expire_all()
    row = db.session.get(type(obj), obj.id)
    if row is None:
        return None
    return {attr.key: getattr(row, attr.key) for attr in row.__mapper__.column_attrs}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_the_route_answers_each_role_as_the_matrix_says(app, alice, bob, charlie, route, role):
    method, rule = route.split(" ", 1)
    cell = MATRIX[route]
    url, obj = rule, None
    for name in PARAM.findall(rule):
        obj = BUILDERS[name](alice)
        url = url.replace(PARAM.search(url).group(0), str(obj.id), 1)
    before = snapshot(obj)
    persona = {"owner": alice, "other": bob, "admin": charlie}.get(role)
    if rule.startswith("/api/"):
        api = ApiClient.for_user(app, persona.user) if persona else ApiClient(app, None)
        response = api.request(method, url, json=cell.get("json"))
    else:
        web = app.test_client()
        if persona:
            web.sign_in(persona)
        response = web.get(url) if method == "GET" else web.submit(url, cell.get("form", {}))
    assert response.status_code == cell[role], response.get_data(as_text=True)[:300]
    if role != "owner" and obj is not None:
        assert snapshot(obj) == before


def test_every_journal_route_is_in_the_matrix(app):
    routes = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("journal", "journal_api")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - set(MATRIX) == set()
    assert set(MATRIX) - routes == set()
