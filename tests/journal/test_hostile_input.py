"""SEC-XSS: hostile text in every field of a session is shown as text, never run."""

from __future__ import annotations

import re

import pytest

from tests.factories import log_session, make_instrument, make_piece
from tests.journal import builders

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
MARKDOWN_LINK = "[click me](javascript:alert(3))"
HOSTILE = f"{SCRIPT}{IMAGE}{MARKDOWN_LINK}"
HOSTILE_URL = 'https://example.org/"><script>alert(4)</script>'


def assert_harmless(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "onerror=alert" not in html or "&lt;img src=x onerror=alert" in html
    assert not re.search(r"href=\"\s*javascript:", html, re.IGNORECASE)
    assert '"><script>' not in html


@pytest.fixture
def hostile_session(alice, app):
    instrument = make_instrument(alice.profile, f"Piano{SCRIPT}")
    piece = make_piece(alice.profile, f"Etude{SCRIPT}", sections=[(f"A{IMAGE}", 1, 8)])
    skill = builders.skill(alice.profile, f"Scales{IMAGE}")
    goal = builders.goal(alice.profile, f"Goal{SCRIPT}")
    return log_session(
        alice.profile,
        instrument_id=instrument.id,
        items=[{"section_id": piece.sections[0].id, "bars": "1-8"}, {"skill_id": skill.id}],
        tags=[SCRIPT, IMAGE],
        notes=HOSTILE,
        next_time=HOSTILE,
        struggles=HOSTILE,
        achievements=HOSTILE,
        goal_ids=[goal.id],
        evidence=[
            {"kind": "link", "url": HOSTILE_URL, "text": HOSTILE},
            {"kind": "note", "text": HOSTILE},
        ],
    )


def test_the_entry_page_escapes_and_sanitises_every_field(hostile_session, alice_web):
    html = alice_web.get(f"/journal/{hostile_session.id}").get_data(as_text=True)
    assert_harmless(html)
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 10
    assert 'href="https://example.org/&#34;&gt;&lt;script&gt;alert(4)' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_the_list_escapes_every_field(hostile_session, alice_web):
    html = alice_web.get("/journal").get_data(as_text=True)
    assert_harmless(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_edit_form_escapes_what_it_prefills(hostile_session, alice_web):
    html = alice_web.get(f"/journal/{hostile_session.id}/edit").get_data(as_text=True)
    assert_harmless(html)


def test_a_form_rerendered_after_an_error_escapes_what_was_typed(alice, alice_web):
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": SCRIPT,
            "duration_minutes": IMAGE,
            "notes": HOSTILE,
            "tags": HOSTILE,
            "items-0-bars": SCRIPT,
            "evidence-0-url": "javascript:alert(5)",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert_harmless(html)
    assert 'value="javascript:alert(5)"' in html  # kept as typed, in an input, not a link


def test_search_results_escape_library_entries(alice, alice_web):
    builders.resource(alice.profile, f"Trick{SCRIPT}", f"arpeggio {IMAGE}", url=HOSTILE_URL)
    builders.resource(alice.profile, "Sneaky", "arpeggio again", url="javascript:alert(6)")
    html = alice_web.get("/journal", query_string={"q": "arpeggio"}).get_data(as_text=True)
    assert "From your library" in html
    assert_harmless(html)
