"""The reference library: links and notes, attached to music or skills, found by search."""

import re
import uuid

import pytest
import sqlalchemy as sa

from tests.clients import field_errors, page_text
from tests.factories import make_piece, make_resource, make_section, make_skill
from tests.statements import count_statements
from woodshed import search
from woodshed.db import db
from woodshed.library.models import Resource


def _found(profile, words: str) -> set:
    return set(db.session.scalars(search.matching_ids(profile.id, "resource", words)))


def test_a_link_on_a_section_also_belongs_to_its_piece(alice_api, alice):
    piece = make_piece(alice.profile)
    section = make_section(piece, "Fioritura", (16, 18))
    response = alice_api.post(
        "/api/v1/resources",
        json={
            "kind": "link",
            "title": "Sweep picking explained",
            "url": "https://example.org/sweep",
            "section_id": str(section.id),
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["piece_id"], body["section_id"]) == (str(piece.id), str(section.id))
    assert response.headers["ETag"] == '"v1"'


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"kind": "link"}, {"url": "Enter the web address of the link."}),
        (
            {"kind": "link", "url": "javascript:alert(1)"},
            {"url": "Enter a full web address starting with https:// or http://."},
        ),
        (
            {"kind": "link", "url": "ftp://example.org/x"},
            {"url": "Enter a full web address starting with https:// or http://."},
        ),
        ({"kind": "note"}, {"text": "Write the note."}),
        ({"kind": "video", "url": "https://example.org"}, {"kind": None}),
        (
            {"kind": "note", "text": "x", "title": "t" * 201},
            {"title": "Keep this to 200 characters or fewer."},
        ),
    ],
)
def test_bad_resources_are_refused(alice_api, body, errors):
    response = alice_api.post("/api/v1/resources", json=body)
    assert response.status_code == 422
    found = field_errors(response)
    for field, message in errors.items():
        assert field in found, found
        if message:
            assert found[field] == message


def test_a_resource_is_about_music_or_a_skill_not_both(alice_api, alice):
    piece, skill = make_piece(alice.profile), make_skill(alice.profile)
    both = alice_api.post(
        "/api/v1/resources",
        json={"kind": "note", "text": "x", "piece_id": str(piece.id), "skill_id": str(skill.id)},
    )
    assert field_errors(both) == {
        "skill_id": "Attach a resource to a piece or section, or to a skill — not both."
    }
    other = make_section(make_piece(alice.profile, "Other"))
    mismatch = alice_api.post(
        "/api/v1/resources",
        json={"kind": "note", "text": "x", "piece_id": str(piece.id), "section_id": str(other.id)},
    )
    assert field_errors(mismatch) == {"section_id": "This section belongs to another piece."}


def test_resources_are_indexed_on_create_and_update_and_forgotten_on_delete(alice_api, alice, bob):
    made = alice_api.post(
        "/api/v1/resources",
        json={
            "kind": "note",
            "title": "Barre tips",
            "text": "Roll the index finger onto its side.",
        },
    ).get_json()
    make_resource(bob.profile, kind="note", text="index finger for bob")
    assert _found(alice.profile, "index finger") == {uuid.UUID(made["id"])}
    url = f"/api/v1/resources/{made['id']}"
    alice_api.patch(url, json={"text": "Pull with the arm, do not squeeze."})
    assert _found(alice.profile, "index") == set()
    assert len(_found(alice.profile, "squeeze")) == 1
    assert len(_found(alice.profile, "barre")) == 1  # the title is searched too
    assert alice_api.delete(url).status_code == 204
    assert _found(alice.profile, "squeeze") == set()


def test_the_library_page_finds_words_not_parts_of_words(alice_web, alice):
    make_resource(alice.profile, title="Sweep picking lesson", url="https://example.org/v/1")
    make_resource(
        alice.profile, kind="note", title="Harpsichord tuning", text="Use the app", url=None
    )
    found = page_text(alice_web.get("/library?q=sweep"))
    assert "Sweep picking lesson" in found
    assert "Harpsichord" not in found
    assert "Harpsichord" not in page_text(alice_web.get("/library?q=psichord"))
    assert "Harpsichord tuning" in page_text(
        alice_web.get("/library?q=harpsi")
    )  # last word is a prefix
    notes = page_text(alice_web.get("/library?kind=note"))
    assert "Harpsichord tuning" in notes
    assert "Sweep" not in notes


