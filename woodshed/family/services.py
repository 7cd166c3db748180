"""Guardians and their children: child profiles, consent on record, a second guardian,
parents' notes and sign-offs, kid mode's PIN, and the retention of children's data.

A child profile has no account; each of its guardians has an accepted `Link` of kind
"guardian" to it, which the policy reads as full access (`policy.is_family`). Every
decision about who may act for whom stays in `woodshed.policy`; this module only keeps
the rules of the family itself (consent first, the first guardian accepts the second,
only a guardian signs off).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, session, url_for
from sqlalchemy.orm import selectinload

from woodshed import mail, outbox, policy
from woodshed.accounts.models import User
from woodshed.accounts.passwords import hash_password, verify_password
from woodshed.api.keyset import keyset_page, ordered
from woodshed.api.pagination import ListQuery
from woodshed.config import base_url
from woodshed.db import db, rowcount, utcnow
from woodshed.errors import DomainError, NotFound, Problem, TooManyRequests
from woodshed.family.models import (
    NOTICE_VERSION,
    SIGNOFF_ANSWER_MAX_CHARS,
    SIGNOFF_NOTE_MAX_CHARS,
    Consent,
    GuardianInvite,
    KidPin,
    ProfileMove,
    Signoff,
)
from woodshed.journal.models import PracticeSession
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.teaching.models import Link
from woodshed.tokens import generate_token, hash_token
from woodshed.validation import normalise_email

log = logging.getLogger("woodshed.family")

#: docs/children.md: an unaccepted second guardian's request lapses after this long …
REQUEST_DAYS = 14
#: … and a child profile left without any guardian is erased after this long.
ORPHAN_DAYS = 30
#: A link to move a child's profile to the child's own account works this long.
MOVE_DAYS = 14
PIN_TRIES = 3
PIN_LOCK = timedelta(minutes=5)
_PIN = re.compile(r"^[0-9]{4,8}$")


class ConsentRequired(Problem):
    """403 whose problem type ends in `consent-required`: nothing happens without it."""

    def __init__(self, what: str) -> None:
        super().__init__(
            403,
            f"A guardian's consent is needed to {what}. Read the notice "
            f"(version {NOTICE_VERSION}) and tick that you agree.",
            title="Consent required",
        )


def check_consent(consent, what: str) -> str:
    """The notice version a guardian accepted (`consent` from a form or the API), or 403."""
    if consent is None or not getattr(consent, "accepted", False):
        raise ConsentRequired(what)
    version = getattr(consent, "notice_version", None) or NOTICE_VERSION
    if version != NOTICE_VERSION:
        raise DomainError(
            {"consent.notice_version": f"The current notice is version {NOTICE_VERSION}."}
        )
    return version


def record_consent(
    user: User, profile: MusicianProfile, kind: str, version: str, scopes=(), subject_id=None
) -> Consent:
    row = Consent(
        kind=kind,
        guardian_id=user.id,
        profile_id=profile.id,
        notice_version=version,
        scopes=list(scopes),
        subject_id=subject_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def consents(user: User, profile: MusicianProfile) -> list[Consent]:
    """The consents on record for a child `user` is a guardian of (anyone else: 404)."""
    if not policy.can_edit(user, profile):
        raise NotFound()
    return list(
        db.session.scalars(
            sa.select(Consent)
            .where(Consent.profile_id == profile.id)
            .order_by(Consent.created_at, Consent.id)
        )
    )


# --- children ---------------------------------------------------------------------------------


#: Children by name (case-insensitive), then id.
CHILD_ORDER = ((sa.func.lower(MusicianProfile.display_name), False), (MusicianProfile.id, False))


def _children(user: User) -> sa.Select:
    return (
        sa.select(MusicianProfile)
        .join(Link, Link.profile_id == MusicianProfile.id)
        .where(Link.guarding(), Link.user_id == user.id)
    )


def children_of(user: User) -> list[MusicianProfile]:
    """The children `user` is an accepted guardian of, by name (the family page, the menu)."""
    return list(db.session.scalars(_children(user).order_by(*ordered(CHILD_ORDER))))


def list_children(user: User, query: ListQuery) -> tuple[list[MusicianProfile], str | None]:
    """One page of `user`'s children by name, and the cursor of the next page."""
    return keyset_page(
        _children(user), CHILD_ORDER, query, options=(selectinload(MusicianProfile.instruments),)
    )


