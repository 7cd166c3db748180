"""Comments on sessions, their items and passages: threads, sanitised Markdown, the gate,
private sessions, the musician's notification, and the "former teacher" display."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.clients import field_errors, page_text
from tests.factories import log_session, make_piece
from woodshed import policy
from woodshed.api.pagination import ListQuery
from woodshed.comments import services
from woodshed.comments.models import Comment
from woodshed.comments.schemas import CommentIn, SectionCommentIn
from woodshed.db import db
from woodshed.errors import NotFound
from woodshed.notify.models import Notification

HOSTILE = '<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror="alert(3)">'


@pytest.fixture
def etude(alice):
    """Alice's piece with two passages, and a session that worked on the second."""
    piece = make_piece(alice.profile, "Etude", sections=[("A", 1, 8), ("B", 9, 16)])
    session = log_session(
        alice.profile,
        started_at=datetime(2026, 2, 3, 18, 0, tzinfo=UTC),
        items=[{"section_id": piece.sections[1].id, "bars": "9-12"}, {"piece_id": piece.id}],
    )
    return piece, session


def post(api, session, **body):
    return api.post(f"/api/v1/sessions/{session.id}/comments", json=body)


def test_a_comment_on_an_item_is_about_its_passage_and_replies_join_the_thread(alice_api, etude):
    piece, session = etude
    first = post(alice_api, session, body="Bar 10 *rushes*", item_index=0)
    assert first.status_code == 201, first.get_json()
    made = first.get_json()
    assert made["section_id"] == str(piece.sections[1].id)
    assert made["item_index"] == 0
    assert made["author"] == {
        "id": str(alice_api_user_id(alice_api)),
        "display_name": "Alice",
        "role": "musician",
    }
    assert made["body_html"].strip() == "<p>Bar 10 <em>rushes</em></p>"

    reply = post(alice_api, session, body="Better today", parent_id=made["id"]).get_json()
    assert reply["parent_id"] == made["id"]
    assert (reply["item_index"], reply["section_id"]) == (0, made["section_id"])
    # A reply to a reply joins the first comment's thread.
    deeper = post(alice_api, session, body="And again", parent_id=reply["id"]).get_json()
    assert deeper["parent_id"] == made["id"]

    listed = alice_api.get(f"/api/v1/sessions/{session.id}/comments").get_json()
    assert [c["body"] for c in listed["items"]] == ["Bar 10 *rushes*", "Better today", "And again"]
    by_section = alice_api.get(f"/api/v1/sections/{piece.sections[1].id}/comments").get_json()
    assert len(by_section["items"]) == 3
    other = alice_api.get(f"/api/v1/sections/{piece.sections[0].id}/comments").get_json()
    assert other["items"] == []


def alice_api_user_id(api):
    return api.get("/api/v1/me").get_json()["id"]


def test_comments_are_paged_oldest_first(alice_api, etude):
    _piece, session = etude
    for n in range(5):
        post(alice_api, session, body=f"note {n}")
    first = alice_api.get(f"/api/v1/sessions/{session.id}/comments?limit=2").get_json()
    assert [c["body"] for c in first["items"]] == ["note 0", "note 1"]
    rest = alice_api.get(
        f"/api/v1/sessions/{session.id}/comments?limit=10&cursor={first['next_cursor']}"
    ).get_json()
    assert [c["body"] for c in rest["items"]] == ["note 2", "note 3", "note 4"]


def test_markdown_is_sanitised(alice_api, etude):
    _piece, session = etude
    html = post(alice_api, session, body=HOSTILE).get_json()["body_html"]
    assert "<script" not in html
    assert "href=" not in html  # the javascript: link is not a link
    assert "<img" not in html


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "\x00"}, "body"),  # PostgreSQL cannot store NUL: it used to answer 500
        ({"body": "Slow\x07 down"}, "body"),
        ({"body": "ok", "item_index": 2}, "item_index"),
        ({"body": "ok", "item_index": -1}, "item_index"),
        ({"body": "ok", "parent_id": "0190d5c2-0000-7000-8000-000000000000"}, "parent_id"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(alice_api, etude, body, field):
    _piece, session = etude
    response = post(alice_api, session, **body)
    assert response.status_code == 422
    assert field in field_errors(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_another_musicians_passage_or_comment_cannot_be_named(alice_api, bob_api, bob, etude):
    _piece, session = etude
    bobs_piece = make_piece(bob.profile, "Bob's", sections=[("X", 1, 4)])
    refused = post(alice_api, session, body="hm", section_id=str(bobs_piece.sections[0].id))
    assert field_errors(refused).keys() == {"section_id"}
    bobs_session = log_session(bob.profile, started_at=datetime(2026, 2, 4, 9, 0, tzinfo=UTC))
    bobs_comment = post(bob_api, bobs_session, body="mine").get_json()
    reply = post(alice_api, session, body="hi", parent_id=bobs_comment["id"])
    assert field_errors(reply).keys() == {"parent_id"}


def test_a_comment_from_another_thread_cannot_be_the_parent(alice, alice_api, etude):
    _piece, session = etude
    elsewhere = log_session(alice.profile, started_at=datetime(2026, 2, 5, 9, 0, tzinfo=UTC))
    theirs = post(alice_api, elsewhere, body="there").get_json()
    assert field_errors(post(alice_api, session, body="here", parent_id=theirs["id"])) == {
        "parent_id": "There is no such comment here to reply to."
    }


# --- someone else commenting (the teaching feature widens can_comment) --------------------


@pytest.fixture
def bob_may_comment_on_alice(monkeypatch, alice, bob):
    """As a linked teacher would be: bob may comment on alice's journal (but not private)."""
    allowed = policy.can_comment
    monkeypatch.setattr(
        policy,
        "can_comment",
        lambda user, profile: (
            (user.id == bob.user.id and profile.id == alice.profile.id) or allowed(user, profile)
        ),
    )


def test_someone_elses_comment_notifies_the_musician_and_shows_as_former_teacher(
    app, alice, bob, etude, bob_may_comment_on_alice
):
    _piece, session = etude
    with app.test_request_context("/"):
        comment = services.add_to_session(
            bob.user, alice.profile, session, CommentIn(body="Lovely tone in bar 9")
        )
    assert services.author_of(comment, alice.profile).display_name == "Former teacher"
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "comment"))
    assert note.profile_id == alice.profile.id
    assert note.body == "Lovely tone in bar 9"
    assert note.url == f"/journal/{session.id}#comment-{comment.id}"


