"""SEC-CSRF: the X-CSRFToken header of a cookie-authenticated API write.

That every route refuses a form post without a valid token (400), an API write from a
cookie without the header (403), and that no GET changes anything, is checked for every
route in the matrix's pass (tests/test_access_matrix.py), where the routes are built once.
"""

from __future__ import annotations

import re


def test_the_api_accepts_a_cookie_authenticated_write_with_the_pages_csrf_token(alice_web):
    page = alice_web.get("/settings/profile").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]
    response = alice_web.patch(
        "/api/v1/me", json={"display_name": "Alice B."}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "Alice B."


def test_the_api_refuses_a_forged_csrf_header(alice_web):
    response = alice_web.patch(
        "/api/v1/me", json={"display_name": "Mallory"}, headers={"X-CSRFToken": "forged"}
    )
    assert response.status_code == 403
