"""Runs every cell of tests/access/plans.toml (until the generated SEC-AC suite covers it)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.access.plans_builders import BUILDERS
from tests.clients import ApiClient

MATRIX = tomllib.loads((Path(__file__).parent / "plans.toml").read_text())
ROLES = ("anonymous", "owner", "other", "admin")


def _client(app, role, alice, bob, charlie, api: bool):
    persona = {"anonymous": None, "owner": alice, "other": bob, "admin": charlie}[role]
    if persona is None:
        return ApiClient(app, None) if api else app.test_client()
    if api:
        return ApiClient.for_user(app, persona.user)
    web = app.test_client()
    web.sign_in(persona)
    return web


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_route_answers_each_role_as_the_matrix_says(app, alice, bob, charlie, route, role):
    method, rule = route.split(" ", 1)
    cell = MATRIX[route]
    url = rule
    for name in re.findall(r"<uuid:(\w+)>", rule):
        url = url.replace(f"<uuid:{name}>", str(BUILDERS[name](alice).id))
    api = rule.startswith("/api/")
    client = _client(app, role, alice, bob, charlie, api)
    if api:
        response = client.request(method, url, json=cell.get("json"))
    elif method == "POST":
        response = client.submit(url, cell.get("form", {}))
    else:
        response = client.open(url, method=method)
    assert response.status_code == cell[role], response.get_data(as_text=True)[:300]


def test_every_plans_route_is_in_the_matrix(app):
    mine = (
        "plans.",
        "notify.",
        "plans_api.",
        "notify_api.",
        "admin.deliveries",
        "admin.retry_delivery",
    )
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(mine):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                if f"{method} {rule.rule}" not in MATRIX:
                    missing.append(f"{method} {rule.rule}")
    assert missing == []
