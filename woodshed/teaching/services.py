"""The studio: becoming a teacher, invitations by code, links made and ended, students.

A code is 8 characters of an alphabet without look-alikes (no 0/O, 1/I/L), shown as text,
as a `/join/<code>` link and as a QR code; only its SHA-256 is stored. It is used once and
expires after 14 days. Wrong codes are throttled: 10 per 15 minutes per account and per
address.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import segno
import sqlalchemy as sa
from limits import parse
from markupsafe import Markup

from woodshed import policy
from woodshed.accounts import mfa
from woodshed.accounts.models import User
from woodshed.api.keyset import keyset_page
from woodshed.api.pagination import ListQuery
from woodshed.db import db, rowcount, utcnow
from woodshed.errors import DomainError, NotFound, Problem
from woodshed.profiles.models import MusicianProfile
from woodshed.ratelimit import client_address, throttle
from woodshed.teaching.codes import (  # noqa: F401  (shown_code: the pages' and API's)
    ALPHABET,
    CODE_LENGTH,
    new_code,
    normalise_code,
    shown_code,
)
from woodshed.teaching.models import SCOPES, Invite, Link
from woodshed.tokens import hash_token

INVITE_DAYS = 14
WRONG_CODES = parse("10 per 15 minutes")
SCOPE_LABELS = {
    "sessions:read": "read your journal entries (never the ones you mark private)",
    "sessions:comment": "comment on your entries",
    "assignments:write": "set you assignments",
    "reports:read": "receive your weekly practice report",
    "recordings:read": "listen to your recordings (never those of private entries)",
    "recordings:comment": "comment on your recordings and mark where their bars fall",
}
#: The same, as the teacher reads them when inviting.
TEACHER_LABELS = {
    "sessions:read": "read their journal entries (never the ones they mark private)",
    "sessions:comment": "comment on their entries",
    "assignments:write": "set them assignments",
    "reports:read": "receive their weekly practice report",
    "recordings:read": "listen to their recordings (never those of private entries)",
    "recordings:comment": "comment on their recordings and mark where their bars fall",
}


# --- becoming a teacher -----------------------------------------------------------------------


def may_become_teacher(user: User) -> bool:
    """Whether `user` may turn teaching on.

    This is the one place where teaching requires two-factor authentication: teachers
    read other people's journals, so the account must be protected by a second factor.
    """
    return not user.disabled and mfa.enabled(user)


def set_teacher(user: User, teaching: bool) -> None:
    """Turn teaching on (when allowed) or off; stopping ends every teaching link."""
    if teaching and not user.is_teacher:
        if not may_become_teacher(user):
            raise DomainError(
                {"is_teacher": "Turn on two-factor authentication before you start teaching."}
            )
        user.is_teacher = True
    elif not teaching and user.is_teacher:
        user.is_teacher = False
        for link in db.session.scalars(
            sa.select(Link).where(Link.user_id == user.id, Link.ended_at.is_(None))
        ):
            _end(link, user)
    db.session.flush()


def _teacher(user: User | None) -> User:
    if not policy.may_teach(user):
        raise Problem(403, "Only a teacher can do this. Turn teaching on in your settings.")
    assert user is not None  # may_teach refuses nobody
    return user


# --- invitations ------------------------------------------------------------------------------


def create_invite(
    user: User, scopes: Sequence[str] | None = None, note: str = ""
) -> tuple[Invite, str]:
    """A new invitation of `user`'s and its code (the only time the code is known)."""
    teacher = _teacher(user)
    code = new_code()
    invite = Invite(
        user_id=teacher.id,
        code_hash=hash_token(code),
        scopes=_scopes(scopes),
        note=note,
        expires_at=utcnow() + timedelta(days=INVITE_DAYS),
    )
    db.session.add(invite)
    db.session.flush()
    return invite, code


