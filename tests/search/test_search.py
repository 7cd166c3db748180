"""Search everywhere (issue 12, item 7): one box, every kind of object, words not substrings,
accents folded, grouped and ranked, matched words marked, another musician's data never."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.clients import ApiClient, field_errors, page_text
from tests.factories import (
    log_session,
    make_goal,
    make_piece,
    make_plan,
    make_resource,
    make_section,
    make_skill,
)
from tests.statements import count_statements
from tests.teaching.helpers import make_link, make_teacher
from woodshed.db import db, utcnow
from woodshed.goals import services as goals
from woodshed.journal import services as journal
from woodshed.plans import services as plans
from woodshed.repertoire import services as repertoire
from woodshed.search import SearchDocument
from woodshed.search import rebuild as search_rebuild
from woodshed.search import services as search_services


def hits(api, q: str, **params) -> list[dict]:
    response = api.get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def found(api, q: str) -> list[tuple[str, str]]:
    return [(h["kind"], h["title"]) for h in hits(api, q)]


@pytest.fixture
def library(alice):
    """Alice's journal with one of each kind, all mentioning Satie or Debussy."""
    profile = alice.profile
    gymno = make_piece(profile, "Gymnopédie No. 1", composer="Erik Satie", notes="Slow, painful")
    clair = make_piece(profile, "Clair de lune", composer="Claude Debussy")
    make_section(clair, "Arpeggiated climax", (43, 50), notes="Debussy wants it pp")
    make_skill(profile, "Satie voicings", description="Wide left hand")
    make_goal(profile, "Gymnopédie by heart", description="Play it for Grandma")
    make_resource(profile, kind="note", title="Pedalling in Debussy", url=None, text="Half pedal")
    session = log_session(
        profile, notes="Debussy: the arpeggios are still uneven", tags=["impressionism"]
    )
    make_plan(profile, title="Satie month", description="One Gymnopédie a week")
    return {"gymno": gymno, "clair": clair, "session": session}


def test_a_composer_finds_the_piece_and_everything_else_that_names_him(alice_api, library):
    assert found(alice_api, "Debussy") == [
        ("piece", "Clair de lune"),
        ("section", "Clair de lune › Arpeggiated climax"),
        ("resource", "Pedalling in Debussy"),
        # The musician's day, not UTC's: before the day start it is still yesterday.
        ("session", f"Practice on {library['session'].practice_date.isoformat()}"),
    ]
    piece = hits(alice_api, "debussy")[0]
    assert piece["url"] == f"/repertoire/{library['clair'].id}"
    assert piece["snippet"] == "Claude <mark>Debussy</mark>"
    section = hits(alice_api, "debussy", kind="section")[0]
    assert section["url"].endswith(f"#section-{library['clair'].sections[0].id}")


def test_accents_and_case_do_not_matter_and_the_last_word_may_be_a_prefix(alice_api, library):
    expected = [
        ("piece", "Gymnopédie No. 1"),
        ("goal", "Gymnopédie by heart"),
        ("plan", "Satie month"),
    ]
    assert found(alice_api, "Gymnopedie") == expected
    assert found(alice_api, "GYMNOPÉDIE") == expected
    assert found(alice_api, "gymno") == expected
    assert found(alice_api, "ymnop") == []  # words, not pieces of words
    assert found(alice_api, "gymnopedie heart") == [("goal", "Gymnopédie by heart")]


def test_hits_with_the_words_in_their_title_come_first_within_a_kind(alice_api, alice):
    older = make_piece(alice.profile, "Barcarolle", composer="Fauré, after Satie")
    newer = make_piece(alice.profile, "Trois Sarabandes", notes="Satie again")
    titled = make_piece(alice.profile, "Satie: Gnossienne No. 1")
    assert [h["id"] for h in hits(alice_api, "satie")] == [
        str(titled.id),
        str(newer.id),
        str(older.id),
    ]