def child_of(user: User, child_id) -> MusicianProfile:
    """One of `user`'s children; anyone else's profile, or a grown-up's, is a 404."""
    try:
        key = child_id if isinstance(child_id, uuid.UUID) else uuid.UUID(str(child_id))
    except ValueError:
        raise NotFound() from None
    child = db.session.get(MusicianProfile, key)
    if child is None or not child.is_child or policy.guardian_link(user, child) is None:
        raise NotFound()
    return child


def guardians_of(profile: MusicianProfile) -> list[Link]:
    return list(
        db.session.scalars(
            sa.select(Link)
            .where(Link.kind == "guardian", Link.profile_id == profile.id, Link.ended_at.is_(None))
            .order_by(Link.created_at)
        )
    )


def create_child(
    user: User,
    display_name: str,
    birth_year: int | None = None,
    instruments: list[str] | None = None,
    consent=None,
) -> MusicianProfile:
    """A child profile managed by `user`: a nickname, instruments, the guardian's clock."""
    version = check_consent(consent, "create a child's profile")
    errors = {}
    name = " ".join((display_name or "").split())
    if not name:
        errors["display_name"] = "Give the child a name (a nickname is enough)."
    elif len(name) > 100:
        errors["display_name"] = "Use at most 100 characters."
    this_year = utcnow().year
    if birth_year is not None and not (this_year - 25 <= birth_year <= this_year):
        errors["birth_year"] = f"Give a year between {this_year - 25} and {this_year}, or none."
    names: list[str] = []
    for raw in instruments or []:
        each = " ".join(raw.split())
        if len(each) > 100:
            errors["instruments"] = "An instrument's name has at most 100 characters."
        elif each and each.casefold() not in {n.casefold() for n in names}:
            names.append(each)
    if len(names) > 10:
        errors["instruments"] = "Give at most 10 instruments."
    if errors:
        raise DomainError(errors)
    own = user.profile
    child = MusicianProfile(
        user_id=None,
        display_name=name,
        birth_year=birth_year,
        timezone=own.timezone,
        day_rollover_hour=own.day_rollover_hour,
        week_start=own.week_start,
        locale=own.locale,
        rest_weekdays=[],
    )
    db.session.add(child)
    db.session.flush()
    for position, each in enumerate(names):
        db.session.add(Instrument(profile_id=child.id, name=each, position=position))
    now = utcnow()
    db.session.add(
        Link(
            kind="guardian",
            user_id=user.id,
            profile_id=child.id,
            scopes=[],
            accepted_by=user.id,
            accepted_at=now,
        )
    )
    record_consent(user, child, "child_profile", version, ["profile"])
    db.session.flush()
    policy.forget_links()
    log.info("child profile created profile=%s guardian=%s", child.id, user.id)
    return child


def erase_child(user: User, child: MusicianProfile) -> None:
    """Erase a child's profile and everything in it; the guardian's own stays untouched."""
    if not child.is_child or policy.guardian_link(user, child) is None:
        raise NotFound()
    child_id = child.id
    _erase(child)
    log.info("child profile erased profile=%s by=%s", child_id, user.id)


def _erase(child: MusicianProfile) -> None:
    from woodshed.storage import backend_for

    files = backend_for(current_app.config)
    profile_id = child.id
    db.session.delete(child)
    db.session.flush()
    db.after_commit(lambda: files.delete_all(profile_id))


def teacher_links(user: User, child: MusicianProfile) -> list[Link]:
    """The teachers who see `child` now (its active teacher links), the longest-linked
    first; only the child's guardians ask (anyone else: 404)."""
    if policy.guardian_link(user, child) is None:
        raise NotFound()
    return list(
        db.session.scalars(
            policy.links_of(user)
            .where(
                Link.kind == "teacher",
                Link.profile_id == child.id,
                Link.ended_at.is_(None),
                Link.accepted_at.is_not(None),
            )
            .order_by(Link.accepted_at, Link.id)
        )
    )