def _scopes(scopes: Sequence[str] | None) -> list[str]:
    chosen = set(SCOPES if scopes is None else scopes)
    unknown = chosen - set(SCOPES)
    if unknown:
        raise DomainError({"scopes": f"Unknown scope: {sorted(unknown)[0]}."})
    if "sessions:read" not in chosen and chosen:
        raise DomainError({"scopes": "A teacher who comments or assigns must read sessions."})
    if "recordings:comment" in chosen and "recordings:read" not in chosen:
        raise DomainError({"scopes": "A teacher who comments on recordings must listen to them."})
    return [s for s in SCOPES if s in chosen]


def open_invites_query(user: User) -> sa.Select:
    return sa.select(Invite).where(
        Invite.user_id == user.id, Invite.used_at.is_(None), Invite.expires_at > utcnow()
    )


INVITE_ORDER = ((Invite.created_at, True), (Invite.id, True))


def list_invites(user: User, query: ListQuery) -> tuple[list[Invite], str | None]:
    return keyset_page(open_invites_query(_teacher(user)), INVITE_ORDER, query)


def open_invites(user: User) -> list[Invite]:
    return list(db.session.scalars(open_invites_query(user).order_by(Invite.created_at.desc())))


def revoke_invite(user: User, invite_id: uuid.UUID) -> None:
    """Withdraw one of `user`'s invitations (another's, or a used one: 404)."""
    result = db.session.execute(
        sa.delete(Invite).where(
            Invite.id == invite_id, Invite.user_id == user.id, Invite.used_at.is_(None)
        )
    )
    if rowcount(result) == 0:
        raise NotFound()


@dataclass
class Preview:
    """What accepting a code means, shown before the musician accepts."""

    invite: Invite
    teacher_name: str
    scopes: list[str]
    labels: list[str]


def _throttle_keys(user: User) -> list[str]:
    return [f"invite-ip:{client_address()}", f"invite-account:{user.id}"]


def invite_is_open(raw_code: str) -> bool:
    """Whether `raw_code` names an open invitation of a teacher (registration by invitation;
    the caller throttles)."""
    code = normalise_code(raw_code)
    if len(code) != CODE_LENGTH or not all(ch in ALPHABET for ch in code):
        return False
    invite = db.session.scalar(sa.select(Invite).where(Invite.code_hash == hash_token(code)))
    return (
        invite is not None
        and invite.used_at is None
        and invite.expires_at > utcnow()
        and policy.may_teach(invite.user)
    )


def find_invite(user: User, raw_code: str) -> Invite:
    """The open invitation `raw_code` names; wrong, used and expired codes say why (422 on
    `code`) and count against the account and address."""
    t = throttle()
    keys = _throttle_keys(user)
    t.check(WRONG_CODES, keys)
    code = normalise_code(raw_code)
    invite = None
    if len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code):
        invite = db.session.scalar(sa.select(Invite).where(Invite.code_hash == hash_token(code)))
    if invite is None or not policy.may_teach(invite.user):
        t.hit(WRONG_CODES, keys)
        raise DomainError({"code": "There is no invitation with this code. Check each letter."})
    if invite.used_at is not None:
        raise DomainError({"code": "This code has been used already. Ask for a new one."})
    if invite.expires_at <= utcnow():
        raise DomainError({"code": "This code has expired. Ask your teacher for a new one."})
    return invite


def preview(user: User, raw_code: str) -> Preview:
    invite = find_invite(user, raw_code)
    return Preview(
        invite,
        invite.user.profile.display_name,
        list(invite.scopes),
        [SCOPE_LABELS[s] for s in invite.scopes],
    )