def test_the_library_pages_through_older_resources(alice_web, alice):
    for i in range(55):
        make_resource(alice.profile, kind="note", title=f"Note number {i}", text="x", url=None)
    first = alice_web.get("/library").get_data(as_text=True)
    more = re.search(r'href="(/library\?[^"]*cursor=[^"]+)"', first)
    assert more, "a link to older resources"
    rest = page_text(alice_web.get(more.group(1).replace("&amp;", "&")))
    assert "Note number 0" in rest
    assert "Note number 54" not in rest


def test_adding_a_resource_from_a_section_returns_to_it(alice_web, alice):
    piece = make_piece(alice.profile)
    section = make_section(piece, "Coda", (25, 34))
    form = alice_web.get(f"/library/new?section_id={section.id}").get_data(as_text=True)
    assert f'value="section:{section.id}" selected' in form
    response = alice_web.submit(
        "/library/new",
        {
            "kind": "note",
            "title": "Coda pedalling",
            "text": "Half pedal",
            "attach": f"section:{section.id}",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/repertoire/{piece.id}#section-{section.id}")
    page = page_text(alice_web.get(f"/repertoire/{piece.id}"))
    assert "Coda pedalling" in page


def test_the_resource_form_keeps_input_and_names_the_field(alice_web, alice, bob):
    bobs = make_piece(bob.profile)
    response = alice_web.submit(
        "/library/new",
        {
            "kind": "link",
            "title": "Kept",
            "url": "javascript:alert(1)",
            "attach": f"piece:{bobs.id}",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Kept"' in html
    assert re.search(r'id="f-url-error"[^>]*>Enter a full web address', html)
    bad_ref = alice_web.submit(
        "/library/new", {"kind": "note", "text": "x", "attach": f"piece:{bobs.id}"}
    )
    assert re.search(
        r'id="f-attach-error"[^>]*>There is no such piece in your journal',
        bad_ref.get_data(as_text=True),
    )


def test_editing_and_deleting_from_the_page(alice_web, alice):
    skill = make_skill(alice.profile, "Barre chords")
    resource = make_resource(
        alice.profile, kind="note", title="Old", text="x", url=None, skill_id=skill.id
    )
    response = alice_web.submit(
        f"/library/{resource.id}/edit",
        {
            "kind": "note",
            "title": "New",
            "text": "y",
            "attach": f"skill:{skill.id}",
            "version": "1",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/skills/{skill.id}")
    db.session.refresh(resource)
    assert resource.title == "New"
    stale = alice_web.submit(
        f"/library/{resource.id}/edit",
        {"kind": "note", "title": "Stale", "text": "y", "version": "1"},
    )
    assert stale.status_code == 422
    resource_id = resource.id
    assert alice_web.submit(f"/library/{resource_id}/delete").status_code == 302
    db.session.expunge_all()
    assert db.session.get(Resource, resource_id) is None


def test_library_text_is_escaped_and_links_are_only_web_links(alice_web, alice):
    hostile = "<script>alert(1)</script>"
    make_resource(
        alice.profile,
        title=hostile,
        text=hostile + " [x](javascript:alert(1))",
        url="https://example.org/?q=<b>",
    )
    html = alice_web.get("/library").get_data(as_text=True)
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert 'href="https://example.org/?q=&lt;b&gt;"' in html


def test_the_library_page_costs_the_same_for_one_resource_as_for_many(app, alice, alice_web):
    piece = make_piece(alice.profile)
    section = make_section(piece)
    skill = make_skill(alice.profile)

    def add(n):
        for i in range(n):
            make_resource(alice.profile, title=f"p{n}{i}", piece_id=piece.id)
            make_resource(alice.profile, title=f"s{n}{i}", section_id=section.id)
            make_resource(alice.profile, title=f"k{n}{i}", skill_id=skill.id)

    def cost():
        alice_web.get("/library")
        with count_statements(app) as statements:
            alice_web.get("/library")
        return len(statements)

    add(1)
    small = cost()
    add(15)
    assert cost() == small
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resource)) == 48