# --- a second guardian ------------------------------------------------------------------------


def invite_guardian(user: User, child: MusicianProfile) -> tuple[GuardianInvite, str]:
    """A code another grown-up redeems to become the child's second guardian (once the
    inviting guardian has accepted them)."""
    from woodshed.teaching.codes import new_code

    if policy.guardian_link(user, child) is None:
        raise NotFound()
    code = new_code()
    invite = GuardianInvite(
        profile_id=child.id,
        invited_by=user.id,
        code_hash=hash_token(code),
        expires_at=utcnow() + timedelta(days=REQUEST_DAYS),
    )
    db.session.add(invite)
    db.session.flush()
    return invite, code


def redeem_guardian_code(user: User, raw_code: str) -> Link:
    """The invited grown-up's request to be a guardian: a link waiting for acceptance."""
    from woodshed.teaching.codes import ALPHABET, CODE_LENGTH, normalise_code

    code = normalise_code(raw_code)
    invite = None
    if len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code):
        invite = db.session.scalar(
            sa.select(GuardianInvite).where(GuardianInvite.code_hash == hash_token(code))
        )
    if invite is None:
        raise DomainError({"code": "There is no invitation with this code. Check each letter."})
    if invite.used_at is not None:
        raise DomainError({"code": "This code has been used already. Ask for a new one."})
    if invite.expires_at <= utcnow():
        raise DomainError({"code": "This code has expired. Ask for a new one."})
    if invite.invited_by == user.id:
        raise DomainError({"code": "This is your own invitation: give it to the other guardian."})
    existing = db.session.scalar(
        sa.select(Link).where(
            Link.kind == "guardian",
            Link.user_id == user.id,
            Link.profile_id == invite.profile_id,
            Link.ended_at.is_(None),
        )
    )
    if existing is not None:
        raise DomainError({"code": "You are this child's guardian already (or asked to be)."})
    claimed = db.session.execute(
        sa.update(GuardianInvite)
        .where(GuardianInvite.id == invite.id, GuardianInvite.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) == 0:
        raise DomainError({"code": "This code has been used already. Ask for a new one."})
    link = Link(kind="guardian", user_id=user.id, profile_id=invite.profile_id, scopes=[])
    db.session.add(link)
    db.session.flush()
    invite.link_id = link.id
    db.session.flush()
    return link


def pending_requests(user: User) -> list[Link]:
    """Second guardians waiting for `user` (a guardian of the same child) to accept them."""
    children = [c.id for c in children_of(user)]
    if not children:
        return []
    return list(
        db.session.scalars(
            sa.select(Link)
            .where(
                Link.guardian_request(),
                Link.profile_id.in_(children),
                Link.created_at > utcnow() - timedelta(days=REQUEST_DAYS),
            )
            .order_by(Link.created_at)
        )
    )


def _pending_for(user: User, link_id) -> Link:
    link = db.session.get(Link, link_id)
    if (
        link is None
        or link.kind != "guardian"
        or link.ended_at is not None
        or link.accepted_at is not None
        or policy.guardian_link(user, link.profile) is None
    ):
        raise NotFound()
    return link


def accept_guardian(user: User, link_id) -> Link:
    """The first guardian accepts the second: from now on they act for the child too."""
    link = _pending_for(user, link_id)
    if link.created_at <= utcnow() - timedelta(days=REQUEST_DAYS):
        raise DomainError({"link": "This request has lapsed. Send a new invitation."})
    link.accepted_at = utcnow()
    link.accepted_by = user.id
    db.session.flush()
    policy.forget_links()
    return link


def decline_guardian(user: User, link_id) -> Link:
    link = _pending_for(user, link_id)
    link.ended_at = utcnow()
    link.ended_by = user.id
    db.session.flush()
    return link


def leave_child(user: User, child: MusicianProfile) -> None:
    """A guardian stops being the child's guardian (the other guardian stays)."""
    link = policy.guardian_link(user, child)
    if link is None:
        raise NotFound()
    link.ended_at = utcnow()
    link.ended_by = user.id
    db.session.flush()
    policy.forget_links()


# --- moving a child's profile to the child's own account ---------------------------------------


def invite_move(user: User, child: MusicianProfile, email: str) -> tuple[ProfileMove, str]:
    """Email `email` a single-use link that creates the child's own account with this
    profile as its profile (docs/children.md). An address with an account already is a
    field error: a profile moves only to a new account, never beside another profile."""
    if not child.is_child or policy.guardian_link(user, child) is None:
        raise NotFound()
    address = normalise_email(email)
    if _account_for(address) is not None:
        raise DomainError(
            {
                "email": "This address has an account already. A profile moves only to a "
                "new account: give the child's own address that has no Woodshed account."
            }
        )
    if current_app.config["REGISTRATION_MODE"] == "closed":
        raise DomainError(
            {"email": "New accounts are closed on this server; ask its administrator."}
        )
    now = utcnow()
    # One open link per child: a new invitation replaces the ones before it.
    db.session.execute(
        sa.delete(ProfileMove).where(
            ProfileMove.profile_id == child.id, ProfileMove.used_at.is_(None)
        )
    )
    raw = generate_token()
    move = ProfileMove(
        profile_id=child.id,
        invited_by=user.id,
        email=address,
        token_hash=hash_token(raw),
        expires_at=now + timedelta(days=MOVE_DAYS),
    )
    db.session.add(move)
    db.session.flush()
    message = mail.render_mail(
        address,
        f"Your Woodshed practice profile, {child.display_name}, can become your own account",
        "profile_move",
        guardian=user.profile.display_name,
        name=child.display_name,
        accept_url=base_url() + url_for("family_move.move_form", token=raw),
        days=MOVE_DAYS,
    )
    outbox.queue(message, "profile_move")
    log.info("profile move invited profile=%s by=%s", child.id, user.id)
    return move, raw


def _account_for(address: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(address)))