def test_every_kind_can_be_asked_for_alone_and_paged(alice_api, alice):
    for day in range(5):
        log_session(alice.profile, utcnow() - timedelta(days=day, hours=1), notes="Hanon 1-5")
    first = alice_api.get("/api/v1/search", query_string={"q": "hanon", "limit": 2})
    body = first.get_json()
    assert [h["kind"] for h in body["items"]] == ["session", "session"]
    seen = [h["id"] for h in body["items"]]
    while body["next_cursor"]:
        body = alice_api.get(
            "/api/v1/search",
            query_string={"q": "hanon", "limit": 2, "cursor": body["next_cursor"]},
        ).get_json()
        seen += [h["id"] for h in body["items"]]
    assert len(seen) == len(set(seen)) == 5
    assert hits(alice_api, "hanon", kind="piece") == []


def test_another_musicians_words_find_nothing(alice_api, bob_api, alice, bob, library):
    assert found(bob_api, "debussy") == []
    make_piece(bob.profile, "Rêverie", composer="Debussy")
    assert found(bob_api, "debussy") == [("piece", "Rêverie")]
    assert ("piece", "Rêverie") not in found(alice_api, "debussy")


def test_a_private_entry_is_found_only_by_someone_who_may_see_it(app, alice):
    log_session(alice.profile, notes="Stage fright before the recital", private=True)
    with app.test_request_context():
        for include_private, expected in ((True, ["session"]), (False, [])):
            groups = search_services.grouped(alice.profile, "fright", include_private)
            assert [g.kind for g in groups] == expected


def test_snippets_and_titles_escape_what_the_musician_wrote(alice_web, alice_api, alice):
    make_piece(alice.profile, "<script>alert(1)</script> Étude", notes="<img src=x> étude op. 10")
    hit = hits(alice_api, "etude")[0]
    assert hit["title"] == "<script>alert(1)</script> Étude"  # JSON: the text as written
    assert hit["snippet"] == "&lt;img src=x&gt; <mark>étude</mark> op. 10"
    html = alice_web.get("/search?q=etude").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Étude</mark>" in html


def test_the_page_groups_hits_by_kind_with_counts_and_links(alice_web, library):
    response = alice_web.get("/search?q=satie")
    assert response.status_code == 200
    text = page_text(response)
    headings = re.findall(r'<h2 id="group-(\w+)">', response.get_data(as_text=True))
    assert headings == ["piece", "skill", "plan"]
    assert "Gymnopédie No. 1" in text
    assert "Satie voicings" in text
    assert "Satie month" in text
    assert f'href="/repertoire/{library["gymno"].id}"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"].startswith("no-store")


def test_the_page_shows_more_of_one_kind_on_request(alice_web, alice):
    for day in range(7):
        log_session(alice.profile, utcnow() - timedelta(days=day, hours=1), notes="Czerny op. 299")
    everything = alice_web.get("/search?q=czerny").get_data(as_text=True)
    assert everything.count('class="search-hit"') == search_services.PER_GROUP
    assert "All 7 journal entries" in everything
    one_kind = alice_web.get("/search?q=czerny&kind=session").get_data(as_text=True)
    assert one_kind.count('class="search-hit"') == 7


