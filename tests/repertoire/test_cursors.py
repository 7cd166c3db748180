"""Tampered cursors are a 422 on `cursor`, never a 500 (REL-VAL), on every list."""

import pytest

from tests.clients import field_errors
from tests.factories import make_goal, make_piece, make_resource, make_section, make_skill
from woodshed.api.pagination import encode_cursor

BAD = [
    [2**70, 1, "01a20093-0000-7000-8000-000000000001"],
    ["a\x00b", "01a20093-0000-7000-8000-000000000001"],
    [None, "01a20093-0000-7000-8000-000000000001"],
    [True, False, True],
    ["not a date", "not an id"],
    [1.5, "x", 3],
]


@pytest.fixture
def lists(alice):
    piece = make_piece(alice.profile)
    make_section(piece)
    make_skill(alice.profile)
    make_goal(alice.profile)
    make_resource(alice.profile)
    return [
        "/api/v1/pieces",
        f"/api/v1/pieces/{piece.id}/sections",
        "/api/v1/skills",
        "/api/v1/goals",
        "/api/v1/resources",
    ]


@pytest.mark.parametrize("values", BAD, ids=range(len(BAD)))
def test_a_tampered_cursor_is_refused(alice_api, lists, values):
    for url in lists:
        response = alice_api.get(url, query_string={"cursor": encode_cursor(values)})
        assert response.status_code == 422, (url, response.get_data(as_text=True))
        assert "cursor" in field_errors(response)
