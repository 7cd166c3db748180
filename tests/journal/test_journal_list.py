"""The journal list: newest first, paginated, filtered from the URL, searchable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients import page_text
from tests.factories import log_session, make_instrument, make_piece
from tests.journal import builders
from tests.journal.html import read

DAY = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 18:00 in Berlin


def dates_listed(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [chunk.split('"')[0] for chunk in html.split('<time datetime="')[1:]]


def test_a_new_musician_is_led_to_the_first_log(alice_web):
    response = alice_web.get("/journal")
    assert "Your journal starts here" in page_text(response)
    assert 'href="/journal/new"' in response.get_data(as_text=True)


def test_each_row_shows_the_session_at_a_glance(alice, alice_web):
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Nocturne", sections=[("Cadenza", 33, 40)])
    log_session(
        alice.profile,
        started_at=DAY,
        duration_minutes=90,
        instrument_id=piano.id,
        items=[{"section_id": piece.sections[0].id, "bars": "33-40", "tempo_bpm": 60}],
        tags=["rubato"],
        notes="Worked on **voicing**\nsecond line stays hidden",
        next_time="Start with the left hand",
        mood=4,
        exam_prep=True,
    )
    text = page_text(alice_web.get("/journal"))
    assert "Sun, 1 Mar 2026 18:00 1 h 30 min Piano" in text
    assert "Nocturne › Cadenza, bars 33–40, @ 60 bpm" in text
    assert "Worked on voicing" in text
    assert "second line" not in text
    assert "Next time: Start with the left hand" in text
    assert "rubato" in text
    assert "Mood 4 of 5" in text
    assert "exam prep" in text


def test_entries_come_newest_first_and_page_with_an_older_link(alice, alice_web):
    for day in range(30):
        log_session(alice.profile, started_at=DAY + timedelta(days=day))
    first = alice_web.get("/journal")
    assert dates_listed(first)[:2] == ["2026-03-30", "2026-03-29"]
    assert len(dates_listed(first)) == 25
    older = first.get_data(as_text=True).split('rel="next"')[0].rsplit('href="', 1)[1]
    older = older.split('"')[0].replace("&amp;", "&")
    second = alice_web.get(older)
    assert dates_listed(second) == [f"2026-03-0{d}" for d in range(5, 0, -1)]
    assert 'rel="next"' not in second.get_data(as_text=True)
    assert "← Newest" in page_text(second)


def test_filters_live_in_the_url_and_keep_their_values(alice, alice_web):
    piano = make_instrument(alice.profile, "Piano")
    guitar = make_instrument(alice.profile, "Guitar")
    for day in range(6):
        log_session(
            alice.profile,
            started_at=DAY + timedelta(days=day),
            instrument_id=(piano if day % 2 else guitar).id,
            tags=["Scales"] if day < 4 else [],
        )
    query = {"from": "2026-03-02", "to": "2026-03-06", "tag": "scales"}
    query["instrument_id"] = str(piano.id)
    response = alice_web.get("/journal", query_string=query)
    assert dates_listed(response) == ["2026-03-04", "2026-03-02"]
    form = read(response)
    assert (form.value("from"), form.value("to"), form.value("tag")) == (
        "2026-03-02",
        "2026-03-06",
        "scales",
    )
    assert form.value("instrument_id") == str(piano.id)
    assert "Entries matching your filters" in page_text(response)


@pytest.mark.parametrize(
    "name", ["piece_id", "section_id", "skill_id", "goal_id", "exam_prep", "performance_prep"]
)
def test_each_filter_narrows_the_list(alice, alice_web, name):
    piece = make_piece(alice.profile, "Etude", sections=[("A", 1, 8)])
    skill = builders.skill(alice.profile)
    goal = builders.goal(alice.profile)
    log_session(alice.profile, started_at=DAY)  # matches nothing
    log_session(
        alice.profile,
        started_at=DAY + timedelta(days=1),
        items=[{"section_id": piece.sections[0].id}, {"skill_id": skill.id}],
        goal_ids=[goal.id],
        exam_prep=True,
        performance_prep=True,
    )
    value = {
        "piece_id": piece.id,
        "section_id": piece.sections[0].id,
        "skill_id": skill.id,
        "goal_id": goal.id,
    }.get(name, "true")
    response = alice_web.get("/journal", query_string={name: str(value)})
    assert dates_listed(response) == ["2026-03-02"]


def test_a_minimum_rating_filter(alice, alice_web):
    for day, confidence in enumerate([1, 3, 5, None]):
        log_session(alice.profile, started_at=DAY + timedelta(days=day), confidence=confidence)
    response = alice_web.get("/journal", query_string={"rating": "confidence", "min_rating": "3"})
    assert dates_listed(response) == ["2026-03-03", "2026-03-02"]
    form = read(response)
    assert (form.value("rating"), form.value("min_rating")) == ("confidence", "3")


def test_a_bad_filter_says_what_is_wrong_and_keeps_the_rest(alice, alice_web):
    log_session(alice.profile, started_at=DAY)
    response = alice_web.get(
        "/journal", query_string={"from": "2026-03-10", "to": "2026-03-01", "tag": "scales"}
    )
    assert response.status_code == 422
    form = read(response)
    assert form.error("to") == "The end date is before the start date."
    assert (form.value("from"), form.value("tag")) == ("2026-03-10", "scales")
    assert read(alice_web.get("/journal?min_rating=3")).error("min_rating") == (
        "Choose which rating the minimum applies to."
    )
    assert alice_web.get("/journal?cursor=garbage").status_code == 422


def test_search_finds_a_word_from_a_note_and_matching_library_entries(alice, bob, alice_web):
    log_session(alice.profile, started_at=DAY, notes="Slow arpeggios with a metronome")
    log_session(alice.profile, started_at=DAY + timedelta(days=1), notes="Scales only")
    builders.resource(alice.profile, "Arpeggios explained", "fingering for arpeggios")
    builders.resource(alice.profile, "Scales chart", "all keys")
    builders.resource(bob.profile, "Bob's arpeggio notes", "private to bob")
    response = alice_web.get("/journal", query_string={"q": "arpeggios"})
    text = page_text(response)
    assert dates_listed(response) == ["2026-03-01"]
    assert "From your library" in text
    assert "Arpeggios explained" in text
    assert "Scales chart" not in text
    assert "Bob" not in text
    assert read(response).value("q") == "arpeggios"


def test_a_search_without_library_matches_shows_no_library_section(alice, alice_web):
    log_session(alice.profile, notes="metronome work")
    text = page_text(alice_web.get("/journal", query_string={"q": "metronome"}))
    assert "From your library" not in text
    text = page_text(alice_web.get("/journal", query_string={"q": "nothinglikethis"}))
    assert "Nothing found" in text


def test_the_filter_choices_are_only_alices(alice, bob, alice_web):
    make_piece(bob.profile, "Bob's secret piece")
    make_instrument(bob.profile, "Bob's banjo")
    text = page_text(alice_web.get("/journal"))
    assert "Bob" not in text


FILTERS = ["from", "to", "instrument_id", "piece_id", "tag", "exam_prep", "rating"]
FILTERS += ["min_rating", "q", "cursor", "limit", "_external", "_scheme", "_anchor", "_method"]


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    args=st.dictionaries(
        st.sampled_from(FILTERS),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
        max_size=6,
    )
)
def test_any_filter_url_answers_with_a_page_never_an_error(alice_web, args):
    response = alice_web.get("/journal", query_string=args)
    assert response.status_code in (200, 422)


def test_the_older_link_keeps_only_journal_filters(alice, alice_web):
    for day in range(3):
        log_session(alice.profile, started_at=DAY + timedelta(days=day))
    query = {"limit": "1", "tag": "", "_external": "1", "_scheme": "javascript", "evil": "x"}
    html = alice_web.get("/journal", query_string=query).get_data(as_text=True)
    older = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert older.startswith("/journal?limit=1&amp;cursor=")


def test_bars_typed_with_a_hyphen_are_shown_as_the_passages_label_once(alice, alice_web):
    piece = make_piece(alice.profile, "Etude", sections=[("", 16, 20), ("Coda", 30, 40)])
    unnamed, coda = piece.sections
    session = log_session(
        alice.profile,
        started_at=DAY,
        items=[
            {"section_id": unnamed.id, "bars": "16-20", "minutes": 10},
            {"section_id": coda.id, "bars": "33-36"},
            {"piece_id": piece.id, "bars": "5"},
        ],
    )

    listed = page_text(alice_web.get("/journal"))
    entry = page_text(alice_web.get(f"/journal/{session.id}"))

    assert "Etude › bars 16–20, 10 min" in listed  # the passage's label, said once
    assert "Etude › Coda, bars 33–36" in listed
    assert "Etude, bars 5" in listed
    assert "16-20" not in listed + entry
    assert "33-36" not in listed + entry
    assert "Piece Etude › bars 16–20 10 min" in entry  # not "› bars 16–20 bars 16-20"
    assert "Piece Etude › Coda bars 33–36" in entry