def open_moves(children: list[MusicianProfile]) -> dict[uuid.UUID, ProfileMove]:
    """The link waiting to be opened for each of these children (the Family page)."""
    if not children:
        return {}
    rows = db.session.scalars(
        sa.select(ProfileMove).where(
            ProfileMove.profile_id.in_([c.id for c in children]),
            ProfileMove.used_at.is_(None),
            ProfileMove.expires_at > utcnow(),
        )
    )
    return {row.profile_id: row for row in rows}


class InvalidMoveLink(DomainError):
    """The link names no invitation, or one that cannot be used any more (422 on `token`)."""

    def __init__(self, message: str) -> None:
        super().__init__({"token": message})


def move_for_token(raw: str) -> ProfileMove:
    """The invitation of an emailed link, or InvalidMoveLink saying what is wrong with it."""
    move = None
    if raw and len(raw) <= 100:
        move = db.session.scalar(
            sa.select(ProfileMove).where(ProfileMove.token_hash == hash_token(raw))
        )
    if move is None:
        raise InvalidMoveLink(
            "This link is not valid: there is no such invitation. Open the link from the "
            "email exactly, or ask your guardian to send a new one."
        )
    if move.used_at is not None:
        raise InvalidMoveLink(
            "This link has been used already: the profile is an account now. Sign in with "
            "the address the email was sent to."
        )
    if move.expires_at <= utcnow():
        raise InvalidMoveLink(
            f"This link has expired (it works for {MOVE_DAYS} days). Ask your guardian to "
            "send a new one."
        )
    return move


def profile_of_move(move: ProfileMove) -> MusicianProfile:
    profile = db.session.get(MusicianProfile, move.profile_id)
    if profile is None or not profile.is_child:  # pragma: no cover - guarded by used_at
        raise InvalidMoveLink("This profile has moved already. Sign in instead.")
    return profile


