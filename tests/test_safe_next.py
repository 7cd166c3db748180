"""One `safe_next` for every redirect target from input (issue 19, item 3): after the
normalisation Werkzeug and a browser apply, a redirect stays on this site — and it never
answers 500, whatever `next` holds."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, redirect
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_plan
from woodshed.db import db
from woodshed.plans.models import PlanOccurrence
from woodshed.security import safe_next

ORIGIN = "https://woodshed.example"
BARE = Flask("safe_next")  # only Werkzeug's redirect and its Location header
PIECES = [
    "/",
    "//",
    "\\",
    "\t",
    "\n",
    "\r",
    " ",
    "\x00",
    "%09",
    "%2F",
    "evil.example",
    ":",
    "@",
    "?",
    "#",
    ".",
    "a",
    "https:",
    "javascript:",
    "\u3000",
    "é",
    "\x7f",
]


def _as_browser_follows(location: str) -> tuple[str, str]:
    """The scheme and host a browser goes to for this Location (WHATWG URL parsing:
    leading/trailing C0 and spaces trimmed, tabs and line breaks removed, `\\` is `/`)."""
    cleaned = re.sub("[\t\n\r]", "", location).strip("".join(map(chr, range(33))))
    parts = urlsplit(urljoin(ORIGIN + "/journal/x", cleaned.replace("\\", "/")))
    return parts.scheme, parts.netloc


@given(st.lists(st.sampled_from(PIECES), max_size=8).map("".join) | st.text(max_size=30))
def test_a_redirect_to_safe_next_never_leaves_the_site(target):
    with BARE.test_request_context(base_url=ORIGIN):
        response = redirect(safe_next(target, "/"))
        location = dict(
            response.get_wsgi_headers(
                {"SERVER_NAME": "woodshed.example", "wsgi.url_scheme": "https"}
            ).to_wsgi_list()
        )["Location"]
    assert _as_browser_follows(location) == ("https", "woodshed.example")


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example/x",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/x\r\nSet-Cookie: a=b",
        "/x\ny",
    ],
)
def test_the_probes_that_got_through_are_refused(target):
    """`/%09/evil.example/x` in a query string arrives decoded, with a tab."""
    assert safe_next(target, "/home") == "/home"


def test_same_site_paths_are_kept():
    assert safe_next("/plans?view=week#today", "/") == "/plans?view=week#today"


@pytest.mark.parametrize("target", ["//evil.example/x", "/\n/evil.example", "/%09/evil.example"])
def test_sign_in_sends_only_to_this_site(client, alice, target):
    page = client.get("/login")
    assert page.status_code == 200
    response = client.submit(
        f"/login?next={target.replace(chr(10), '%0A')}",
        {"email": alice.email, "password": alice.password},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def _first_occurrence(persona) -> PlanOccurrence:
    plan = make_plan(persona.profile)
    return db.session.scalars(
        sa.select(PlanOccurrence)
        .where(PlanOccurrence.plan_id == plan.id)
        .order_by(PlanOccurrence.scheduled_start)
    ).first()


def test_the_skip_and_undo_forms_redirect_only_to_this_site(alice_web, alice):
    occurrence = _first_occurrence(alice)
    base = f"/plans/occurrences/{occurrence.id}"
    skipped = alice_web.submit(f"{base}/skip", {"next": "//evil.example/x"})
    assert skipped.headers["Location"] == "/plans"
    undone = alice_web.submit(f"{base}/undo", {"next": "/\n/evil.example"})
    assert undone.headers["Location"] == "/plans"


def test_a_skip_reason_with_a_line_break_is_refused(alice_web, alice):
    occurrence = _first_occurrence(alice)
    alice_web.submit(f"/plans/occurrences/{occurrence.id}/skip", {"reason": "ill\r\nX: y"})
    db.session.refresh(occurrence)
    assert occurrence.status == "scheduled"
