"""Kid mode: a child's big buttons on a family device, left only with the guardian's PIN;
a kid-mode session opens nothing but its child's kid pages (tested over every route)."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from tests.clients import page_text
from tests.family.helpers import make_child
from tests.test_access_matrix import MATRIX
from woodshed import policy
from woodshed.db import Clock, db, utcnow
from woodshed.family import services
from woodshed.family.models import KidPin
from woodshed.journal.models import PracticeSession

PIN = "4821"


@pytest.fixture
def family(app, alice, alice_web):
    mia, leo = make_child(alice, "Mia"), make_child(alice, "Leo")
    services.set_pin(alice.user, PIN)
    db.session.flush()
    return mia, leo


def _enter(web, child):
    response = web.submit(f"/family/children/{child.id}/kid")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/children/{child.id}/kid")


@pytest.mark.parametrize("pin", ["abcd", "12", "123456789", "12 34", "١٢٣٤"])
def test_a_pin_is_4_to_8_digits(app, alice, alice_web, pin):
    response = alice_web.submit("/family/pin", {"pin": pin})
    assert response.status_code == 422
    assert "4 to 8 digits" in page_text(response)
    assert db.session.scalar(sa.select(KidPin).where(KidPin.user_id == alice.user.id)) is None


def test_the_pin_is_stored_hashed(app, alice, family):
    row = db.session.scalar(sa.select(KidPin).where(KidPin.user_id == alice.user.id))
    assert PIN not in row.pin_hash
    assert row.pin_hash.startswith("$argon2id$")


def test_kid_mode_shows_big_buttons_logs_for_the_child_and_leaves_with_the_pin(
    app, alice, alice_web, family
):
    mia, _leo = family
    _enter(alice_web, mia)
    home = alice_web.get(f"/children/{mia.id}/kid")
    html = home.get_data(as_text=True)
    assert home.status_code == 200
    assert "Hi Mia!" in html
    assert "I played 15 minutes" in html
    logged = alice_web.submit(
        f"/children/{mia.id}/journal/quick", {"preset": "15", "next": f"/children/{mia.id}/kid"}
    )
    assert logged.status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PracticeSession)
            .where(PracticeSession.profile_id == mia.id)
        )
        == 1
    )
    assert alice_web.get(f"/children/{mia.id}/journal/timer").status_code == 200
    badges = alice_web.get(f"/children/{mia.id}/stats/badges")
    assert badges.status_code == 200
    # Its way back is the kid's home (the progress page is closed in kid mode).
    assert f'href="/children/{mia.id}/kid"' in badges.get_data(as_text=True)
    # The first session earns a sticker (not in quiet mode).
    assert "First session" in alice_web.get(f"/children/{mia.id}/kid").get_data(as_text=True)
    mia.motivation_mode = "quiet"
    db.session.flush()
    assert "First session" not in alice_web.get(f"/children/{mia.id}/kid").get_data(as_text=True)

    assert alice_web.get("/journal").status_code == 403
    wrong = alice_web.submit(f"/children/{mia.id}/kid/exit", {"pin": "0000"})
    assert wrong.status_code == 422
    assert alice_web.get("/journal").status_code == 403  # still in kid mode
    right = alice_web.submit(f"/children/{mia.id}/kid/exit", {"pin": PIN})
    assert right.status_code == 302
    assert alice_web.get("/journal").status_code == 200


def test_three_wrong_pins_lock_it_for_five_minutes(app, alice, alice_web, family):
    mia, _leo = family
    _enter(alice_web, mia)
    url = f"/children/{mia.id}/kid/exit"
    assert alice_web.submit(url, {"pin": "1111"}).status_code == 422
    assert alice_web.submit(url, {"pin": "abcd"}).status_code == 422
    locked = alice_web.submit(url, {"pin": "2222"})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == 300
    # Even the right PIN waits out the lock.
    assert alice_web.submit(url, {"pin": PIN}).status_code == 429
    Clock.frozen = utcnow().replace(microsecond=0) + __import__("datetime").timedelta(minutes=6)
    try:
        assert alice_web.submit(url, {"pin": PIN}).status_code == 302
    finally:
        Clock.frozen = None


#: Endpoints open to a kid-mode session for its own child.
KID = policy.KID_ENDPOINTS | policy.KID_PUBLIC


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in KID or rule.rule.startswith("/static"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            key = f"{method} {rule.rule}"
            public = MATRIX.get(key, {}).get("anonymous") not in (302, 401)
            if not public:
                yield method, rule


def _url(rule) -> str:
    return re.sub(
        r"<(?:[^:<>]+:)?(\w+)>",
        lambda m: str(uuid.uuid4()) if "uuid" in rule.rule else "x",
        rule.rule,
    )


# About a thousand refusals, each decided by the gate (policy.py) before the route's own
# queries: on SQLite only, like the access matrix's refusals. The gate's queries for kid
# mode run on PostgreSQL in the other tests of this file.
@pytest.mark.one_database
def test_a_kid_mode_session_opens_no_other_page_of_anyone(app, alice, alice_web, family):
    """Every route but the kid pages: the guardian's own → 403, the child's other pages →
    403, the sibling's → 404; nothing is written."""
    mia, leo = family
    _enter(alice_web, mia)
    token = alice_web.csrf_token()
    counts = {}
    for method, rule in _routes(app):
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: str(uuid.uuid4()), rule.rule)
        for prefix, want in (("", 403), (f"/children/{mia.id}", 403), (f"/children/{leo.id}", 404)):
            url = prefix + path
            if url.startswith("/children/") and "/api/" in url:
                continue  # the API names a profile by ?profile_id=, below
            if path.startswith("/api/"):
                sep = "&" if "?" in path else "?"
                if prefix:
                    url = f"{path}{sep}profile_id={(mia if want == 403 else leo).id}"
                response = alice_web.open(
                    url,
                    method=method,
                    headers={"X-CSRFToken": token},
                    json={} if method != "GET" else None,
                )
            else:
                data = {"csrf_token": token} if method != "GET" else None
                response = alice_web.open(url, method=method, data=data)
            assert response.status_code == want, f"{method} {url}: {response.status_code}"
            counts[want] = counts.get(want, 0) + 1
    assert counts[403] > 200
    assert counts[404] > 100
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeSession)) == 0
    # Still in kid mode, still the child's home.
    assert alice_web.get(f"/children/{mia.id}/kid").status_code == 200
    assert alice_web.get(f"/children/{leo.id}/kid").status_code == 404


def test_every_endpoint_kid_mode_opens_is_a_route(app):
    """A misspelt endpoint in policy.KID_ENDPOINTS would close that page in kid mode
    without a word (the badges page was `stats.badges`, a name no route has)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert KID - endpoints == set()


def test_every_link_on_the_kid_pages_opens_in_kid_mode(app, alice, alice_web, family):
    """The logo and the offline banner linked to the guardian's own pages (`/`, `/sync`):
    a 403 for a child who taps them. In kid mode they lead to the child's home."""
    mia, _leo = family
    _enter(alice_web, mia)
    for page in (f"/children/{mia.id}/kid", f"/children/{mia.id}/journal/timer"):
        html = alice_web.get(page).get_data(as_text=True)
        hrefs = {h for h in re.findall(r'<a\b[^>]*\bhref="([^"#]+)', html) if h.startswith("/")}
        assert f"/children/{mia.id}/kid" in hrefs
        refused = {h: alice_web.get(h).status_code for h in hrefs}
        assert {h: s for h, s in refused.items() if s != 200} == {}, page
