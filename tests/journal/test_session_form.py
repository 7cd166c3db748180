"""The log form: new, edit (with conflicts) and delete, in the browser's terms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients import page_text
from tests.factories import log_session, make_instrument, make_piece
from tests.journal import builders
from tests.journal.html import read
from woodshed import search
from woodshed.db import db
from woodshed.journal.models import Evidence, PracticeSession

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 13:00 in Berlin


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_new_form_starts_now_in_the_musicians_zone_with_blank_rows(
    alice, alice_web, frozen_clock
):
    frozen_clock(NOW)
    make_piece(alice.profile, "Etude", sections=[("A", 1, 8)])
    builders.skill(alice.profile)
    form = read(alice_web.get("/journal/new"))
    assert form.value("started_at") == "2026-03-10T13:00"
    assert [n for n in form.names if n.endswith("-piece_id")] == [
        "items-0-piece_id",
        "items-1-piece_id",
        "items-2-piece_id",
    ]
    assert [n for n in form.names if n.endswith("-url")] == ["evidence-0-url", "evidence-1-url"]
    assert [n for n in form.names if n.endswith("-skill_id")] == [
        "skills-0-skill_id",
        "skills-1-skill_id",
    ]
    for rating in ("mood", "quality", "enjoyment", "difficulty", "confidence"):
        assert form.value(rating) == ""  # "not rated" is chosen


def test_the_only_instrument_is_chosen_for_you(alice, alice_web):
    piano = make_instrument(alice.profile, "Piano")
    assert read(alice_web.get("/journal/new")).value("instrument_id") == str(piano.id)


def test_query_parameters_prefill_the_form(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    piano = make_instrument(alice.profile, "Piano")
    make_instrument(alice.profile, "Guitar")
    piece = make_piece(alice.profile, "Etude", sections=[("A", 1, 8)])
    response = alice_web.get(
        "/journal/new",
        query_string={
            "started_at": "2026-03-10T10:15:00.000Z",
            "duration": "25",
            "instrument_id": str(piano.id),
            "piece_id": str(piece.id),
            "section_id": str(piece.sections[0].id),
        },
    )
    form = read(response)
    assert form.value("started_at") == "2026-03-10T11:15"
    assert form.value("duration_minutes") == "25"
    assert form.value("instrument_id") == str(piano.id)
    assert form.value("items-0-piece_id") == str(piece.id)
    assert form.value("items-0-section_id") == str(piece.sections[0].id)


def test_malformed_prefill_values_are_ignored(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    response = alice_web.get(
        "/journal/new", query_string={"started_at": "soon", "piece_id": "<b>", "duration": "x"}
    )
    assert response.status_code == 200
    assert read(response).value("started_at") == "2026-03-10T13:00"


def test_the_practice_tools_prefill_item_rows_and_a_note(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    etude = make_piece(alice.profile, "Etude")
    march = make_piece(alice.profile, "March")
    measured = {
        "duration": "20",
        "items-0-piece_id": str(etude.id),
        "items-0-bars": "9-16",
        "items-0-minutes": "12",
        "items-0-tempo_bpm": "84",
        "items-0-target_tempo_bpm": "92",
        "items-0-run_through": "true",
        "items-1-piece_id": str(march.id),
        "items-1-minutes": "3",
        "notes": "Etude, bars 9-16: 5 clean run-throughs in a row.",
    }
    form = read(alice_web.get("/journal/new", query_string=measured))
    for name in ("piece_id", "bars", "minutes", "tempo_bpm", "target_tempo_bpm"):
        assert form.value(f"items-0-{name}") == measured[f"items-0-{name}"]
    assert form.value("items-1-piece_id") == str(march.id)
    assert form.value("items-1-minutes") == "3"
    assert form.value("items-0-run_through") == "true"
    assert form.value("notes") == measured["notes"]


def full_form(piece, skill, goal, piano) -> dict:
    return {
        "started_at": "2026-03-09T18:30",
        "duration_minutes": "1h15m",
        "instrument_id": str(piano.id),
        "items-0-piece_id": str(piece.id),
        "items-0-section_id": str(piece.sections[1].id),
        "items-0-bars": "33–40",
        "items-0-minutes": "20",
        "items-0-tempo_bpm": "63",
        "items-0-target_tempo_bpm": "72",
        "items-0-run_through": "true",
        "items-1-piece_id": "",
        "skills-0-skill_id": str(skill.id),
        "skills-0-minutes": "10",
        "tags": "left hand, Rubato,  ,left hand",
        "notes": "Cadenza *slowly*",
        "next_time": "Start with bars 37-38",
        "struggles": "Thumb crossing",
        "achievements": "Clean run at 63",
        "mood": "4",
        "quality": "3",
        "enjoyment": "5",
        "difficulty": "",
        "confidence": "2",
        "mode": "slow",
        "exam_prep": "true",
        "private": "true",
        "goal_ids": str(goal.id),
        "evidence-0-url": "https://example.org/recording",
        "evidence-0-text": "Take 3",
        "evidence-1-text": "Teacher said: relax the wrist",
    }


def test_a_full_entry_is_saved_with_every_field(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Nocturne", sections=[("A", 1, 12), ("Cadenza", 33, 40)])
    skill = builders.skill(alice.profile, "Scales in thirds")
    goal = builders.goal(alice.profile, "Cadenza at 72", status="in_progress")
    response = alice_web.submit("/journal/new", full_form(piece, skill, goal, piano))
    assert response.status_code == 302, page_text(response)[:2000]
    session = db.session.scalars(sa.select(PracticeSession)).one()
    assert response.headers["Location"] == f"/journal/{session.id}"
    assert session.started_at == datetime(2026, 3, 9, 17, 30, tzinfo=UTC)
    assert session.practice_date == date(2026, 3, 9)
    assert (session.duration_minutes, session.instrument_id) == (75, piano.id)
    music, practised_skill = session.items
    assert (music.piece_id, music.section_id) == (piece.id, piece.sections[1].id)
    assert music.bars == "33-40"
    assert (music.minutes, music.tempo_bpm, music.target_tempo_bpm, music.run_through) == (
        20,
        63,
        72,
        True,
    )
    assert (practised_skill.skill_id, practised_skill.minutes) == (skill.id, 10)
    assert session.tag_names == ["left hand", "Rubato"]
    assert (session.mood, session.quality, session.enjoyment) == (4, 3, 5)
    assert (session.difficulty, session.confidence) == (None, 2)
    assert (session.mode, session.exam_prep, session.performance_prep, session.private) == (
        "slow",
        True,
        False,
        True,
    )
    assert session.goal_ids == [goal.id]
    assert [(e.kind, e.url, e.text) for e in session.evidence] == [
        ("link", "https://example.org/recording", "Take 3"),
        ("note", None, "Teacher said: relax the wrist"),
    ]
    entry = page_text(alice_web.get(response.headers["Location"]))
    assert "Logged. It counts for Monday 9 March 2026." in entry
    assert "Nocturne › Cadenza" in entry
    assert "63 / 72 bpm" in entry


def test_sending_the_same_new_entry_twice_saves_it_once(alice, alice_web):
    form = read(alice_web.get("/journal/new"))
    values = {"id": form.value("id"), "started_at": "2026-01-05T10:00", "duration_minutes": "20"}
    first = alice_web.submit("/journal/new", values)
    again = alice_web.submit("/journal/new", values)
    assert first.headers["Location"] == again.headers["Location"]
    assert count(PracticeSession) == 1
    assert "This entry was already saved." in page_text(alice_web.get(again.headers["Location"]))


def test_an_id_of_someone_elses_entry_is_refused(alice, bob, alice_web):
    theirs = log_session(bob.profile)
    values = {"id": str(theirs.id), "started_at": "2026-01-05T10:00", "duration_minutes": "20"}
    response = alice_web.submit("/journal/new", values)
    assert response.status_code == 422
    assert "This id is already in use." in page_text(response)
    assert count(PracticeSession) == 1


def test_bad_input_keeps_everything_typed_and_says_what_to_fix(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    piece = make_piece(alice.profile, "Nocturne", sections=[("A", 1, 12)])
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": "2026-03-11T09:00",
            "duration_minutes": "601",
            "items-0-piece_id": str(piece.id),
            "items-0-bars": "40-33",
            "items-0-tempo_bpm": "fast",
            "tags": "scales, " + "x" * 200,
            "notes": "Keep <this> note & everything",
            "mood": "6",
            "evidence-0-url": "javascript:alert(1)",
        },
    )
    assert response.status_code == 422
    form = read(response)
    assert form.error("started_at") == "The start time is in the future."
    assert form.error("duration_minutes") == "Enter a number of at most 600."
    assert form.error("items-0-bars") == "The first bar (40) comes after the last (33)."
    assert form.error("items-0-tempo_bpm") == "Enter a whole number."
    assert form.error("tags") == "Keep this to 50 characters or fewer."
    assert form.error("mood") == "Enter a number of at most 5."
    assert form.error("evidence-0-url") == (
        "Enter a full web address starting with https:// or http://."
    )
    # Everything typed is still there.
    assert form.value("started_at") == "2026-03-11T09:00"
    assert form.value("duration_minutes") == "601"
    assert form.value("items-0-piece_id") == str(piece.id)
    assert form.value("items-0-bars") == "40-33"
    assert form.value("tags") == "scales, " + "x" * 200
    assert form.value("notes") == "Keep <this> note & everything"
    assert form.value("evidence-0-url") == "javascript:alert(1)"
    summary = page_text(response)
    assert "Piece 1, bars: The first bar (40) comes after the last (33)." in summary
    assert count(PracticeSession) == 0


def test_errors_in_skill_rows_land_on_the_skill_row(alice, bob, alice_web):
    piece = make_piece(alice.profile)
    bobs_skill = builders.skill(bob.profile)
    builders.skill(alice.profile)
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": "2026-01-05T10:00",
            "duration_minutes": "30",
            "items-0-piece_id": str(piece.id),
            "skills-0-skill_id": "",
            "skills-1-skill_id": str(bobs_skill.id),
            "skills-1-minutes": "700",
        },
    )
    assert response.status_code == 422
    form = read(response)
    # The blank first skill row is dropped, so the typed one becomes row 0.
    assert form.error("skills-0-minutes") == "Enter a number of at most 600."
    assert form.value("skills-0-minutes") == "700"
    assert form.error("items-0-piece_id") is None


def test_another_musicians_skill_is_refused_on_its_row(alice, bob, alice_web):
    piece = make_piece(alice.profile)
    bobs_skill = builders.skill(bob.profile)
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": "2026-01-05T10:00",
            "duration_minutes": "30",
            "items-0-piece_id": str(piece.id),
            "skills-0-skill_id": str(bobs_skill.id),
        },
    )
    assert response.status_code == 422
    assert read(response).error("skills-0-skill_id") == "There is no such skill in your journal."


def test_a_row_with_minutes_but_no_piece_asks_for_one(alice, alice_web):
    make_piece(alice.profile)
    response = alice_web.submit(
        "/journal/new",
        {"started_at": "2026-01-05T10:00", "duration_minutes": "30", "items-0-minutes": "10"},
    )
    assert read(response).error("items-0-piece_id") == "Choose a piece, section or skill."


# --- edit -------------------------------------------------------------------------------


def edit_form(alice_web, session) -> dict:
    """The edit form's current values, as the browser would send them back."""
    form = read(alice_web.get(f"/journal/{session.id}/edit"))
    return {name: values[0] for name, values in form.values.items() if values}


