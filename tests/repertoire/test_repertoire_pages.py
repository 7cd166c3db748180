"""The repertoire pages: list, forms, the piece page with its bar-range strip, skills."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.clients import page_text
from tests.factories import (
    log_session,
    make_goal,
    make_instrument,
    make_piece,
    make_resource,
    make_section,
    make_skill,
)
from tests.statements import count_statements
from woodshed.db import db
from woodshed.repertoire.models import Piece, Skill

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_the_list_groups_pieces_by_status_and_filters_them(alice_web, alice):
    piano = make_instrument(alice.profile, "Piano")
    make_piece(alice.profile, "Nocturne", composer="Chopin", instrument_id=piano.id)
    make_piece(alice.profile, "Clair de lune", composer="Debussy", status="wishlist")
    text = page_text(alice_web.get("/repertoire"))
    assert text.index("Learning 1 Nocturne") < text.index("Wishlist 1 Clair de lune")
    found = page_text(alice_web.get("/repertoire?q=debussy"))
    assert "Clair de lune" in found
    assert "Nocturne" not in found
    only_piano = page_text(alice_web.get(f"/repertoire?instrument_id={piano.id}"))
    assert "Nocturne" in only_piano
    assert "Clair de lune" not in only_piano
    bad = alice_web.get("/repertoire?status=finished")
    assert bad.status_code == 422
    assert "Choose one of" in page_text(bad)


def test_a_new_musician_sees_how_to_start_a_repertoire(alice_web):
    assert "Add your first piece" in page_text(alice_web.get("/repertoire"))


def test_adding_a_piece_with_the_form(alice_web, alice):
    response = alice_web.submit(
        "/repertoire/new", {"title": "Gymnopédie No. 1", "composer": "Satie", "status": "polishing"}
    )
    assert response.status_code == 302
    piece = db.session.execute(sa.select(Piece)).scalar_one()
    assert response.headers["Location"].endswith(f"/repertoire/{piece.id}")
    assert (piece.title, piece.composer, piece.status) == ("Gymnopédie No. 1", "Satie", "polishing")


def test_a_bad_piece_form_keeps_what_was_typed(alice_web):
    response = alice_web.submit(
        "/repertoire/new", {"title": "", "composer": "Chopin", "difficulty": "12"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Chopin"' in html
    assert re.search(r'id="f-title-error"[^>]*>This field is required', html)
    assert re.search(r'id="f-difficulty-error"[^>]*>Enter a number of at most 10', html)


def test_a_stale_edit_shows_a_conflict_instead_of_overwriting(alice_web, alice):
    piece = make_piece(alice.profile, "Original")
    piece.title = "Changed elsewhere"
    db.session.flush()  # version 2 now
    response = alice_web.submit(
        f"/repertoire/{piece.id}/edit", {"title": "Mine", "status": "learning", "version": "1"}
    )
    assert response.status_code == 422
    assert "changed elsewhere since you opened it" in page_text(response)
    db.session.refresh(piece)
    assert piece.title == "Changed elsewhere"


def test_the_status_button_moves_a_piece_on(alice_web, alice):
    piece = make_piece(alice.profile)
    response = alice_web.submit(
        f"/repertoire/{piece.id}/status", {"status": "polishing", "version": str(piece.version)}
    )
    assert response.status_code == 302
    db.session.refresh(piece)
    assert piece.status == "polishing"
    assert [c.to_status for c in piece.status_changes] == ["learning", "polishing"]


def test_a_pieces_length_in_bars_is_kept_and_draws_the_strip(alice_web, alice):
    piece = make_piece(alice.profile)
    make_section(piece, "A", (1, 12))
    form = {"title": piece.title, "status": "learning", "version": str(piece.version)}
    bad = alice_web.submit(f"/repertoire/{piece.id}/edit", form | {"length_bars": "0"})
    assert bad.status_code == 422
    assert re.search(
        r'id="f-length_bars-error"[^>]*>Enter a number of at least 1', bad.get_data(as_text=True)
    )
    assert 'value="0"' in bad.get_data(as_text=True)
    saved = alice_web.submit(f"/repertoire/{piece.id}/edit", form | {"length_bars": "48"})
    assert saved.status_code == 302
    db.session.refresh(piece)
    assert piece.length_bars == 48
    html = alice_web.get(f"/repertoire/{piece.id}").get_data(as_text=True)
    strip = html[html.index('<svg class="bar-strip"') : html.index("</figure>")]
    assert re.search(r'<svg x="0(\.0)?%" y="0" width="25(\.0)?%"', strip)  # 12 of 48 bars


def test_a_section_needs_no_name(alice_web, alice):
    piece = make_piece(alice.profile)
    response = alice_web.submit(
        f"/repertoire/{piece.id}/sections/new", {"bar_start": "33", "bar_end": "40"}
    )
    assert response.status_code == 302
    assert "Section bars 33–40 added." in page_text(alice_web.get(response.headers["Location"]))


def test_a_section_form_with_bars_40_to_33_says_what_is_wrong(alice_web, alice):
    piece = make_piece(alice.profile)
    response = alice_web.submit(
        f"/repertoire/{piece.id}/sections/new", {"name": "B", "bar_start": "40", "bar_end": "33"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(
        r'id="f-bar_end-error"[^>]*>The last bar \(33\) comes before the first \(40\)', html
    )
    assert 'value="40"' in html
    assert 'value="B"' in html


@pytest.fixture
def nocturne(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, tzinfo=UTC))
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Nocturne", instrument_id=piano.id, target_tempo_bpm=66)
    sections = {
        "A": make_section(piece, "A", (1, 12), target_tempo_bpm=66),
        "A theme": make_section(piece, "A theme", (1, 4)),
        "B": make_section(piece, "B section", (13, 20), target_tempo_bpm=60),
    }
    return piece, sections


def test_the_piece_page_draws_nested_sections_in_lanes(alice_web, nocturne):
    piece, sections = nocturne
    html = alice_web.get(f"/repertoire/{piece.id}").get_data(as_text=True)
    strip = html[html.index('<svg class="bar-strip"') : html.index("</figure>")]
    boxes = re.findall(
        r'<a href="#section-([0-9a-f-]+)".*?<svg x="([\d.]+)%" y="(\d+)" width="([\d.]+)%"',
        strip,
        re.S,
    )
    where = {sid: (float(x), int(y), float(w)) for sid, x, y, w in boxes}
    a, theme, b = (where[str(sections[k].id)] for k in ("A", "A theme", "B"))
    assert a[1] == 0
    assert theme[1] > 0
    assert b[1] == 0  # 13–20 overlaps nothing: top lane
    assert (a[0], a[2]) == (0, 60)
    assert (theme[0], theme[2]) == (0, 20)
    assert b[0] == 60
    assert "style=" not in strip
    assert "Inside A (bars 1–12)" in page_text(alice_web.get(f"/repertoire/{piece.id}"))


def test_the_piece_page_shows_tempo_history_and_notes_newest_first(
    alice_web, alice, nocturne, frozen_clock
):
    piece, sections = nocturne
    b = sections["B"]
    for day, tempo, note in [(1, 40, "first slow go"), (4, 48, "better"), (8, 54, "nearly")]:
        log_session(
            alice.profile,
            started_at=datetime(2026, 3, day, 18, tzinfo=UTC),
            notes=note,
            next_time=f"next after {note}",
            items=[{"section_id": str(b.id), "tempo_bpm": tempo, "bars": "13-20"}],
        )
    make_goal(
        alice.profile,
        "B at 60",
        kind="section",
        section_id=b.id,
        target={"type": "tempo", "value": 60},
    )
    make_resource(alice.profile, section_id=b.id, title="Fingering video")
    text = page_text(alice_web.get(f"/repertoire/{piece.id}"))
    card = text[text.index("B section bars 13–20") :]
    assert (
        card.index("Sun, 8 Mar 2026 54")
        < card.index("Wed, 4 Mar 2026 48")
        < card.index("Sun, 1 Mar 2026 40")
    )
    assert card.index("nearly") < card.index("better")
    assert "Last practised Sun, 8 Mar 2026 (2 days ago)" in card  # never "ago" alone
    assert "B at 60" in card
    assert "90% · best 54 of 60 bpm" in card
    assert "Fingering video" in card
    assert "Status history" in text
    assert "Learning" in text


def test_a_passage_shows_only_its_own_notes(alice_web, alice, nocturne):
    """A session's note about several passages shows under none of them; an item's note
    shows under its own passage, and a session's note under the one passage it alone
    worked on, saying where it comes from."""
    piece, sections = nocturne
    a, b = sections["A"], sections["B"]
    log_session(
        alice.profile,
        started_at=datetime(2026, 3, 2, 18, tzinfo=UTC),
        notes="The A section flows; B still stumbles.",
        next_time="A at 66",
        items=[
            {"section_id": str(a.id), "tempo_bpm": 60, "note": "Rubato at bar 9 works"},
            {"section_id": str(b.id), "tempo_bpm": 44},
        ],
    )
    log_session(
        alice.profile,
        started_at=datetime(2026, 3, 5, 18, tzinfo=UTC),
        notes="Only B today: hands apart.",
        items=[{"section_id": str(b.id), "tempo_bpm": 46}],
    )
    text = page_text(alice_web.get(f"/repertoire/{piece.id}"))
    card_a = text[text.index("A bars 1–12 Learning") : text.index("A theme bars 1–4 Learning")]
    card_b = text[text.index("B section bars 13–20 Learning") :]
    assert "Rubato at bar 9 works" in card_a
    assert "B still stumbles" not in card_a
    assert "A at 66" not in card_a
    assert "B still stumbles" not in card_b
    assert "Rubato" not in card_b
    assert (
        "From the session’s notes (it worked on this passage alone): Only B today: hands apart."
        in card_b
    )


def test_user_text_is_escaped_on_every_repertoire_page(alice_web, alice):
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(
        alice.profile,
        HOSTILE,
        composer=HOSTILE,
        arranger=HOSTILE,
        notes=HOSTILE + " [click](javascript:alert(1))",
        instrument_id=piano.id,
    )
    section = make_section(piece, HOSTILE, (1, 4), notes=HOSTILE)
    skill = make_skill(alice.profile, HOSTILE, description=HOSTILE)
    log_session(
        alice.profile,
        notes=HOSTILE,
        next_time=HOSTILE,
        struggles=HOSTILE,
        instrument_id=piano.id,
        items=[{"section_id": str(section.id), "tempo_bpm": 60}, {"skill_id": str(skill.id)}],
    )
    for url in [
        "/",
        "/repertoire",
        f"/repertoire/{piece.id}",
        f"/repertoire/{piece.id}/edit",
        f"/repertoire/{piece.id}/sections/{section.id}/edit",
        "/skills",
        f"/skills/{skill.id}",
    ]:
        html = alice_web.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert 'href="javascript:' not in html, url


def test_skills_pages_show_time_and_last_practice(alice_web, alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, tzinfo=UTC))
    skill = make_skill(alice.profile, "Arpeggios", description="Round the *circle*.")
    log_session(
        alice.profile,
        started_at=datetime(2026, 3, 9, 18, tzinfo=UTC),
        duration_minutes=20,
        items=[{"skill_id": str(skill.id)}],
    )
    log_session(
        alice.profile,
        started_at=datetime(2026, 3, 5, 18, tzinfo=UTC),
        duration_minutes=60,
        items=[
            {"skill_id": str(skill.id), "minutes": 15},
            {"skill_id": str(make_skill(alice.profile, "Other").id)},
        ],
    )
    listing = page_text(alice_web.get("/skills"))
    assert "Arpeggios Technique 35 min Mon, 9 Mar 2026 (yesterday)" in listing
    page = page_text(alice_web.get(f"/skills/{skill.id}"))
    assert "Time practised 35 min" in page
    assert "Sessions 2" in page
    assert "<em>circle</em>" in alice_web.get(f"/skills/{skill.id}").get_data(as_text=True)


def test_a_duplicate_skill_name_is_shown_next_to_the_field(alice_web, alice):
    make_skill(alice.profile, "Hanon No. 1")
    response = alice_web.submit("/skills/new", {"name": "hanon no. 1", "category": "technique"})
    assert response.status_code == 422
    assert re.search(
        r'id="f-name-error"[^>]*>You already have a skill with this name',
        response.get_data(as_text=True),
    )
    unknown = alice_web.submit("/skills/new", {"name": "x", "category": "juggling"})
    assert unknown.status_code == 422
    assert "Choose one of" in page_text(unknown)


def test_deleting_from_the_pages(alice_web, alice):
    piece = make_piece(alice.profile)
    section = make_section(piece)
    skill = make_skill(alice.profile)
    piece_id, section_id, skill_id = piece.id, section.id, skill.id
    assert (
        alice_web.submit(f"/repertoire/{piece_id}/sections/{section_id}/delete").status_code == 302
    )
    assert alice_web.submit(f"/skills/{skill_id}/delete").status_code == 302
    assert alice_web.submit(f"/repertoire/{piece_id}/delete").status_code == 302
    db.session.expunge_all()
    assert db.session.get(Piece, piece_id) is None
    assert db.session.get(Skill, skill_id) is None


# --- PERF-QUERIES ------------------------------------------------------------------------------


def _fill(alice, pieces: int, sections: int, sessions: int):
    piano = make_instrument(alice.profile, f"Piano {pieces}")
    made = []
    for p in range(pieces):
        piece = make_piece(alice.profile, f"Piece {p}", instrument_id=piano.id)
        for s in range(sections):
            made.append(make_section(piece, f"S{s}", (s + 1, s + 4), target_tempo_bpm=80))
    skills = [make_skill(alice.profile, f"Skill {i} of {pieces}") for i in range(pieces)]
    start = datetime(2026, 3, 1, 18, tzinfo=UTC)
    for i in range(sessions):
        log_session(
            alice.profile,
            started_at=start - timedelta(days=i),
            notes=f"note {i}",
            items=[
                {"section_id": str(made[i % len(made)].id), "tempo_bpm": 60},
                {"skill_id": str(skills[i % len(skills)].id), "minutes": 5},
            ],
        )
    return piece


@pytest.mark.parametrize("url", ["/repertoire", "/skills", "piece", "skill"])
def test_repertoire_pages_cost_the_same_for_one_row_as_for_many(
    app, alice, alice_web, url, frozen_clock
):
    frozen_clock(datetime(2026, 3, 10, 12, tzinfo=UTC))

    def cost(piece) -> int:
        target = url
        if url == "piece":
            target = f"/repertoire/{piece.id}"
        elif url == "skill":
            target = f"/skills/{db.session.scalars(sa.select(Skill.id)).first()}"
        alice_web.get(target)  # warm caches (sign-in bookkeeping)
        with count_statements(app) as statements:
            assert alice_web.get(target).status_code == 200
        return len(statements)

    small = cost(_fill(alice, 1, 1, 1))
    large = cost(_fill(alice, 6, 8, 40))
    assert small == large
