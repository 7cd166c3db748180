""" "What next": neglected passages, passages below tempo or felt shaky, goals near their date."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.clients import page_text
from tests.factories import log_session, make_goal, make_piece, make_section
from woodshed.db import Clock
from woodshed.goals.suggestions import suggestions as goal_suggestions
from woodshed.repertoire.suggestions import suggestions as repertoire_suggestions

TODAY = date(2026, 3, 20)


@pytest.fixture(autouse=True)
def _setting(app, frozen_clock):
    # Pieces and sections were added long ago unless a test says otherwise; providers build
    # links, so they run in a request as on the dashboard.
    frozen_clock(datetime(2026, 1, 1, 12, tzinfo=UTC))
    with app.test_request_context():
        yield


def log(profile, started_at: datetime, **fields):
    """Log a session, the clock moved on to the evening of TODAY."""
    Clock.frozen = max(Clock.frozen, datetime(2026, 3, 20, 23, tzinfo=UTC))
    return log_session(profile, started_at=started_at, **fields)


def practised(profile, days_ago: int, **item):
    noon = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), UTC)
    return log(profile, noon + timedelta(hours=12), items=[item])


def lines(profile, today=TODAY):
    return {s.title: s.reason for s in repertoire_suggestions(profile, today)}


@pytest.mark.parametrize(
    ("status", "allowed"), [("learning", 2), ("polishing", 4), ("performance_ready", 10)]
)
def test_a_passage_is_neglected_after_the_days_its_status_allows(alice, status, allowed):
    piece = make_piece(alice.profile, "Nocturne", status=status)
    section = make_section(piece, "B", (13, 20), status=status)
    practised(alice.profile, allowed, section_id=str(section.id))
    assert lines(alice.profile) == {}
    assert "Nocturne › B (bars 13–20)" in lines(alice.profile, TODAY + timedelta(days=1))
    reason = lines(alice.profile, TODAY + timedelta(days=1))["Nocturne › B (bars 13–20)"]
    assert reason.startswith(f"{allowed + 1} days since you last practised it")
    assert f"every {allowed} day" in reason


def test_a_passage_never_practised_counts_from_when_it_was_added(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 15, 12, tzinfo=UTC))
    piece = make_piece(alice.profile, "Étude")
    make_section(piece, "Opening", (1, 8))
    assert lines(alice.profile, date(2026, 3, 17)) == {}
    assert lines(alice.profile, date(2026, 3, 18)) == {
        "Étude › Opening (bars 1–8)": "Not practised yet, 3 days after you added it "
        "(learning: every 2 days)"
    }


def test_practising_a_containing_section_or_the_whole_piece_counts(alice):
    piece = make_piece(alice.profile, "Prelude")
    whole = make_section(piece, "A", (1, 12))
    inner = make_section(piece, "A theme", (1, 4))
    later = make_section(piece, "B", (13, 20))
    practised(alice.profile, 1, section_id=str(whole.id))
    assert "Prelude › A theme (bars 1–4)" not in lines(alice.profile)  # 1–12 contains 1–4
    assert "Prelude › B (bars 13–20)" in lines(alice.profile)
    log(
        alice.profile,
        datetime(2026, 3, 19, 9, tzinfo=UTC),
        items=[{"piece_id": str(piece.id), "run_through": True}],
    )
    assert lines(alice.profile) == {}
    assert inner.id
    assert later.id


def test_a_run_through_counts_even_when_another_section_came_later(alice):
    """The newest whole-piece work is found on its own day, not only on the piece's last."""
    piece = make_piece(alice.profile, "Sonatina")
    a = make_section(piece, "A", (1, 8))
    b = make_section(piece, "B", (9, 16))
    practised(alice.profile, 8, section_id=str(b.id))
    practised(alice.profile, 2, piece_id=str(piece.id), run_through=True)
    practised(alice.profile, 1, section_id=str(a.id))
    assert lines(alice.profile) == {}  # B: two days since the run-through (learning: 2)
    assert lines(alice.profile, TODAY + timedelta(days=1)) == {
        "Sonatina › B (bars 9–16)": "3 days since you last practised it (learning: every 2 days)"
    }


def test_pieces_and_sections_that_are_not_being_worked_on_are_left_alone(alice):
    for status in ("wishlist", "archived"):
        make_piece(alice.profile, f"{status} piece", status=status)
    piece = make_piece(alice.profile, "Learning piece")
    make_section(piece, "Later", (1, 4), status="not_started")
    make_section(piece, "Done", (5, 8), status="archived")
    # A piece whose sections are all parked is a passage as a whole.
    assert set(lines(alice.profile)) == {"Learning piece"}