def test_the_edit_form_is_prefilled(alice, alice_web):
    piece = make_piece(alice.profile, "Etude", sections=[("A", 1, 8)])
    session = log_session(
        alice.profile,
        started_at=datetime(2026, 3, 9, 17, 30, 41, tzinfo=UTC),
        duration_minutes=40,
        tags=["scales", "left hand"],
        items=[{"section_id": piece.sections[0].id, "bars": "1-4", "tempo_bpm": 60}],
        mood=3,
        evidence=[{"kind": "note", "text": "felt good"}],
    )
    values = edit_form(alice_web, session)
    assert values["started_at"] == "2026-03-09T18:30"
    assert values["duration_minutes"] == "40"
    assert values["tags"] == "left hand, scales"
    assert values["items-0-section_id"] == str(piece.sections[0].id)
    assert values["items-0-bars"] == "1-4"
    assert values["mood"] == "3"
    assert values["evidence-0-text"] == "felt good"
    assert values["version"] == "1"


def test_saving_the_edit_form_unchanged_records_no_revision(alice, alice_web):
    session = log_session(
        alice.profile,
        started_at=datetime(2026, 3, 9, 17, 30, 41, tzinfo=UTC),
        tags=["scales"],
        notes="same",
    )
    response = alice_web.submit(f"/journal/{session.id}/edit", edit_form(alice_web, session))
    assert response.status_code == 302
    assert session.revisions == []
    assert session.started_at.second == 41


