""" "Pick up where you left off": one card per instrument practised in the last 60 days."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.clients import page_text
from tests.factories import (
    log_session,
    make_goal,
    make_instrument,
    make_piece,
    make_section,
)
from tests.statements import count_statements
from woodshed.core.pickup import PASSAGE_SESSIONS, excerpt, pickup

NOW = datetime(2026, 3, 12, 12, tzinfo=UTC)
TODAY = date(2026, 3, 12)


@pytest.fixture
def now(frozen_clock):
    return frozen_clock(NOW)


def test_a_brand_new_musician_is_led_to_the_first_log(alice_web, now):
    response = alice_web.get("/")
    text = page_text(response)
    assert "Welcome to your woodshed!" in text
    assert "Log your first session" in text
    assert "Nothing is waiting for you." in text


def test_each_instrument_practised_lately_gets_a_card(alice, now):
    piano = make_instrument(alice.profile, "Piano")
    guitar = make_instrument(alice.profile, "Guitar")
    cello = make_instrument(alice.profile, "Cello")
    log_session(alice.profile, started_at=NOW - timedelta(days=3), instrument_id=piano.id)
    log_session(alice.profile, started_at=NOW - timedelta(days=1), instrument_id=guitar.id)
    log_session(alice.profile, started_at=NOW - timedelta(days=70), instrument_id=cello.id)
    log_session(alice.profile, started_at=NOW - timedelta(days=10), duration_minutes=15)
    cards = pickup(alice.profile, TODAY).cards
    assert [c.name for c in cards] == ["Guitar", "Piano", "Without an instrument"]
    assert cards[0].last_date == TODAY - timedelta(days=1)


def test_a_card_holds_next_time_passages_struggles_and_goals(alice, now):
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Nocturne", instrument_id=piano.id, target_tempo_bpm=66)
    b = make_section(piece, "B section", (13, 20), target_tempo_bpm=60)
    coda = make_section(piece, "Coda", (25, 34))
    log_session(
        alice.profile,
        started_at=NOW - timedelta(days=4),
        instrument_id=piano.id,
        notes="Slow work. B section: left hand alone at 48.",
        next_time="an older note",
        struggles="Leap in bar 14",
        items=[{"section_id": str(b.id), "tempo_bpm": 48}],
    )
    log_session(
        alice.profile,
        started_at=NOW - timedelta(days=1),
        instrument_id=piano.id,
        notes="Coda pedalling is clearer.",
        next_time="Start with bars 13–20 at 52",
        struggles="Leap in bar 14",
        items=[
            {"section_id": str(coda.id), "note": "Pedal on each bar line"},
            {"section_id": str(b.id), "bars": "13-16"},
        ],
    )
    make_goal(
        alice.profile,
        "B at 60",
        kind="section",
        section_id=b.id,
        target={"type": "tempo", "value": 60},
        target_date=TODAY + timedelta(days=14),
    )
    make_goal(
        alice.profile,
        "Later",
        kind="piece",
        piece_id=piece.id,
        target_date=TODAY + timedelta(days=15),
    )
    make_goal(alice.profile, "Daily habit", target_date=TODAY + timedelta(days=2))

    result = pickup(alice.profile, TODAY)
    (card,) = result.cards
    assert (card.next_time, card.next_time_date) == (
        "Start with bars 13–20 at 52",
        TODAY - timedelta(days=1),
    )
    passages = {
        (p.section_name, p.last_practised, p.tempo_bpm, p.target_tempo_bpm, p.note)
        for p in card.passages
    }
    assert passages == {
        # The newest session on B named no tempo; the one before reached 48 of its target 60.
        # The newest session worked on two passages: its note belongs to neither, so B shows
        # the note of the session that worked on B alone, and the coda its item's own note.
        ("B section", TODAY - timedelta(days=1), 48, 60, "B section: left hand alone at 48."),
        ("Coda", TODAY - timedelta(days=1), None, 66, "Pedal on each bar line"),
    }
    assert card.struggles == [(TODAY - timedelta(days=1), "Leap in bar 14")]
    assert [(g.goal.title, g.days_left, g.progress.label) for g in card.goals] == [
        ("B at 60", 14, "best 48 of 60 bpm")
    ]
    assert [g.goal.title for g in result.general_goals] == ["Daily habit"]


def test_passages_come_from_the_instruments_last_sessions(alice, now):
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Etude", instrument_id=piano.id)
    old = make_section(piece, "Old", (1, 4))
    new = make_section(piece, "New", (5, 8))
    start = NOW - timedelta(days=20)
    log_session(
        alice.profile, started_at=start, instrument_id=piano.id, items=[{"section_id": str(old.id)}]
    )
    for n in range(1, PASSAGE_SESSIONS + 1):
        log_session(
            alice.profile,
            started_at=start + timedelta(hours=n),
            instrument_id=piano.id,
            items=[{"section_id": str(new.id)}],
        )
    (card,) = pickup(alice.profile, TODAY).cards
    assert [p.section_name for p in card.passages] == ["New"]


def test_the_dashboard_shows_the_next_time_note_and_escapes_it(alice_web, alice, now):
    piano = make_instrument(alice.profile, "Piano")
    log_session(
        alice.profile,
        started_at=NOW - timedelta(hours=20),
        instrument_id=piano.id,
        next_time="Start with <b>bars 33–40</b> slowly",
        struggles="<script>alert(1)</script>",
    )
    response = alice_web.get("/")
    html = response.get_data(as_text=True)
    assert "Start with &lt;b&gt;bars 33–40&lt;/b&gt; slowly" in html
    assert "<script>alert" not in html
    text = page_text(response)
    pickup = text.index("Pick up where you left off")
    assert pickup < text.index("Piano", pickup) < text.index("What next")


def test_coming_back_after_a_long_break_is_welcomed(alice_web, alice, now):
    log_session(alice.profile, started_at=NOW - timedelta(days=90))
    text = page_text(alice_web.get("/"))
    assert "Welcome back! Your last session was on" in text


def test_an_excerpt_starts_at_the_sentence_about_the_passage():
    note = "Warm-up scales. Worked the **B section** slowly; then the coda. Tired."
    assert excerpt(note, "B section") == "Worked the B section slowly; then the coda."
    assert excerpt(note, "nothing").startswith("Warm-up scales.")
    assert excerpt("word " * 100).endswith("…")
    assert len(excerpt("word " * 100)) <= 160


def _practice(alice, instruments: int, sections: int, sessions: int):
    made = []
    for i in range(instruments):
        inst = make_instrument(alice.profile, f"Instrument {instruments}-{i}")
        piece = make_piece(alice.profile, f"Piece {i}", instrument_id=inst.id, target_tempo_bpm=90)
        made += [(inst, make_section(piece, f"S{s}", (s + 1, s + 2))) for s in range(sections)]
    for n in range(sessions):
        inst, section = made[n % len(made)]
        log_session(
            alice.profile,
            started_at=NOW - timedelta(hours=5 + 7 * n),
            instrument_id=inst.id,
            notes=f"S{n}",
            next_time="x",
            struggles=f"struggle {n}",
            items=[{"section_id": str(section.id), "tempo_bpm": 60}],
        )
        make_goal(
            alice.profile,
            f"goal {inst.name} {n}",
            kind="section",
            section_id=section.id,
            target={"type": "tempo", "value": 80},
            target_date=TODAY + timedelta(days=n % 20),
        )
    make_goal(
        alice.profile,
        f"habit {sessions}",
        target={"type": "minutes_per_week", "value": 90},
        target_date=TODAY,
    )


def test_the_dashboard_costs_the_same_whatever_the_amount_of_practice(app, alice, alice_web, now):
    """PERF-QUERIES: statements do not grow with instruments, sections or sessions."""

    def cost() -> int:
        alice_web.get("/")
        with count_statements(app) as statements:
            assert alice_web.get("/").status_code == 200
        return len(statements)

    _practice(alice, instruments=1, sections=1, sessions=1)
    small = cost()
    _practice(alice, instruments=4, sections=6, sessions=60)
    large = cost()
    assert small == large, (small, large)


def test_panels_that_need_the_same_data_read_it_once(app, alice, alice_web, now):
    """Pick-up and What next both show goals due, the quick log and What next both use the
    active pieces, Today's plan and What next both list the plan's sessions: each of these
    reads runs once per dashboard (shared_by_panels), and only there."""
    from tests.factories import make_plan
    from woodshed.core.dashboard import shared_by_panels

    _practice(alice, instruments=2, sections=2, sessions=5)
    make_plan(
        alice.profile, {"kind": "single", "start": "2026-03-12T18:00", "duration_minutes": 30}
    )
    alice_web.get("/")
    with count_statements(app) as statements:
        text = page_text(alice_web.get("/"))
    assert "Today's plan" in text
    assert "What next" in text

    def reading(table: str) -> int:
        return sum(1 for s in statements if f"FROM {table} " in s or f"FROM {table}\n" in s)

    assert reading("goals") == 1
    assert reading("pieces") == 1
    assert reading("plan_occurrences") == 2  # the due ones, and the skipped days of streaks

    calls = []
    read = shared_by_panels(lambda x: calls.append(x) or len(calls))
    with app.test_request_context():
        assert (read(1), read(1)) == (1, 2)  # outside a dashboard: no sharing


def test_a_plan_step_does_not_replace_the_passages_own_target(alice, alice_web, now):
    """Checked in with a plan's 58 bpm on the way to the section's 66: the card says 66."""
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Nocturne", instrument_id=piano.id)
    b = make_section(piece, "B section", (13, 20), target_tempo_bpm=66)
    log_session(
        alice.profile,
        started_at=NOW - timedelta(days=1),
        instrument_id=piano.id,
        items=[{"section_id": str(b.id), "tempo_bpm": 56, "target_tempo_bpm": 58}],
    )
    (card,) = pickup(alice.profile, TODAY).cards
    (passage,) = card.passages
    assert (passage.tempo_bpm, passage.target_tempo_bpm) == (56, 66)
    assert passage.session_target_bpm == 58
    text = page_text(alice_web.get("/"))
    assert "56 / 66 bpm" in text
    assert "that session aimed at 58 bpm" in text
