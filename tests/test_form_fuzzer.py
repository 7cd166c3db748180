"""Form fuzzer (issue 19, item 9): every HTML form answers hostile input without a 5xx.

The forms are read from the templates — every `<form … action="{{ url_for('endpoint' …`
with the fields its macros and inputs name — and each endpoint's POST route comes from the
URL map, its path parameters from the access matrix's builders (alice's objects). For each
form, hypothesis sends field values with control characters, line breaks, huge and empty
values, numbers and dates out of range, fields left out and fields nobody asked for, and a
hostile `next`. The bar is 0 answers of 500 or above; a form refused for its input (422)
names the field in the page's error summary. The API has schemathesis
(tests/test_schemathesis.py) for the same purpose.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_access_matrix import (  # noqa: F401 (cast, matrix_world: the matrix's fixtures)
    MATRIX,
    builder_for,
    cast,
    fill,
    matrix_world,
    path_params,
)

TEMPLATES = Path(__file__).resolve().parents[1] / "woodshed" / "templates"
FORM = re.compile(
    r"<form\b([^>]*?)action=\"\{\{ url_for\('([\w.]+)'([^>]*)>(.*?)</form>", re.S | re.I
)
FIELD = re.compile(r"(?:\b(?:field|textarea|select|checkbox)\(\s*'(\w+)'|\bname=\"([\w\-\[\]]+)\")")
# Routes a visitor uses before signing in: fuzzed without a session.
SIGNED_OUT = {
    "accounts.login",
    "accounts.register",
    "accounts.reset_request",
    "accounts.reset_confirm",
    "accounts.register_confirm",
    "accounts.login_mfa",
}


def forms_in_templates() -> dict[str, set[str]]:
    """Every form's endpoint and the field names it sends (csrf_token excluded)."""
    forms: dict[str, set[str]] = {}
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for before, endpoint, after, body in FORM.findall(text):
            if 'method="post"' not in (before + after).lower():
                continue  # a search or filter form: GET, nothing to refuse
            names = {a or b for a, b in FIELD.findall(body)} - {"csrf_token"}
            forms.setdefault(endpoint, set()).update(names)
    return forms


FORMS = forms_in_templates()

HOSTILE = st.one_of(
    st.text(max_size=40),  # any code point: control characters, surrogates left out by st
    st.sampled_from(
        [
            "",
            " ",
            "\n",
            "\r\n",
            "a\rb",
            "line\nbreak",
            "\x00",
            "\t",
            "\x1b[31m",
            "\u2028",
            "\ufeff",
            "-1",
            "0",
            "1e309",
            "NaN",
            "9" * 40,
            "-9" * 20,
            "2026-02-30",
            "0000-00-00",
            "9999-12-31T25:61",
            "25:61",
            "<script>alert(1)</script>",
            "{{ 7*7 }}",
            "../../etc/passwd",
            "//evil.example/x",
            "/%09/evil.example",
            "true",
            "on",
            str(__import__("uuid").uuid4()),
            "01234567-89ab-7def-8123-456789abcdef",
        ]
    ),
    st.just("x" * 20_000),
)
NEXT = st.one_of(st.none(), st.sampled_from(["/\n/evil.example", "/%0a/x", "\r\n", "//e.x"]))


def form_data(fields: set[str]):
    kept = st.fixed_dictionaries({}, optional=dict.fromkeys(sorted(fields), HOSTILE))
    extra = st.dictionaries(st.text(min_size=1, max_size=12), HOSTILE, max_size=2)
    return st.tuples(kept, extra).map(lambda pair: {**pair[1], **pair[0]})


#: Every page route that takes a POST, from the access matrix (every route is there).
ROUTES = sorted(k for k in MATRIX if k.startswith("POST /") and not k.startswith("POST /api/"))


def endpoint_of(app, rule: str) -> str:
    [endpoint] = {
        r.endpoint for r in app.url_map.iter_rules() if r.rule == rule and "POST" in r.methods
    }
    return endpoint


@pytest.mark.parametrize("route", ROUTES)
def test_every_form_answers_hostile_input_without_a_5xx(cast, route):  # noqa: F811
    """In the access matrix's world: its cast, alice's objects from its builders."""
    rule = route.split(" ", 1)[1]
    endpoint = endpoint_of(cast.world.app, rule)
    # The fields its templates send, and those the matrix's request names.
    fields = FORMS.get(endpoint, set()) | set(MATRIX[route].get("form", {}))
    built = {name: builder_for(route, name)(cast) for name in path_params(rule)}
    url = fill(rule, {name: b.value for name, b in built.items()})
    web = cast.browser("anonymous" if endpoint in SIGNED_OUT else "owner")

    @settings(
        max_examples=8,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=form_data(fields), next_=NEXT)
    def probe(data, next_):
        target = url if next_ is None else f"{url}?next={quote(next_)}"
        response = web.submit(target, data)
        assert response.status_code < 500, (
            f"{route} answered {response.status_code} to {data!r}\n"
            + response.get_data(as_text=True)[:600]
        )
        page = response.get_data(as_text=True)
        if response.status_code == 422 and response.mimetype == "text/html":
            # The form comes back naming what is wrong (or the page says why there is none).
            assert any(mark in page for mark in ("error-summary", "has-error", "flash-error")), (
                f"{route} refused {data!r} without saying why"
            )

    probe()


def test_the_fuzzer_finds_the_forms(app):
    """A template change that hid the forms from the fuzzer would make it pass vacuously;
    every form a template posts to is a POST route of the matrix."""
    assert len(FORMS) >= 40
    assert {"email", "password"} <= FORMS["accounts.login"]
    assert {"title", "days", "start_date"} <= FORMS["plans.update"]
    fuzzed = {endpoint_of(app, route.split(" ", 1)[1]) for route in ROUTES}
    assert set(FORMS) <= fuzzed


def test_an_instruments_unknown_level_is_named_at_its_field(alice_web):
    """Found by the fuzzer: the level's error was not shown, so the page said nothing."""
    page = alice_web.submit("/settings/instruments", {"name": "Oud", "level": "0"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'id="f-new-level-error"' in html
    assert 'value="Oud"' in html  # what was typed is kept