def test_line_breaks_sent_by_a_browser_do_not_count_as_an_edit(alice, alice_web):
    session = log_session(alice.profile, notes="first line\nsecond line", struggles="a\n\nb")
    values = edit_form(alice_web, session)
    values |= {name: values[name].replace("\n", "\r\n") for name in ("notes", "struggles")}
    assert alice_web.submit(f"/journal/{session.id}/edit", values).status_code == 302
    assert (session.notes, session.revisions) == ("first line\nsecond line", [])


def test_an_edit_is_saved_and_shown_in_the_history(alice, alice_web):
    session = log_session(alice.profile, duration_minutes=30)
    values = edit_form(alice_web, session) | {"duration_minutes": "45", "tags": "scales"}
    response = alice_web.submit(f"/journal/{session.id}/edit", values)
    assert response.status_code == 302
    assert session.duration_minutes == 45
    text = page_text(alice_web.get(f"/journal/{session.id}"))
    assert "edited right away: duration 30 → 45 min; tags + scales" in text


def test_a_stale_edit_shows_a_conflict_and_overwrites_nothing(alice, alice_web):
    session = log_session(alice.profile, duration_minutes=30, notes="first")
    mine = edit_form(alice_web, session) | {"duration_minutes": "50", "notes": "mine"}
    # Meanwhile, another tab saves.
    elsewhere = edit_form(alice_web, session) | {"notes": "theirs"}
    assert alice_web.submit(f"/journal/{session.id}/edit", elsewhere).status_code == 302
    response = alice_web.submit(f"/journal/{session.id}/edit", mine)
    assert response.status_code == 409
    assert "This entry was changed since you opened it" in page_text(response)
    form = read(response)
    assert (form.value("notes"), form.value("duration_minutes")) == ("mine", "50")
    assert (session.notes, session.duration_minutes) == ("theirs", 30)
    # Saving again, knowingly, replaces it.
    again = {name: values[0] for name, values in form.values.items() if values}
    assert alice_web.submit(f"/journal/{session.id}/edit", again).status_code == 302
    assert (session.notes, session.duration_minutes) == ("mine", 50)