def test_a_passage_below_its_target_tempo_comes_back(alice):
    piece = make_piece(alice.profile, "Blackbird", target_tempo_bpm=92)
    verse = make_section(piece, "Verse", (1, 10))
    bridge = make_section(piece, "Bridge", (11, 18), target_tempo_bpm=80)
    practised(alice.profile, 1, section_id=str(verse.id), tempo_bpm=76)
    practised(alice.profile, 1, section_id=str(bridge.id), tempo_bpm=70, target_tempo_bpm=72)
    found = lines(alice.profile)
    assert (
        found["Blackbird › Verse (bars 1–10)"]
        == "Last time (Thu, 19 Mar 2026) 76 of 92 bpm — 16 to go"
    )
    # The section's own target stays the target; the session's (a plan's step) is named.
    assert (
        found["Blackbird › Bridge (bars 11–18)"]
        == "Last time (Thu, 19 Mar 2026) 70 of 80 bpm — 10 to go (that session aimed at 72)"
    )
    # Reaching a plan's interim step does not drop a passage still below its own target.
    practised(alice.profile, 0, section_id=str(bridge.id), tempo_bpm=72, target_tempo_bpm=72)
    assert found.keys() <= lines(alice.profile).keys()
    practised(alice.profile, 0, section_id=str(verse.id), tempo_bpm=92)
    assert "Blackbird › Verse (bars 1–10)" not in lines(alice.profile)


@pytest.mark.parametrize(
    ("confidence", "suggested"), [(1, True), (2, True), (3, False), (None, False)]
)
def test_a_passage_that_felt_shaky_comes_back(alice, confidence, suggested):
    piece = make_piece(alice.profile, "Lágrima")
    section = make_section(piece, "E minor", (9, 16))
    log(
        alice.profile,
        datetime(2026, 3, 19, 18, tzinfo=UTC),
        confidence=confidence,
        items=[{"section_id": str(section.id)}],
    )
    found = lines(alice.profile)
    assert ("Lágrima › E minor (bars 9–16)" in found) is suggested
    if suggested:
        assert found["Lágrima › E minor (bars 9–16)"] == (
            f"You rated your confidence {confidence}/5 after the session on Thu, 19 Mar 2026"
        )


def test_every_reason_for_a_passage_is_on_one_line_and_raises_its_urgency(alice):
    piece = make_piece(alice.profile, "Nocturne")
    section = make_section(piece, "B", (13, 20), target_tempo_bpm=60)
    log(
        alice.profile,
        datetime(2026, 3, 12, 18, tzinfo=UTC),
        confidence=2,
        items=[{"section_id": str(section.id), "tempo_bpm": 50}],
    )
    (line,) = repertoire_suggestions(alice.profile, TODAY)
    assert line.reason.count(";") == 2
    assert line.urgency > 60
    assert line.url.endswith(f"#section-{section.id}")


def test_one_piece_cannot_fill_the_list(alice):
    piece = make_piece(alice.profile, "Big piece")
    for i in range(6):
        make_section(piece, f"S{i}", (i * 4 + 1, i * 4 + 4))
    assert len(repertoire_suggestions(alice.profile, TODAY)) == 2


def test_goals_near_their_date_and_not_reached_are_suggested(alice):
    piece = make_piece(alice.profile)
    section = make_section(piece, "B", (13, 20))
    practised(alice.profile, 1, section_id=str(section.id), tempo_bpm=72)
    make_goal(alice.profile, "Overdue", target_date=TODAY - timedelta(days=2))
    make_goal(
        alice.profile,
        "Tempo",
        kind="section",
        section_id=section.id,
        target={"type": "tempo", "value": 80},
        target_date=TODAY + timedelta(days=3),
        priority="high",
    )
    make_goal(
        alice.profile,
        "Reached",
        kind="section",
        section_id=section.id,
        target={"type": "tempo", "value": 70},
        target_date=TODAY + timedelta(days=1),
    )
    make_goal(alice.profile, "Far away", target_date=TODAY + timedelta(days=8))
    make_goal(alice.profile, "Finished", target_date=TODAY, status="completed")
    found = {s.title: (s.reason, s.urgency) for s in goal_suggestions(alice.profile, TODAY)}
    assert found == {
        "Overdue": ("Goal 2 days overdue, no measurable target", 85),
        "Tempo": ("Goal due in 3 days, 90% (best 72 of 80 bpm)", 75),
    }


def test_the_dashboard_lists_suggestions_most_urgent_first_with_their_reasons(
    client, alice, frozen_clock
):
    piece = make_piece(alice.profile, "Gymnopédie", status="performance_ready")
    make_goal(
        alice.profile,
        "Recital checklist",
        target_date=TODAY,
        target={"type": "checklist", "items": [{"text": "memorise"}]},
    )
    practised(alice.profile, 12, piece_id=str(piece.id))
    frozen_clock(datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=12))
    client.sign_in(alice)  # after the clock moved on, so the sign-in is fresh
    text = page_text(client.get("/"))
    what_next = text[text.index("What next") :]
    assert what_next.index("Recital checklist Goal due today, 0% (0 of 1 done)") < what_next.index(
        "Gymnopédie 12 days since you last practised it (performance-ready: every 10 days)"
    )


def test_what_next_watches_exactly_the_pieces_the_quick_log_offers():
    """Both panels read the same active pieces (one shared read), so the statuses agree."""
    from woodshed.journal.queries import ACTIVE_PIECE_STATUSES
    from woodshed.repertoire.suggestions import NEGLECT_DAYS

    assert set(NEGLECT_DAYS) == set(ACTIVE_PIECE_STATUSES)
