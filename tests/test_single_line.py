"""Single-line text is one line at every entry point (issue 19, item 1): a title, a name or
a reminder message with a line break, a tab or another control character is refused with a
field error by forms, the API and both imports — it never reaches an email Subject or a
calendar property."""

from __future__ import annotations

import io
import unicodedata

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from tests.clients import field_errors, page_text
from tests.data.helpers import export_of, fill_account
from woodshed.data.restore import restore_document
from woodshed.db import db
from woodshed.errors import DomainError
from woodshed.repertoire.models import Piece
from woodshed.validation import SINGLE_LINE_MESSAGE, line

BREAKS = ["Scales\r\nBcc: everyone@example.org", "Scales\n", "Sca\tles", "Sca\x85les", "A\u2028B"]


class _One(BaseModel):
    value: line(50)


def _breaks_a_line(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in "\u2028\u2029"


@given(st.text(max_size=50))
def test_the_single_line_type_refuses_exactly_the_control_characters(value):
    if any(_breaks_a_line(c) for c in value):
        with pytest.raises(ValidationError, match="Keep this to one line"):
            _One(value=value)
    else:
        assert _One(value=value).value == value


@pytest.mark.parametrize("bad", BREAKS)
@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        (
            "post",
            "/api/v1/plans",
            {"schedule": {"kind": "once", "start": "2030-01-01T18:00"}},
            "title",
        ),
        ("post", "/api/v1/goals", {"kind": "habit"}, "title"),
        ("post", "/api/v1/pieces", {}, "title"),
        ("post", "/api/v1/reminders", {"kind": "daily", "time": "18:00"}, "message"),
        ("patch", "/api/v1/me", {}, "display_name"),
    ],
)
def test_the_api_refuses_a_line_break_in_a_single_line_field(
    alice_api, method, url, body, field, bad
):
    response = getattr(alice_api, method)(url, json=body | {field: bad})
    assert response.status_code == 422
    assert field_errors(response)[field] == SINGLE_LINE_MESSAGE


def test_a_form_refuses_a_line_break_in_a_title_and_keeps_what_was_typed(alice_web):
    response = alice_web.submit("/repertoire/new", {"title": "Nocturne\r\nBcc: x@example.org"})
    assert response.status_code == 422
    assert SINGLE_LINE_MESSAGE in page_text(response)
    assert "Nocturne" in response.get_data(as_text=True)


def test_the_csv_import_refuses_a_line_break_in_a_name(alice_api, alice):
    raw = b'Date,Minutes,Piece,Tags\r\n05/03/2026,45,"Noc\nturne","ok,sca\tles"\r\n'
    response = alice_api.client.post(
        "/api/v1/import",
        data={"file": (io.BytesIO(raw), "log.csv")},
        headers={"Authorization": f"Bearer {alice_api.token}"},
    )
    assert response.status_code == 200
    problems = {(p["row"], p["field"]): p["message"] for p in response.get_json()["problems"]}
    assert problems[(2, "piece")] == SINGLE_LINE_MESSAGE
    assert problems[(2, "tags")] == SINGLE_LINE_MESSAGE


def test_the_json_import_refuses_a_line_break_in_a_title(alice, bob):
    fill_account(alice)
    doc = export_of(alice.profile)
    doc["pieces"][0]["title"] = "Noc\r\nturne"
    with pytest.raises(DomainError) as caught:
        restore_document(bob.profile, doc)
    assert {e.field: e.message for e in caught.value.errors} == {
        "pieces.0.title": SINGLE_LINE_MESSAGE
    }
    owned = sa.select(sa.func.count()).where(Piece.profile_id == bob.profile.id)
    assert db.session.scalar(owned) == 0
