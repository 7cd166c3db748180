"""A comment by email to the other party, once, through the worker (REL-JOB), after the
recipient's quiet hours; nothing for a teacher whose link has ended."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from tests.factories import log_session, make_persona
from tests.racing import race
from tests.teaching.helpers import make_link, make_teacher
from woodshed.comments import services
from woodshed.comments.schemas import CommentIn
from woodshed.db import Clock, db
from woodshed.notify import worker
from woodshed.notify.models import Delivery, Notification, NotificationSettings
from woodshed.profiles.models import MusicianProfile
from woodshed.teaching.models import Link

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _seed(app, quiet: bool = False) -> tuple:
    Clock.frozen = NOW
    with app.app_context():
        tess = make_teacher("tess")
        alice = make_persona("alice", timezone="UTC")
        make_link(tess, alice)
        session = log_session(alice.profile, NOW - timedelta(hours=3), 25)
        if quiet:  # alice's quiet hours: 11:00–14:00 UTC
            db.session.add(
                NotificationSettings(
                    profile_id=alice.profile.id, quiet_start=time(11), quiet_end=time(14)
                )
            )
        db.session.commit()
        return tess.user.id, alice.user.id, alice.profile.id, session.id


def _comment(app, user_id, profile_id, session_id, body: str, parent_id=None):
    from woodshed.accounts.models import User
    from woodshed.journal.models import PracticeSession

    with app.app_context(), app.test_request_context("/"):
        user = db.session.get(User, user_id)
        profile = db.session.get(MusicianProfile, profile_id)
        session = db.session.get(PracticeSession, session_id)
        comment = services.add_to_session(
            user, profile, session, CommentIn(body=body, parent_id=parent_id)
        )
        db.session.commit()
        return comment.id


def _workers(app, n: int = 3) -> None:
    def run(i: int) -> Counter:
        with app.app_context():
            return Counter(worker.run_once(f"comment-worker-{i}"))

    race(n, run)


def test_a_teachers_comment_and_the_students_reply_each_reach_the_other_once(
    committed_app, mailbox
):
    tess, alice, profile_id, session_id = _seed(committed_app)
    said = _comment(committed_app, tess, profile_id, session_id, "Try the **wrist** lower")
    _workers(committed_app)
    _workers(committed_app, 2)  # nothing more to send
    assert [m["To"] for m in mailbox.messages] == ["alice@example.org"]
    (email,) = mailbox.messages
    assert email["Subject"] == "Tess commented on your practice"
    text = mailbox.text(email)
    assert "Try the **wrist** lower" in text
    assert f"/journal/{session_id}#comment-{said}" in text
    assert "/students/" not in text

    reply = _comment(committed_app, alice, profile_id, session_id, "Better now", parent_id=said)
    _workers(committed_app)
    assert [m["To"] for m in mailbox.messages] == ["alice@example.org", "tess@example.org"]
    to_tess = mailbox.messages[1]
    assert to_tess["Subject"] == "Alice replied to your comment"
    assert f"/students/{profile_id}/journal/{session_id}#comment-{reply}" in mailbox.text(to_tess)
    with committed_app.app_context():
        notes = db.session.scalars(
            sa.select(Notification.title).where(Notification.kind == "comment")
        ).all()
        assert sorted(notes) == ["Alice replied to your comment", "Tess commented on your practice"]

    # alice's own note in her own thread tells nobody else; nor does her next reply once
    # the link has ended.
    _comment(committed_app, alice, profile_id, session_id, "note to self")
    with committed_app.app_context():
        db.session.execute(sa.update(Link).values(ended_at=NOW))
        db.session.commit()
    _comment(committed_app, alice, profile_id, session_id, "Thanks!", parent_id=said)
    _workers(committed_app)
    assert len(mailbox.messages) == 2


def test_the_email_waits_for_the_end_of_the_recipients_quiet_hours(committed_app, mailbox):
    tess, _alice, profile_id, session_id = _seed(committed_app, quiet=True)
    _comment(committed_app, tess, profile_id, session_id, "Lovely tone")
    _workers(committed_app, 2)
    assert mailbox.messages == []
    with committed_app.app_context():
        due = db.session.scalar(sa.select(Delivery.due_at).where(Delivery.kind == "comment"))
        assert due == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    Clock.frozen = datetime(2026, 12, 2, 14, 1, tzinfo=UTC)
    _workers(committed_app, 2)
    assert [m["Subject"] for m in mailbox.messages] == ["Tess commented on your practice"]


def _comment_emails(app, profile_id) -> bool | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(NotificationSettings.comment_emails).where(
                NotificationSettings.profile_id == profile_id
            )
        )


def test_the_one_click_link_in_the_email_stops_comment_emails_but_not_the_notices(
    committed_app, mailbox
):
    tess, _alice, profile_id, session_id = _seed(committed_app)
    _comment(committed_app, tess, profile_id, session_id, "Lovely tone")
    _workers(committed_app, 2)
    (email,) = mailbox.messages
    link = email["List-Unsubscribe"].strip("<>")
    assert link in mailbox.text(email)
    token = link.split("token=", 1)[1]
    assert _comment_emails(committed_app, profile_id) is None  # never chosen: on
    web = committed_app.test_client()
    assert "emails about comments" in web.post(f"/unsubscribe?token={token}").get_data(True)
    assert _comment_emails(committed_app, profile_id) is False

    _comment(committed_app, tess, profile_id, session_id, "And the left hand?")
    _workers(committed_app, 2)
    assert len(mailbox.messages) == 1  # no second email …
    with committed_app.app_context():
        notices = db.session.scalars(
            sa.select(Notification.body).where(Notification.profile_id == profile_id)
        ).all()
    assert any("left hand" in n for n in notices)  # … but the notice in the centre


def test_comment_emails_are_a_setting_on_the_page_and_in_the_api(alice_web, alice_api, alice):
    page = alice_web.get("/settings/reminders").get_data(as_text=True)
    box = page.split('name="comment_emails"')
    assert len(box) == 2
    assert "checked" in box[1][:80]  # on until chosen otherwise
    # An unticked box (not sent) turns them off; ticking it turns them on again.
    assert alice_web.submit("/settings/notifications", {}).status_code == 302
    assert alice_api.get("/api/v1/me/notification-settings").get_json()["comment_emails"] is False
    alice_web.submit("/settings/notifications", {"comment_emails": "true"})
    assert alice_api.get("/api/v1/me/notification-settings").get_json()["comment_emails"] is True
    body = alice_api.put("/api/v1/me/notification-settings", json={"comment_emails": False})
    assert body.status_code == 200
    assert body.get_json()["comment_emails"] is False


# --- comments pinned to a take ---------------------------------------------------------------


def _take(app, profile_id):
    from tests.recordings.media import make_recording

    with app.app_context():
        take = make_recording(db.session.get(MusicianProfile, profile_id), title="Etude")
        db.session.commit()
        return take.id


def _pin(app, user_id, profile_id, take_id, body: str, parent_id=None):
    from woodshed.accounts.models import User
    from woodshed.recordings import services as recordings
    from woodshed.recordings.models import Recording
    from woodshed.recordings.schemas import CommentIn as PinIn

    with app.app_context():
        user = db.session.get(User, user_id)
        profile = db.session.get(MusicianProfile, profile_id)
        take = db.session.get(Recording, take_id)
        comment = recordings.add_comment(
            user, profile, take, PinIn(at_seconds=0.5, body=body, parent_id=parent_id)
        )
        db.session.commit()
        return comment.id


def test_a_teachers_comment_on_a_take_reaches_the_student_in_app_and_by_email_once(
    committed_app, mailbox
):
    tess, alice, profile_id, _session_id = _seed(committed_app)
    take = _take(committed_app, profile_id)
    said = _pin(committed_app, tess, profile_id, take, "Hold the **fermata** longer")
    _workers(committed_app)
    _workers(committed_app, 2)  # nothing more to send
    (email,) = mailbox.messages
    assert email["To"] == "alice@example.org"
    assert email["Subject"] == "Tess commented on your recording"
    text = mailbox.text(email)
    assert "Hold the **fermata** longer" in text
    assert f"/recordings/{take}#comment-{said}" in text
    assert "/students/" not in text
    with committed_app.app_context():
        (note,) = db.session.scalars(
            sa.select(Notification).where(
                Notification.profile_id == profile_id, Notification.kind == "comment"
            )
        ).all()
        assert note.title == "Tess commented on your recording"
        assert note.url == f"/recordings/{take}#comment-{said}"
        assert "fermata" in note.body

    # alice answers in the thread: tess hears of it, under the student's prefix.
    reply = _pin(committed_app, alice, profile_id, take, "Like this?", parent_id=said)
    _workers(committed_app)
    assert [m["To"] for m in mailbox.messages] == ["alice@example.org", "tess@example.org"]
    assert f"/students/{profile_id}/recordings/{take}#comment-{reply}" in mailbox.text(
        mailbox.messages[1]
    )
    # A note of alice's own on her take tells nobody.
    _pin(committed_app, alice, profile_id, take, "note to self")
    _workers(committed_app)
    assert len(mailbox.messages) == 2

    # The one-click link in alice's email turns comment emails off (not the weekly summary).
    token = email["List-Unsubscribe"].strip("<>").split("token=", 1)[1]
    web = committed_app.test_client()
    assert "emails about comments" in web.post(f"/unsubscribe?token={token}").get_data(True)
    assert _comment_emails(committed_app, profile_id) is False


def test_a_student_who_turned_comment_emails_off_hears_of_a_take_comment_in_app_only(
    committed_app, mailbox
):
    tess, _alice, profile_id, _session_id = _seed(committed_app)
    with committed_app.app_context():
        db.session.add(NotificationSettings(profile_id=profile_id, comment_emails=False))
        db.session.commit()
    take = _take(committed_app, profile_id)
    _pin(committed_app, tess, profile_id, take, "Lovely vibrato")
    _workers(committed_app, 2)
    assert mailbox.messages == []
    with committed_app.app_context():
        assert db.session.scalars(
            sa.select(Notification.title).where(
                Notification.profile_id == profile_id, Notification.kind == "comment"
            )
        ).all() == ["Tess commented on your recording"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