def accept_move(raw: str, password: str) -> tuple[User, MusicianProfile]:
    """Create the child's own account from an invitation — the email it was sent to, the
    password chosen now, and the child's profile: the same row, so everything in it
    (journal, teacher links, assignments, badges, recordings, plans) is the account's.
    Answers the account and the profile that is now its own.

    The guardians' links end (kept as ended links, like a teacher's, so their notes stay
    attributed), open codes for a second guardian and other move links go, and the
    consents stay on record. Nothing changes unless every step succeeds."""
    from woodshed.accounts import passwords

    move = move_for_token(raw)
    problem = passwords.policy_problem(password or "")
    if problem:
        raise DomainError({"password": problem})
    if _account_for(move.email) is not None:
        raise InvalidMoveLink(
            "This address has an account already (made after the invitation). A profile "
            "moves only to a new account; ask your guardian to invite another address."
        )
    now = utcnow()
    claimed = db.session.execute(
        sa.update(ProfileMove)
        .where(ProfileMove.id == move.id, ProfileMove.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) == 0:
        raise InvalidMoveLink("This link has been used already. Sign in instead.")
    child = profile_of_move(move)
    user = User(email=move.email, password_hash=passwords.hash_password(password))
    user.profile = child  # the child's profile is the account's own: no second profile
    db.session.add(user)
    db.session.flush()
    db.session.execute(
        sa.update(Link)
        .where(Link.kind == "guardian", Link.profile_id == child.id, Link.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(GuardianInvite).where(GuardianInvite.profile_id == child.id))
    db.session.execute(
        sa.delete(ProfileMove).where(
            ProfileMove.profile_id == child.id, ProfileMove.used_at.is_(None)
        )
    )
    db.session.execute(
        sa.update(ProfileMove)
        .where(ProfileMove.id == move.id)
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire_all()
    policy.forget_links()
    log.info("child profile moved to its own account profile=%s user=%s", child.id, user.id)
    return user, child


# --- email for a child ------------------------------------------------------------------------


def allow_email(user: User, child: MusicianProfile, consent) -> Consent:
    """Email about the child (reminders, weekly reports) to this guardian's address."""
    if policy.guardian_link(user, child) is None:
        raise NotFound()
    version = check_consent(consent, "send email about a child")
    return record_consent(user, child, "child_email", version, ["email"], subject_id=user.id)


def email_recipients(profile: MusicianProfile) -> list[str]:
    """Where email about `profile` goes: the musician's address, or for a child the
    addresses of the guardians who consented to email for the child."""
    if profile.user is not None:
        return [profile.user.email]
    rows = db.session.scalars(
        sa.select(User.email)
        .join(Link, Link.user_id == User.id)
        .join(
            Consent,
            sa.and_(
                Consent.profile_id == Link.profile_id,
                Consent.guardian_id == User.id,
                Consent.kind == "child_email",
            ),
        )
        .where(
            Link.guarding(),
            Link.profile_id == profile.id,
        )
        .distinct()
    )
    return sorted(rows)


# --- notes and sign-offs ----------------------------------------------------------------------


def signoffs(profile: MusicianProfile, session_row: PracticeSession) -> list[Signoff]:
    return list(
        db.session.scalars(
            sa.select(Signoff)
            .where(Signoff.profile_id == profile.id, Signoff.session_id == session_row.id)
            .order_by(Signoff.created_at, Signoff.id)
        )
    )


def signed_off_items(profile: MusicianProfile, session_ids) -> dict:
    """{(session id, item index): [sign-offs]} for the sessions shown on a page."""
    found: dict = {}
    if not session_ids:
        return found
    for row in db.session.scalars(
        sa.select(Signoff)
        .where(Signoff.profile_id == profile.id, Signoff.session_id.in_(list(session_ids)))
        .order_by(Signoff.created_at)
    ):
        found.setdefault((row.session_id, row.item_index), []).append(row)
    return found


def _question_for(profile: MusicianProfile, session_row: PracticeSession, index: int):
    """The open assignment item with a teacher's question that the session's item works on."""
    from woodshed.assignments.models import Assignment, AssignmentItem

    item = session_row.items[index]
    day = session_row.practice_date
    conditions = []
    if item.section_id is not None:
        conditions.append(AssignmentItem.section_id == item.section_id)
    if item.piece_id is not None:
        conditions.append(
            sa.and_(AssignmentItem.piece_id == item.piece_id, AssignmentItem.section_id.is_(None))
        )
    if item.skill_id is not None:
        conditions.append(AssignmentItem.skill_id == item.skill_id)
    if not conditions:
        return None
    return db.session.scalar(
        sa.select(AssignmentItem)
        .join(Assignment, Assignment.id == AssignmentItem.assignment_id)
        .where(
            Assignment.profile_id == profile.id,
            Assignment.starts_on <= day,
            Assignment.due_on >= day,
            AssignmentItem.question != "",
            sa.or_(*conditions),
        )
        .order_by(Assignment.due_on, AssignmentItem.position)
        .limit(1)
    )


def check_may_sign_off(user: User, profile: MusicianProfile) -> None:
    """Only a guardian of the child signs off (403 for anyone else who may see the session);
    asked before what was sent is read, so nobody else learns what a sign-off checks."""
    if policy.guardian_link(user, profile) is None:
        raise Problem(403, "Only a child's guardian signs off their practice.")


def add_signoff(
    user: User,
    profile: MusicianProfile,
    session_row: PracticeSession,
    item_index: int | None = None,
    note: str = "",
    answer: str = "",
) -> Signoff:
    """A guardian's note on the child's session, or (with `item_index`) their sign-off of
    one item, answering the teacher's question on the assignment it works on."""
    check_may_sign_off(user, profile)
    note, answer = (note or "").strip(), (answer or "").strip()
    errors = {}
    if len(note) > SIGNOFF_NOTE_MAX_CHARS:
        errors["note"] = f"Keep this to {SIGNOFF_NOTE_MAX_CHARS} characters or fewer."
    if len(answer) > SIGNOFF_ANSWER_MAX_CHARS:
        errors["answer"] = f"Keep this to {SIGNOFF_ANSWER_MAX_CHARS} characters or fewer."
    question = None
    if item_index is not None:
        if not 0 <= item_index < len(session_row.items):
            errors["item_index"] = "This session has no such item."
        else:
            question = _question_for(profile, session_row, item_index)
    if answer and question is None and "item_index" not in errors:
        errors["answer"] = "No teacher asked a question about this item."
    if item_index is None and not note:
        errors["note"] = "Write a note, or choose an item to sign off."
    if errors:
        raise DomainError(errors)
    row = Signoff(
        profile_id=profile.id,
        session_id=session_row.id,
        guardian_id=user.id,
        item_index=item_index,
        assignment_item_id=question.id if question is not None and answer else None,
        note=note,
        answer=answer,
    )
    db.session.add(row)
    db.session.flush()
    return row


def question_of(profile: MusicianProfile, session_row: PracticeSession, index: int) -> str:
    item = _question_for(profile, session_row, index)
    return item.question if item is not None else ""


# --- kid mode ---------------------------------------------------------------------------------


def has_pin(user: User) -> bool:
    return db.session.scalar(sa.select(KidPin.id).where(KidPin.user_id == user.id)) is not None


def set_pin(user: User, pin: str, current: str | None = None) -> None:
    """Set the PIN that leaves kid mode (4–8 digits); changing it needs the current one."""
    pin = (pin or "").strip()
    if not _PIN.match(pin):
        raise DomainError({"pin": "A PIN is 4 to 8 digits (0–9), nothing else."})
    row = db.session.scalar(sa.select(KidPin).where(KidPin.user_id == user.id))
    if row is not None:
        check_pin(user, current or "", field="current_pin")
    if row is None:
        row = KidPin(user_id=user.id, pin_hash="")
        db.session.add(row)
    row.pin_hash = hash_password(pin)
    row.failures = 0
    row.locked_until = None
    row.updated_at = utcnow()
    db.session.flush()


def check_pin(user: User, pin: str, *, field: str = "pin") -> None:
    """The guardian's PIN, or a 422 on `field`; the third wrong try in a row locks it for
    5 minutes (429 with Retry-After). Wrong tries are counted even though the request fails."""
    row = db.session.scalar(sa.select(KidPin).where(KidPin.user_id == user.id).with_for_update())
    if row is None:
        raise DomainError({field: "Set a PIN first (Family page)."})
    now = utcnow()
    if row.locked_until is not None and row.locked_until > now:
        raise TooManyRequests(max(1, int((row.locked_until - now).total_seconds()) + 1))
    if _PIN.match(pin or "") and verify_password(row.pin_hash, pin):
        row.failures = 0
        row.locked_until = None
        return
    row.failures += 1
    locked = row.failures >= PIN_TRIES
    if locked:
        row.failures = 0
        row.locked_until = now + PIN_LOCK
    db.session.commit()  # the count survives the refused request
    if locked:
        raise TooManyRequests(int(PIN_LOCK.total_seconds()))
    raise DomainError({field: "That is not the PIN."})


def enter_kid_mode(user: User, child: MusicianProfile) -> None:
    if not has_pin(user):
        raise DomainError({"pin": "Set a PIN first: it is what leaves kid mode."})
    session[policy.KID_MODE_KEY] = str(child.id)


def leave_kid_mode(user: User, pin: str) -> None:
    check_pin(user, pin)
    session.pop(policy.KID_MODE_KEY, None)


def follow_guardians_settings(_profile, *, user: User, changes: dict) -> None:
    """A guardian's time zone, day start, week start and language are the family's: each
    child they guard takes them too (docs/children.md). Subscribed to
    `events.family_settings_changed`."""
    for child in children_of(user):
        for key, value in changes.items():
            setattr(child, key, value)


# --- retention (docs/children.md) -------------------------------------------------------------


def apply_retention(now: datetime | None = None) -> dict[str, int]:
    """What docs/children.md promises: lapsed second-guardian requests end, and a child
    profile with no guardian for ORPHAN_DAYS is erased. Run by the worker on each pass."""
    now = now or utcnow()
    lapsed = rowcount(
        db.session.execute(
            sa.update(Link)
            .where(
                Link.guardian_request(),
                Link.created_at <= now - timedelta(days=REQUEST_DAYS),
            )
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    guarded = (
        sa.select(Link.id)
        .where(
            Link.profile_id == MusicianProfile.id,
            Link.kind == "guardian",
            sa.or_(Link.ended_at.is_(None), Link.ended_at > now - timedelta(days=ORPHAN_DAYS)),
        )
        .exists()
    )
    orphans = db.session.scalars(
        sa.select(MusicianProfile).where(
            MusicianProfile.user_id.is_(None),
            MusicianProfile.created_at <= now - timedelta(days=ORPHAN_DAYS),
            ~guarded,
        )
    ).all()
    for child in orphans:
        child_id = child.id
        _erase(child)
        log.info("child erased after %d days without a guardian profile=%s", ORPHAN_DAYS, child_id)
    db.session.commit()
    return {"lapsed_requests": lapsed, "erased_children": len(orphans)}


def _retention_pass(now: datetime) -> int:
    """The worker's pass (a delivery scheduler that schedules nothing)."""
    apply_retention(now)
    return 0


def register(app) -> None:
    """Each worker pass applies the retention rules of docs/children.md."""
    app.extensions.setdefault("woodshed.delivery_schedulers", []).append(_retention_pass)


def signoff_context(viewer, profile: MusicianProfile, session_row: PracticeSession) -> dict:
    """What the session page shows of sign-offs (to everyone who sees it), and whether the
    viewer may sign off (a guardian of the child), with each item's teacher's question."""
    user = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    may = policy.guardian_link(user, profile) is not None
    questions = {}
    if may:
        for index in range(len(session_row.items)):
            question = question_of(profile, session_row, index)
            if question:
                questions[index] = question
    return {
        "signoffs": signed_off_items(profile, [session_row.id]),
        "may_sign_off": may,
        "signoff_questions": questions,
    }
