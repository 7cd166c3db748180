"""A teacher's comment on a child's practice by email: to each guardian who allowed email
about the child (consent on record), one message each, never to anyone else; the child's
notification centre gets its notice as before. A guardian's own comment is the family's
side: it reaches the teacher in the thread, never the family. Delivered by the worker
through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import log_session, make_persona
from tests.family.helpers import CONSENT, add_guardian, make_child
from tests.teaching.helpers import make_teacher
from woodshed.comments import services as comments
from woodshed.comments.schemas import CommentIn
from woodshed.db import db
from woodshed.family import services as family
from woodshed.notify import worker
from woodshed.notify.models import Notification
from woodshed.teaching.models import SCOPES, Link

#: Noon in Berlin, outside anyone's quiet hours.
NOON = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)


def _teach(teacher, child, guardian) -> None:
    db.session.add(
        Link(
            kind="teacher",
            user_id=teacher.user.id,
            profile_id=child.id,
            scopes=list(SCOPES),
            accepted_by=guardian.user.id,
            accepted_at=NOON - timedelta(days=1),
        )
    )
    db.session.flush()


def _comment(app, user, child, session, body: str, parent_id=None):
    with app.test_request_context("/"):
        return comments.add_to_session(
            user, child, session, CommentIn(body=body, parent_id=parent_id)
        )


def _notices(profile) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.title).where(
                Notification.profile_id == profile.id, Notification.kind == "comment"
            )
        )
    )


def test_a_teachers_comment_on_a_child_reaches_each_consenting_guardian_once(
    app, alice, bob, mailbox, frozen_clock
):
    frozen_clock(NOON)
    mia = make_child(alice, "Mia")
    add_guardian(mia, alice, bob)
    charlie = make_persona("charlie")
    add_guardian(mia, alice, charlie)  # a guardian too, but has not allowed email
    family.allow_email(alice.user, mia, CONSENT)
    family.allow_email(bob.user, mia, CONSENT)
    tess = make_teacher("tess")
    _teach(tess, mia, alice)
    entry = log_session(mia, NOON - timedelta(hours=2), 20)

    said = _comment(app, tess.user, mia, entry, "Lovely **legato** in bars 9–16")
    worker.run_once("inline")
    worker.run_once("inline")  # nothing more to send

    assert sorted(m["To"] for m in mailbox.messages) == sorted([alice.email, bob.email])
    message = mailbox.to(alice.email)[0]
    assert message["Subject"] == "Mia: Tess commented on Mia's practice"
    text = mailbox.text(message)
    assert "Lovely **legato** in bars 9–16" in text
    assert "you allowed email about Mia" in text
    # The links open Mia's pages, where the guardian acts for her.
    assert f"http://woodshed.test/children/{mia.id}/journal/{entry.id}#comment-{said.id}" in text
    assert f"http://woodshed.test/children/{mia.id}/settings/reminders" in text
    assert message.get_body(("html",)) is not None
    assert _notices(mia) == ["Tess commented on your practice"]  # the child's centre, once
    assert _notices(alice.profile) == []


def test_without_consent_a_comment_on_a_child_is_in_app_only(app, alice, mailbox, frozen_clock):
    frozen_clock(NOON)
    mia = make_child(alice, "Mia")
    tess = make_teacher("tess")
    _teach(tess, mia, alice)
    gwen = make_persona("gwen")
    leo = make_child(gwen, "Leo")
    family.allow_email(gwen.user, leo, CONSENT)  # another family's consent counts for nothing
    entry = log_session(mia, NOON - timedelta(hours=2), 20)

    _comment(app, tess.user, mia, entry, "Slower, please")
    worker.run_once("inline")

    assert mailbox.messages == []
    assert _notices(mia) == ["Tess commented on your practice"]


def test_a_guardians_reply_reaches_the_teacher_and_never_the_family(
    app, alice, bob, mailbox, frozen_clock
):
    frozen_clock(NOON)
    mia = make_child(alice, "Mia")
    add_guardian(mia, alice, bob)
    family.allow_email(alice.user, mia, CONSENT)
    family.allow_email(bob.user, mia, CONSENT)
    tess = make_teacher("tess")
    _teach(tess, mia, alice)
    entry = log_session(mia, NOON - timedelta(hours=2), 20)
    said = _comment(app, tess.user, mia, entry, "Hands together next week?")
    worker.run_once("inline")
    mailbox.messages.clear()

    _comment(app, alice.user, mia, entry, "She will try", parent_id=said.id)
    worker.run_once("inline")

    assert [m["To"] for m in mailbox.messages] == [tess.email]
    assert mailbox.messages[0]["Subject"] == "Mia replied to your comment"


def test_a_guardians_comment_is_shown_with_the_guardians_name_not_as_a_former_teacher(
    app, alice, bob, frozen_clock
):
    frozen_clock(NOON)
    mia = make_child(alice, "Mia")
    entry = log_session(mia, NOON - timedelta(hours=2), 20)
    said = _comment(app, alice.user, mia, entry, "Played it for grandma")
    mine = comments.author_of(said, mia)
    assert (mine.id, mine.display_name, mine.role) == (alice.user.id, "Alice", "guardian")
    # Someone who is not the child's guardian is not named.
    stranger = comments.author_of(type(said)(body="x", author_id=bob.user.id), mia)
    assert (stranger.id, stranger.role) == (None, "former_teacher")
