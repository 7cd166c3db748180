"""Writing and reading comments. Access: the session or section is loaded through the gate
by the caller; `policy.can_comment` decides who may add to it, here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from flask import url_for

from woodshed import events, policy
from woodshed.accounts.models import User
from woodshed.api.keyset import keyset_page
from woodshed.comments.models import Comment
from woodshed.comments.schemas import CommentIn, SectionCommentIn
from woodshed.db import db
from woodshed.errors import DomainError
from woodshed.journal.models import PracticeSession
from woodshed.markdown import render_markdown
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Section
from woodshed.teaching.services import teachers_now

ORDER = ((Comment.created_at, False), (Comment.id, False))


# --- who wrote it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    id: uuid.UUID | None
    display_name: str
    role: str  # "musician", "guardian", "teacher", "former_teacher"


class Authored(Protocol):
    """A comment on a session or passage, or on a recording: it names its author's account."""

    @property
    def author_id(self) -> uuid.UUID | None: ...


def author_of(comment: Authored, profile: MusicianProfile) -> Author:
    """How a comment's author is shown to whoever reads `profile`'s comments.

    The musician's own comments carry their name, and so do a child's guardian's (a
    guardian comments for the family). Anyone else commented as the musician's teacher; the
    teaching feature names a teacher who is still linked here, and everyone else — an ended
    link, an erased account — is "Former teacher".
    """
    author_id = comment.author_id
    if author_id is not None and author_id == profile.user_id:
        return Author(author_id, profile.display_name, "musician")
    if author_id is not None and author_id in teachers_now(profile, {author_id}):
        teacher = db.session.get_one(User, author_id)  # a linked teacher's account exists
        return Author(author_id, teacher.profile.display_name, "teacher")
    if author_id is not None and profile.is_child:
        author = db.session.get(User, author_id)
        if author is not None and policy.guardian_link(author, profile) is not None:
            return Author(author_id, author.profile.display_name, "guardian")
    return Author(None, "Former teacher", "former_teacher")


def comment_out(comment: Comment, profile: MusicianProfile) -> dict:
    author = author_of(comment, profile)
    return {
        "id": comment.id,
        "body": comment.body,
        "body_html": render_markdown(comment.body),
        "author": {"id": author.id, "display_name": author.display_name, "role": author.role},
        "created_at": comment.created_at,
        "session_id": comment.session_id,
        "item_index": comment.item_index,
        "section_id": comment.section_id,
        "parent_id": comment.parent_id,
    }


# --- adding ---------------------------------------------------------------------------------


def _may_comment(user: User, profile: MusicianProfile, what: str, obj_id, private: bool) -> None:
    # A private session is the musician's alone: nobody else may see it, let alone comment.
    if not policy.can_comment(user, profile) or (
        private and not policy.can_view_private(user, profile)
    ):
        policy.deny(user, what, obj_id)


def _thread_root(parent_id: uuid.UUID | None, profile: MusicianProfile, **thread) -> Comment | None:
    """The first comment of the thread a reply joins; one elsewhere is a 422 on parent_id."""
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    same_thread = parent is not None and all(getattr(parent, k) == v for k, v in thread.items())
    if parent is None or parent.profile_id != profile.id or not same_thread:
        raise DomainError({"parent_id": "There is no such comment here to reply to."})
    if parent.parent_id is not None:
        parent = db.session.get(Comment, parent.parent_id)
    return parent


def add_to_session(
    user: User, profile: MusicianProfile, session: PracticeSession, data: CommentIn
) -> Comment:
    """A comment on a session, on one of its items, or on a passage it worked on."""
    _may_comment(user, profile, "session", session.id, session.private)
    root = _thread_root(data.parent_id, profile, session_id=session.id)
    if root is not None:
        item_index, section_id = root.item_index, root.section_id
    else:
        item_index, section_id = data.item_index, data.section_id
        if item_index is not None and item_index >= len(session.items):
            raise DomainError({"item_index": "This session has no such item."})
        if item_index is not None and section_id is None:
            section_id = session.items[item_index].section_id
        policy.referenced(Section, section_id, profile, field="section_id")
    comment = Comment(
        profile_id=profile.id,
        session_id=session.id,
        item_index=item_index,
        section_id=section_id,
        parent_id=root.id if root else None,
        author_id=user.id,
        body=data.body,
    )
    return _posted(comment, profile, url_for("journal.show", session_id=session.id))