def test_the_musicians_own_comment_notifies_nobody(alice_api, etude):
    _piece, session = etude
    post(alice_api, session, body="note to self")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_nobody_but_the_musician_comments_on_a_private_session(
    app, alice, bob, bob_may_comment_on_alice
):
    private = log_session(
        alice.profile, started_at=datetime(2026, 2, 6, 9, 0, tzinfo=UTC), private=True
    )
    with app.test_request_context("/"), pytest.raises(NotFound):
        services.add_to_session(bob.user, alice.profile, private, CommentIn(body="peek"))
    with app.test_request_context("/"):
        services.add_to_session(alice.user, alice.profile, private, CommentIn(body="mine"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 1


def test_comments_on_private_sessions_are_left_out_for_other_readers(app, alice, bob, etude):
    piece, _session = etude
    private = log_session(
        alice.profile,
        started_at=datetime(2026, 2, 7, 9, 0, tzinfo=UTC),
        private=True,
        items=[{"section_id": piece.sections[1].id}],
    )
    with app.test_request_context("/"):
        services.add_to_session(
            alice.user, alice.profile, private, CommentIn(body="secret", item_index=0)
        )
        services.add_to_section(
            alice.user, alice.profile, piece.sections[1], SectionCommentIn(body="open")
        )
    query = ListQuery()
    own, _ = services.section_page(piece.sections[1], alice.profile, alice.user, query)
    theirs, _ = services.section_page(piece.sections[1], alice.profile, bob.user, query)
    assert sorted(c.body for c in own) == ["open", "secret"]
    assert [c.body for c in theirs] == ["open"]


def test_an_erased_authors_comment_stays_as_former_teacher(
    app, alice, bob, etude, bob_may_comment_on_alice
):
    _piece, session = etude
    with app.test_request_context("/"):
        comment = services.add_to_session(bob.user, alice.profile, session, CommentIn(body="hi"))
    db.session.delete(bob.user)
    db.session.flush()
    db.session.refresh(comment)
    assert comment.author_id is None
    assert services.author_of(comment, alice.profile).role == "former_teacher"


# --- pages ----------------------------------------------------------------------------------


def test_the_session_page_shows_threads_and_takes_comments(alice_web, etude):
    _piece, session = etude
    page = f"/journal/{session.id}"
    done = alice_web.submit(f"{page}/comments", {"body": "Slow **down**", "item_index": "0"})
    assert done.status_code == 302
    assert done.headers["Location"].startswith(page + "#comment-")
    html = alice_web.get(page).get_data(as_text=True)
    assert "Slow <strong>down</strong>" in html
    assert "about <em>Etude › B</em>" in html


def test_a_refused_comment_keeps_what_was_typed_and_says_what_to_fix(alice_web, etude):
    _piece, session = etude
    typed = "a" * 5001
    refused = alice_web.submit(f"/journal/{session.id}/comments", {"body": typed})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert typed in html
    assert 'class="field-error"' in html


@pytest.mark.parametrize("typed", ["\x00", "Pedal\x00less"])
def test_a_comment_form_refuses_control_characters_and_keeps_the_text(alice_web, etude, typed):
    """Both comment forms (a session's, a passage's): a 422 naming the body, never a 500
    (PostgreSQL cannot store NUL; the form fuzzer found it on the passage's form)."""
    piece, session = etude
    for url in (f"/journal/{session.id}/comments", f"/sections/{piece.sections[0].id}/comments"):
        refused = alice_web.submit(url, {"body": typed})
        assert refused.status_code == 422, url
        assert "Remove the control characters." in page_text(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_the_piece_page_shows_each_passages_comments(alice_web, etude):
    piece, _session = etude
    section = piece.sections[0]
    done = alice_web.submit(f"/sections/{section.id}/comments", {"body": "Pedal *less*"})
    assert done.status_code == 302
    html = alice_web.get(f"/repertoire/{piece.id}").get_data(as_text=True)
    assert "Pedal <em>less</em>" in html
    assert "Comments (1)" in html