def join(user: User, raw_code: str, profile: MusicianProfile, consent=None) -> Link:
    """Accept an invitation for `profile`: the musician's own, or a guardian's child — then
    only with the guardian's consent, stored with the link's scopes (no consent: 403)."""
    from woodshed.family import services as family

    if not policy.can_edit(user, profile):
        raise NotFound()
    version = (
        family.check_consent(consent, "link a child to a teacher") if profile.is_child else None
    )
    invite = find_invite(user, raw_code)
    if invite.user_id == user.id:
        raise DomainError({"code": "This is your own invitation: send it to your student."})
    if policy.active_link(invite.user, profile) is not None:
        raise DomainError({"code": "You are linked to this teacher already."})
    now = utcnow()
    # Claim the code first: of two people (or tabs) racing with it, one wins.
    claimed = db.session.execute(
        sa.update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) == 0:
        raise DomainError({"code": "This code has been used already. Ask for a new one."})
    link = Link(
        kind="teacher",
        user_id=invite.user_id,
        profile_id=profile.id,
        scopes=list(invite.scopes),
        accepted_by=user.id,
        accepted_at=now,
    )
    link, _created = policy.insert_or_existing(
        link,
        profile,
        key=("id",),
        taken={"code": "You are linked to this teacher already."},
    )
    db.session.execute(
        sa.update(Invite)
        .where(Invite.id == invite.id)
        .values(link_id=link.id)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(invite)
    if version is not None:
        family.record_consent(
            user, profile, "teacher_link", version, link.scopes, subject_id=invite.user_id
        )
    policy.forget_links()
    return link


# --- links ------------------------------------------------------------------------------------


LINK_ORDER = ((Link.created_at, True), (Link.id, True))


def links_query(user: User) -> sa.Select:
    """Links where `user` is the teacher or the musician (either side), or the guardian of
    the child a teacher's link opens."""
    return policy.links_of(user)


def list_links(user: User, query: ListQuery) -> tuple[list[Link], str | None]:
    return keyset_page(links_query(user), LINK_ORDER, query)


def my_teachers(user: User) -> list[Link]:
    return list(
        db.session.scalars(
            sa.select(Link)
            .where(Link.profile_id == user.profile.id, Link.ended_at.is_(None))
            .order_by(Link.created_at)
        )
    )


def _end(link: Link, user: User) -> None:
    link.ended_at = utcnow()
    link.ended_by = user.id


def end_link(user: User, link_id: uuid.UUID) -> Link:
    """End a link from either side; from the next request the teacher sees nothing."""
    link = policy.link_party_or_404(link_id, user)
    if link.ended_at is None:
        _end(link, user)
        db.session.flush()
        policy.forget_links()
    return link


# --- students ---------------------------------------------------------------------------------


def _student_links(teacher: User) -> sa.Select:
    return (
        sa.select(Link)
        .join(MusicianProfile, MusicianProfile.id == Link.profile_id)
        .where(Link.user_id == teacher.id, Link.ended_at.is_(None), Link.kind == "teacher")
    )


STUDENT_ORDER = ((sa.func.lower(MusicianProfile.display_name), False), (Link.id, False))


def students(user: User) -> list[Link]:
    """The teacher's active links, by the student's name."""
    stmt = _student_links(_teacher(user))
    return list(db.session.scalars(stmt.order_by(*(expr for expr, _ in STUDENT_ORDER))))


def student_links_page(user: User, query: ListQuery) -> tuple[list[Link], str | None]:
    return keyset_page(_student_links(_teacher(user)), STUDENT_ORDER, query)


def qr_svg(url: str) -> Markup:
    """The join link as an inline SVG QR code (printable; no image request, CSP-safe)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 (generated by segno from our own URL)


def teachers_now(profile: MusicianProfile, user_ids: set) -> set[uuid.UUID]:
    """Which of these users are the profile's teachers now — an active teacher link — in
    one statement: how comments and assignments name their author ("Former teacher" once
    the link has ended), and who hears of a student's reply."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Link.user_id).where(
                Link.profile_id == profile.id,
                Link.kind == "teacher",
                Link.ended_at.is_(None),
                Link.user_id.in_(ids),
            )
        )
    )