def add_to_section(
    user: User, profile: MusicianProfile, section: Section, data: SectionCommentIn
) -> Comment:
    """A comment on a passage, outside any session."""
    _may_comment(user, profile, "section", section.id, False)
    root = _thread_root(data.parent_id, profile, section_id=section.id)
    comment = Comment(
        profile_id=profile.id,
        session_id=root.session_id if root else None,
        item_index=root.item_index if root else None,
        section_id=section.id,
        parent_id=root.id if root else None,
        author_id=user.id,
        body=data.body,
    )
    return _posted(comment, profile, url_for("repertoire.piece", piece_id=section.piece_id))


def _posted(comment: Comment, profile: MusicianProfile, url: str) -> Comment:
    db.session.add(comment)
    db.session.flush()
    author = author_of(comment, profile)
    events.comment_posted.send(
        profile,
        comment_id=comment.id,
        author_id=comment.author_id,
        author_name=author.display_name,
        excerpt=comment.body[:200],
        url=f"{url}#comment-{comment.id}",
    )
    return comment


# --- reading --------------------------------------------------------------------------------


def _visible(stmt: sa.Select, profile: MusicianProfile, reader: User) -> sa.Select:
    """Comments of `profile`, leaving out those on sessions the reader may not see."""
    stmt = stmt.where(Comment.profile_id == profile.id)
    if not policy.can_view_private(reader, profile):
        private = sa.select(PracticeSession.id).where(
            PracticeSession.profile_id == profile.id, PracticeSession.private.is_(True)
        )
        stmt = stmt.where(sa.or_(Comment.session_id.is_(None), Comment.session_id.not_in(private)))
    return stmt


def session_page(session: PracticeSession, profile: MusicianProfile, reader: User, query):
    stmt = _visible(sa.select(Comment).where(Comment.session_id == session.id), profile, reader)
    return keyset_page(stmt, ORDER, query)


def section_page(section: Section, profile: MusicianProfile, reader: User, query):
    stmt = _visible(sa.select(Comment).where(Comment.section_id == section.id), profile, reader)
    return keyset_page(stmt, ORDER, query)


@dataclass
class Thread:
    first: Comment
    replies: list[Comment]


def threads(comments: list[Comment]) -> list[Thread]:
    """Comments in written order, grouped as threads: each first comment and its replies."""
    by_root: dict[uuid.UUID, Thread] = {}
    for c in comments:
        if c.parent_id is None:
            by_root[c.id] = Thread(c, [])
    for c in comments:
        if c.parent_id is not None and c.parent_id in by_root:
            by_root[c.parent_id].replies.append(c)
    return list(by_root.values())


def session_threads(
    session: PracticeSession, profile: MusicianProfile, reader: User
) -> list[Thread]:
    """Every thread on a session, for its page (one statement)."""
    stmt = _visible(sa.select(Comment).where(Comment.session_id == session.id), profile, reader)
    return threads(list(db.session.scalars(stmt.order_by(Comment.created_at, Comment.id))))


def piece_threads(
    piece_id: uuid.UUID, profile: MusicianProfile, reader: User
) -> dict[uuid.UUID, list[Thread]]:
    """The threads on each passage of a piece, by section id, for the piece page."""
    sections = sa.select(Section.id).where(
        Section.piece_id == piece_id, Section.profile_id == profile.id
    )
    stmt = _visible(sa.select(Comment).where(Comment.section_id.in_(sections)), profile, reader)
    rows = list(db.session.scalars(stmt.order_by(Comment.created_at, Comment.id)))
    grouped: dict[uuid.UUID, list[Comment]] = {}
    for c in rows:
        grouped.setdefault(c.section_id, []).append(c)
    return {section_id: threads(cs) for section_id, cs in grouped.items()}
