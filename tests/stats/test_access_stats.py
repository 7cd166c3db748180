"""SEC-AC for the statistics routes: tests/access/stats.toml is complete and true.

(The generated suite over every feature's matrix replaces this local check at merge.)
"""

import re
import tomllib
from pathlib import Path

import pytest

from tests.access.stats_builders import BUILDERS
from tests.clients import ApiClient

MATRIX = tomllib.loads((Path(__file__).parents[1] / "access" / "stats.toml").read_text())


def test_every_statistics_route_is_in_the_matrix(app):
    mine = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("stats.", "stats_api."))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert mine == set(MATRIX)


@pytest.mark.parametrize("key", sorted(MATRIX))
@pytest.mark.parametrize("role", ["anonymous", "owner", "other", "admin"])
def test_each_role_gets_the_expected_status(app, alice, bob, charlie, key, role):
    cell = MATRIX[key]
    method, rule = key.split(" ", 1)
    url = rule
    for name in re.findall(r"<(?:\w+:)?(\w+)>", rule):
        url = re.sub(rf"<(?:\w+:)?{name}>", str(BUILDERS[name](alice).id), url)
    persona = {"owner": alice, "other": bob, "admin": charlie}.get(role)
    if url.startswith("/api/"):
        client = ApiClient.for_user(app, persona.user) if persona else ApiClient(app, None)
        response = client.request(method, url, json=cell.get("json"))
    else:
        client = app.test_client()
        if persona:
            client.sign_in(persona)
        response = (
            client.submit(url, cell.get("form", {}))
            if method == "POST"
            else client.open(url, method=method)
        )
    assert response.status_code == cell[role], response.get_data(as_text=True)[:300]
