"""A comment by email to the other party, through the worker's deliveries.

A comment on a session or passage (`Comment`), or pinned to a take (`RecordingComment`,
`on="recording"`): when a linked teacher comments, the musician hears of it (in the
notification centre, by `notify.services.announce_comment`, and here by email); when the
musician writes in a thread a teacher wrote in, those teachers — while still linked, and
for a take while their link lets them listen — hear of it in their own notification
centre and by email. Each (comment, recipient) is one delivery row keyed by
both, so a comment is mailed once whatever the number of workers (REL-JOB). The email
waits for the end of the recipient's quiet hours (their notification settings); a
teacher whose link has ended by then gets nothing.

A child's profile has no account: a comment on a child's practice is mailed to each
guardian who allowed email about the child (`family.services.email_recipients`, the rule
reminders follow), one message each, and to nobody without that consent. A guardian's own
comment counts as the musician's side: it goes to the teachers in the thread, never back to
the family.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from woodshed import mail, policy
from woodshed.accounts.models import User
from woodshed.comments.models import Comment
from woodshed.db import db, insert_ignore, new_id, utcnow
from woodshed.family.services import email_recipients
from woodshed.notify import messages
from woodshed.notify.models import Delivery, NotificationSettings
from woodshed.notify.reminders import after_quiet_hours
from woodshed.notify.services import notify, unsubscribe_token
from woodshed.profiles.models import MusicianProfile
from woodshed.recordings.models import RecordingComment
from woodshed.repertoire.models import Section
from woodshed.teaching.services import teachers_now

KIND = "comment"
#: The delivery kind of a comment pinned to a take.
RECORDING_KIND = "recording_comment"
AnyComment = Comment | RecordingComment


def _comment(kind: str, comment_id: uuid.UUID) -> AnyComment | None:
    """The comment a delivery of this kind is about (a take's, or a session's or passage's)."""
    if kind == RECORDING_KIND:
        return db.session.get(RecordingComment, comment_id)
    return db.session.get(Comment, comment_id)


def _teachers_in_thread(comment: AnyComment, profile: MusicianProfile) -> list[User]:
    """The musician's teachers now who wrote in this comment's thread (and, on a take,
    may still listen to it)."""
    model = type(comment)
    root = comment.parent_id or comment.id
    authors = set(
        db.session.scalars(
            sa.select(model.author_id).where(sa.or_(model.id == root, model.parent_id == root))
        )
    )
    authors.discard(comment.author_id)
    # a linked teacher exists for every id teachers_now returns
    teachers = [db.session.get_one(User, i) for i in sorted(teachers_now(profile, authors))]
    if isinstance(comment, RecordingComment):
        teachers = [t for t in teachers if policy.can_view_recordings(t, profile)]
    return teachers


def on_comment_posted(
    profile: MusicianProfile,
    *,
    comment_id,
    author_id,
    author_name: str,
    excerpt: str,
    url: str,
    on: str = "session",
) -> None:
    """`events.comment_posted` subscriber: a delivery row for each other party's email (and
    the teachers' in-app notification; the musician's is `announce_comment`'s)."""
    kind = RECORDING_KIND if on == "recording" else KIND
    comment = _comment(kind, comment_id)
    if comment is None:
        return
    recipients: list[MusicianProfile] = []
    if author_id is not None and not _musicians_side(author_id, profile):
        recipients.append(profile)
    else:
        for teacher in _teachers_in_thread(comment, profile):
            assert teacher.profile is not None  # a teacher signs in: an account's profile
            recipients.append(teacher.profile)
            notify(
                teacher.profile,
                "comment",
                f"{profile.display_name} replied to your comment",
                excerpt,
                _path(comment, for_teacher=True),
            )
    now = utcnow()
    rows = []
    for recipient in recipients:
        settings = db.session.scalar(
            sa.select(NotificationSettings).where(NotificationSettings.profile_id == recipient.id)
        )
        if settings is not None and not settings.comment_emails:
            continue  # in-app only, as the recipient chose
        rows.append(
            {
                "id": new_id(),
                "key": f"{'rc' if kind == RECORDING_KIND else 'cm'}:{comment.id}:{recipient.id}",
                "reminder_id": None,
                "profile_id": recipient.id,
                "kind": kind,
                "due_at": after_quiet_hours(now, recipient.timezone, settings),
                "subject_id": comment.id,
                "status": "pending",
                "attempts": 0,
                "in_app_done": False,
                "last_error": "",
            }
        )
    insert_ignore(Delivery, rows, ["key"])


def _musicians_side(author_id, profile: MusicianProfile) -> bool:
    """Whether the author writes as the musician: the musician, or a child's guardian."""
    if author_id == profile.user_id:
        return True
    return (
        profile.is_child
        and policy.guardian_link(db.session.get(User, author_id), profile) is not None
    )


def _path(comment: AnyComment, *, for_teacher: bool) -> str:
    """Where the comment is shown: its take, its session, or its passage's piece (a
    teacher's under the student's prefix)."""
    prefix = f"/students/{comment.profile_id}" if for_teacher else ""
    anchor = f"#comment-{comment.id}"
    if isinstance(comment, RecordingComment):
        return f"{prefix}/recordings/{comment.recording_id}{anchor}"
    if comment.session_id is not None:
        return f"{prefix}/journal/{comment.session_id}{anchor}"
    # Not on a session: on a passage (a check constraint), which takes its comments with it.
    section = db.session.get_one(Section, comment.section_id)
    return f"{prefix}/repertoire/{section.piece_id}{anchor}"


def build(delivery: Delivery, now: datetime) -> messages.Message | None:
    comment = _comment(delivery.kind, delivery.subject_id) if delivery.subject_id else None
    recipient = delivery.profile
    if comment is None:
        return None
    # The musician's address; for a child, each guardian who allowed email about the child.
    addresses = email_recipients(recipient)
    if not addresses:
        return None
    student = db.session.get_one(MusicianProfile, comment.profile_id)
    for_teacher = recipient.id != student.id
    child = recipient.display_name if recipient.is_child else None
    if for_teacher:
        if recipient.user_id not in teachers_now(student, {recipient.user_id}):
            return None  # no longer their teacher: nothing of the student's to send
        if isinstance(comment, RecordingComment) and not policy.can_view_recordings(
            recipient.user, student
        ):
            return None  # no longer listening to the student's takes
        title = f"{student.display_name} replied to your comment"
    else:
        author = db.session.get(User, comment.author_id) if comment.author_id else None
        name = author.profile.display_name if author is not None else "Your former teacher"
        whose = f"{child}'s" if child else "your"
        what = (
            f"{whose} recording" if isinstance(comment, RecordingComment) else f"{whose} practice"
        )
        title = f"{name} commented on {what}"
    root = messages.base_url()
    url = f"{root}{_path(comment, for_teacher=for_teacher)}"
    settings_url = f"{root}/settings/reminders"
    subject = title
    if child is not None:  # to a guardian: the child's pages, under the child's prefix
        subject = f"{child}: {title}"
        url = messages.child_link(recipient, url) or url
        settings_url = messages.child_link(recipient, settings_url) or settings_url
    unsubscribe = f"{root}/unsubscribe?token={unsubscribe_token(delivery)}"
    emails = []
    for address in addresses:
        email = mail.render_mail(
            address,
            subject,
            "comment",
            title=title,
            body=comment.body,
            url=url,
            name=None if child else recipient.display_name,
            child=child,
            settings_url=settings_url,
            unsubscribe_url=unsubscribe,
        )
        email.headers["Auto-Submitted"] = "auto-generated"
        email.headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        email.headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        emails.append(email)
    return messages.Message(title, "", None, False, emails)


def register(app: Flask) -> None:
    builders = app.extensions.setdefault("woodshed.delivery_messages", {})
    builders[KIND] = build
    builders[RECORDING_KIND] = build
