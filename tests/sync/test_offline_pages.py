"""What the offline shell keeps of a musician's own data (issue 18): the journal of the
last 60 days (the list and each entry), the pieces with their passages (not archived
ones) and today's plan — the musician's own only, never another person's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import log_session, make_piece, make_plan
from woodshed.sync import services

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_the_recent_journal_pieces_and_todays_plan_are_listed(alice, bob, alice_web, frozen_clock):
    frozen_clock(NOW)
    recent = log_session(alice.profile, started_at=NOW - timedelta(days=59, hours=1))
    today = log_session(alice.profile, started_at=NOW - timedelta(hours=2))
    old = log_session(alice.profile, started_at=NOW - timedelta(days=62))
    bobs = log_session(bob.profile, started_at=NOW - timedelta(hours=2))
    piece = make_piece(alice.profile, "Ballade", sections=[("Coda", 200, 264)])
    archived = make_piece(alice.profile, "Old étude", status="archived")
    make_piece(bob.profile, "Bob's piece")
    daily = {
        "kind": "recurring",
        "rrule": "FREQ=DAILY",
        "start_date": "2026-03-02",
        "time_of_day": "18:00",
        "duration_minutes": 30,
    }
    plan = make_plan(alice.profile, daily)
    make_plan(bob.profile, daily)

    answer = alice_web.get("/sync/pages")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    # Berlin: 4 March; 60 days back is 3 January.
    assert body["journal"] == ["/journal?from=2026-01-03&limit=200"]
    pages = body["pages"]
    assert f"/journal/{today.id}" in pages
    assert f"/journal/{recent.id}" in pages
    assert f"/journal/{old.id}" not in pages
    assert f"/journal/{bobs.id}" not in pages
    assert f"/repertoire/{piece.id}" in pages
    assert f"/repertoire/{archived.id}" not in pages
    assert f"/plans/{plan.id}" in pages
    check_ins = [p for p in pages if p.endswith("/check-in")]
    assert len(check_ins) == 1  # today's occurrence of alice's plan, not bob's
    assert len(pages) == 5
    # Every page listed opens for its owner.
    for url in [*body["journal"], *pages]:
        assert alice_web.get(url).status_code == 200, url


def test_the_list_is_capped(alice, alice_web, frozen_clock, monkeypatch):
    frozen_clock(NOW)
    monkeypatch.setattr(services, "OFFLINE_MAX_SESSIONS", 2)
    entries = [log_session(alice.profile, started_at=NOW - timedelta(days=d)) for d in (1, 2, 3)]
    pages = alice_web.get("/sync/pages").get_json()["pages"]
    # The newest first: what was practised last is what is looked up next.
    assert pages == [f"/journal/{e.id}" for e in entries[:2]]


def test_a_background_copy_never_writes_the_session_cookie(alice_web):
    # A page the musician opens refreshes the (permanent) session cookie …
    assert "session=" in alice_web.get("/journal").headers.get("Set-Cookie", "")
    # … the shell's copy of it does not: it could put back a cookie without a flash
    # message set by a form sent meanwhile.
    answer = alice_web.get("/journal", headers={"X-Woodshed-Shell": "1"})
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