def test_every_signed_in_page_has_the_search_box(alice_web):
    for path in ("/", "/journal", "/repertoire", "/stats", "/settings/profile"):
        html = alice_web.get(path).get_data(as_text=True)
        assert 'role="search" aria-label="Search everything"' in html, path
        assert 'action="/search"' in html, path


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x", "kind": "recording"}, "kind"),
        ({"q": "x" * 201}, "q"),
        ({"q": "x", "cursor": "not-a-cursor"}, "cursor"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_queries_get_a_clear_error(alice_api, alice_web, params, field):
    response = alice_api.get("/api/v1/search", query_string=params)
    assert response.status_code == 422
    assert field in field_errors(response)
    if field != "colour":  # the page ignores what it does not know, like other pages
        page = alice_web.get("/search", query_string=params)
        assert page.status_code in (200, 422)


def test_a_query_without_words_finds_nothing(alice_api, alice_web, library):
    assert hits(alice_api, "") == []
    assert hits(alice_api, "— !? —") == []
    assert alice_web.get("/search?q=").status_code == 200


def test_searching_costs_the_same_statements_for_one_hit_as_for_many(app, alice_web, alice):
    make_piece(alice.profile, "Sonatina", composer="Clementi")
    counts = []
    for _ in range(2):
        for path in ("/search?q=clementi", "/search?q=clementi&kind=piece"):
            with count_statements(app) as seen:
                assert alice_web.get(path).status_code == 200
            counts.append((path, len(seen)))
        for n in range(8):
            make_piece(alice.profile, f"Sonatina {n}", composer="Clementi")
            log_session(alice.profile, notes="Clementi again")
    assert counts[:2] == counts[2:]


# --- keeping the index in step --------------------------------------------------------------


def test_the_index_follows_every_edit_and_deletion(alice_api, alice, library):
    profile, clair = alice.profile, library["clair"]
    repertoire.update_piece(profile, clair, {"title": "Suite bergamasque: Clair de lune"})
    assert ("section", "Suite bergamasque: Clair de lune › Arpeggiated climax") in found(
        alice_api, "bergamasque"
    )
    session = log_session(profile, notes="Hanon exercises")
    journal.update_session(profile, session, {"notes": "Czerny instead"})
    assert found(alice_api, "hanon") == []
    assert [k for k, _ in found(alice_api, "czerny")] == ["session"]
    goal = make_goal(profile, "Metronome at 80")
    goals.update_goal(profile, goal, {"description": "Tick tock"})
    assert found(alice_api, "tick") == [("goal", "Metronome at 80")]
    goals.delete_goal(goal)
    plan = make_plan(profile, title="Scales week")
    plans.update_plan(profile, plan, {"title": "Arpeggio week"})
    assert found(alice_api, "scales") == []
    assert ("plan", "Arpeggio week") in found(alice_api, "arpeggio")
    plans.delete_plan(profile, plan)
    journal.delete_session(session)
    # A piece takes its sections and their library entries with it.
    make_resource(
        profile, kind="note", title="Climax fingering", url=None, text="Debussy: 1-3-5",
        section_id=str(clair.sections[0].id),
    )  # fmt: skip
    repertoire.delete_piece(clair)
    assert found(alice_api, "debussy") == [
        ("resource", "Pedalling in Debussy"),
        ("session", f"Practice on {library['session'].practice_date}"),
    ]
    assert found(alice_api, "tick arpeggio czerny") == []
    ids = set(db.session.scalars(sa.select(SearchDocument.object_id)))
    for kind, model in (("goal", goal), ("plan", plan), ("session", session), ("piece", clair)):
        assert model.id not in ids, kind


def test_a_rebuild_makes_the_same_index_the_services_keep(alice, bob, library):
    make_piece(bob.profile, "Rêverie", composer="Debussy")
    log_session(alice.profile, notes="Private doubts", private=True, tags=["nerves"])

    def snapshot():
        columns = [c for c in SearchDocument.__table__.c if c.name != "id"]
        return sorted(db.session.execute(sa.select(*columns)).all(), key=str)

    before = snapshot()
    assert len(before) == 10  # eight of alice's, her private entry, bob's piece
    assert search_rebuild.rebuild_all() == 10
    assert snapshot() == before
    db.session.execute(sa.delete(SearchDocument).where(SearchDocument.profile_id == bob.profile.id))
    assert search_rebuild.fill_missing() == 1  # bob's piece; alice's rows were there
    assert snapshot() == before


def test_a_teacher_searches_only_what_the_link_lets_them_open(app, alice):
    """A linked teacher reads the journal, repertoire and goals. Search showed the
    student's library and plans too — titles and words of pages that are a 404 for the
    teacher, linked to them."""
    log_session(alice.profile, notes="Arpeggio warm-up before the nocturne")
    make_resource(alice.profile, title="Arpeggio fingering chart")
    make_plan(alice.profile, title="Arpeggio mornings")
    tess = make_teacher("tess")
    make_link(tess, alice)
    web = app.test_client()
    web.sign_in(tess)

    page = web.get(f"/students/{alice.profile.id}/search?q=arpeggio")
    assert page.status_code == 200
    text = page_text(page)
    assert "Journal entries" in text
    assert "Arpeggio fingering chart" not in text
    assert "Arpeggio mornings" not in text
    api = ApiClient.for_user(app, tess.user)
    found = api.get(f"/api/v1/search?q=arpeggio&profile_id={alice.profile.id}").get_json()
    assert {hit["kind"] for hit in found["items"]} == {"session"}
    own = ApiClient.for_user(app, alice.user).get("/api/v1/search?q=arpeggio").get_json()
    assert {hit["kind"] for hit in own["items"]} == {"session", "resource", "plan"}