def test_an_edit_with_bad_input_keeps_it_and_changes_nothing(alice, alice_web):
    session = log_session(alice.profile, duration_minutes=30)
    values = edit_form(alice_web, session) | {"duration_minutes": "0", "notes": "new words"}
    response = alice_web.submit(f"/journal/{session.id}/edit", values)
    assert response.status_code == 422
    assert read(response).value("notes") == "new words"
    assert (session.duration_minutes, session.notes, session.version) == (30, "", 1)


# --- delete -----------------------------------------------------------------------------


def test_deleting_asks_first_then_removes_the_entry_with_its_evidence(alice, alice_web):
    session = log_session(
        alice.profile,
        notes="arpeggio work",
        evidence=[
            {"kind": "link", "url": "https://example.org/a"},
            {"kind": "note", "text": "n"},
        ],
    )
    keep = log_session(alice.profile, evidence=[{"kind": "note", "text": "stays"}])
    confirm = alice_web.get(f"/journal/{session.id}/delete")
    assert "its 2 pieces of evidence" in page_text(confirm)
    response = alice_web.submit(f"/journal/{session.id}/delete", {"version": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/journal"
    assert db.session.scalars(sa.select(PracticeSession.id)).all() == [keep.id]
    assert db.session.scalars(sa.select(Evidence.session_id)).all() == [keep.id]
    assert db.session.scalar(search.matching_ids(alice.profile.id, "session", "arpeggio")) is None
    assert "was deleted" in page_text(alice_web.get("/journal"))


def test_deleting_a_changed_entry_asks_again(alice, alice_web):
    session = log_session(alice.profile)
    response = alice_web.submit(f"/journal/{session.id}/delete", {"version": "7"})
    assert response.status_code == 409
    assert db.session.get(PracticeSession, session.id) is not None


def test_bob_cannot_see_edit_or_delete_alices_entry(alice, bob, app):
    session = log_session(alice.profile, duration_minutes=30, notes="alice's")
    web = app.test_client()
    web.sign_in(bob)
    base = f"/journal/{session.id}"
    for url in (base, f"{base}/edit", f"{base}/delete"):
        assert web.get(url).status_code == 404
    edit = {"duration_minutes": "5", "started_at": "2026-01-01T10:00", "version": "1"}
    assert web.submit(f"{base}/edit", edit).status_code == 404
    assert web.submit(f"{base}/delete", {"version": "1"}).status_code == 404
    db.session.refresh(session)
    assert (session.duration_minutes, session.notes, session.version) == (30, "alice's", 1)


def test_the_journal_pages_need_a_signed_in_musician(client, alice):
    session = log_session(alice.profile)
    for url in ("/journal", "/journal/new", "/journal/timer", f"/journal/{session.id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert db.session.get(PracticeSession, session.id) is not None


FIELDS = [
    "started_at",
    "duration_minutes",
    "instrument_id",
    "tags",
    "notes",
    "mood",
    "mode",
    "goal_ids",
    "items-0-piece_id",
    "items-0-piece_title",
    "items-0-section_id",
    "items-0-bars",
    "items-0-minutes",
    "items-0-tempo_bpm",
    "items-0-run_through",
    "items-7-bars",
    "skills-0-skill_id",
    "skills-0-minutes",
    "evidence-0-url",
    "evidence-0-text",
    "items--bars",
    "items-x-bars",
]
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(["", "0", "-1", "601", "1:30", "2026-01-05T10:00", "40-33", "true"]),
)


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=10))
def test_any_submitted_form_is_saved_or_answered_with_messages(alice_web, form):
    response = alice_web.submit("/journal/new", form)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert "Please fix" in page_text(response)
