"""Who may see, edit, comment on or refer to what. The only place access is decided.

Journal data belongs to a musician profile. A request acts on one profile, resolved here
(`request_profile`, `current_profile`): the account's own, or — named by the request
(`requested_profile_id`: `/students/<profile id>/…` for pages, `?profile_id=` for the API) —
a profile the account is linked to (`teaching.models.Link`: a teacher reading a student;
next, a guardian acting for a child). What a link allows is its scopes; a teacher never
sees private entries and never changes the student's journal. Objects of other profiles
are reported as missing — 404 for an object in the path, a 422 on the field for a
reference in input — never as forbidden, so ids of other people's data reveal nothing.
Every refusal of an object that exists is logged to `woodshed.security`.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import NoReturn, TypeVar, cast

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from woodshed.accounts.models import AuthSession, User
from woodshed.db import SAFE_METHODS, db
from woodshed.errors import DomainError, NotFound, Problem
from woodshed.goals.models import Goal
from woodshed.journal.models import PracticeSession
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.teaching.models import Link
from woodshed.tokens import hash_token

log = logging.getLogger("woodshed.security")
T = TypeVar("T")

#: Requests whose object in the path is locked while they run (see owned_or_404).
EDIT_METHODS = frozenset({"PATCH", "PUT", "DELETE"})

#: The answer to a client-chosen id that another profile's object already has.
ID_IN_USE = {"id": "This id is already in use."}


# --- who may do what with a profile ---------------------------------------------------------


def _is_own(user: User, profile: MusicianProfile) -> bool:
    return profile.user_id is not None and profile.user_id == user.id


def guardian_link(user: User | None, profile: MusicianProfile | None) -> Link | None:
    """The accepted, active guardian link between `user` and `profile` (a child), read once
    per request. A second guardian's link counts once the first has accepted it."""
    if user is None or profile is None or user.disabled:
        return None
    cache = request.environ.setdefault(_LINKS_KEY, {}) if has_request_context() else {}
    key = ("guardian", user.id, profile.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            sa.select(Link).where(
                Link.guarding(),
                Link.user_id == user.id,
                Link.profile_id == profile.id,
            )
        )
    return cache[key]


def is_family(user: User | None, profile: MusicianProfile | None) -> bool:
    """The musician, or a guardian of the child: full read and write, private entries too."""
    if user is None or profile is None:
        return False
    return _is_own(user, profile) or guardian_link(user, profile) is not None


def active_link(user: User | None, profile: MusicianProfile | None) -> Link | None:
    """The active teacher link between `user` and `profile`, read once per request.

    Only a teaching account's links count (an account that stops teaching sees nothing),
    and an ended link is no link: the request after it ends is refused.
    """
    if user is None or profile is None or not user.is_teacher or user.disabled:
        return None
    cache = request.environ.setdefault(_LINKS_KEY, {}) if has_request_context() else {}
    key = ("teacher", user.id, profile.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            sa.select(Link).where(
                Link.kind == "teacher",
                Link.user_id == user.id,
                Link.profile_id == profile.id,
                Link.ended_at.is_(None),
            )
        )
    return cache[key]


_LINKS_KEY = "woodshed.policy.links"


def forget_links() -> None:
    """Drop this request's remembered links (after a link was made or ended in it)."""
    if has_request_context():
        request.environ.pop(_LINKS_KEY, None)


def has_scope(user: User | None, profile: MusicianProfile, scope: str) -> bool:
    """Whether `user` may do `scope` (`sessions:read` …) with `profile`: the musician and
    a child's guardians always, a linked teacher when the link grants it."""
    if user is None:
        return False
    if is_family(user, profile):
        return True
    link = active_link(user, profile)
    return link is not None and scope in link.scopes


def can_view(user: User | None, profile: MusicianProfile) -> bool:
    return has_scope(user, profile, "sessions:read")


def can_edit(user: User | None, profile: MusicianProfile) -> bool:
    return is_family(user, profile)


def can_comment(user: User | None, profile: MusicianProfile) -> bool:
    return has_scope(user, profile, "sessions:comment")


def can_view_recordings(user: User | None, profile: MusicianProfile) -> bool:
    """The musician's takes: the musician, and a linked teacher whose link allows it."""
    return has_scope(user, profile, "recordings:read")


def can_comment_on_recordings(user: User | None, profile: MusicianProfile) -> bool:
    return has_scope(user, profile, "recordings:comment")


def is_linked_teacher(user: User | None, profile: MusicianProfile) -> bool:
    """Whether `user` reads `profile` as its linked teacher (not the musician)."""
    return (
        user is not None and not _is_own(user, profile) and active_link(user, profile) is not None
    )


def can_view_private(user: User | None, profile: MusicianProfile) -> bool:
    """Private entries are for the musician (and a guardian), never for a teacher."""
    return is_family(user, profile)


def may_teach(user: User | None) -> bool:
    """Whether `user` may use the studio (invite students, see their links)."""
    return user is not None and user.is_teacher and not user.disabled


def can_administer(user: User | None) -> bool:
    return user is not None and user.is_admin and not user.disabled


# --- the profile a request acts on ----------------------------------------------------------


#: Where the student prefix middleware leaves the profile id a page URL names.
STUDENT_KEY = "woodshed.student_profile_id"
#: … and the prefix itself (`/students/<id>` for a teacher, `/children/<id>` for a guardian).
PREFIX_KEY = "woodshed.profile_prefix"
_STUDENT_PATH = re.compile(r"^/(students|children)/([0-9a-fA-F-]{36})(/.*)?$")


class StudentPrefix:
    """WSGI middleware: `/students/<profile id>/journal` (a teacher reading a student) and
    `/children/<profile id>/journal` (a guardian acting for a child) are `/journal` for
    that profile.

    The prefix moves into SCRIPT_NAME, so the same views answer and every `url_for` on the
    page keeps it; `requested_profile_id` reads the id, and the gate decides.
    """

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        match = _STUDENT_PATH.match(environ.get("PATH_INFO", ""))
        if match:
            prefix = f"/{match.group(1)}/{match.group(2)}"
            environ[STUDENT_KEY] = match.group(2)
            environ[PREFIX_KEY] = prefix
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
            environ["PATH_INFO"] = match.group(3) or "/"
        return self.wsgi_app(environ, start_response)


def requested_profile_id() -> uuid.UUID | None:
    """The profile this request asks to act for, or None for the account's own.

    Pages name it by the `/students/<id>/` prefix (`StudentPrefix`), the API by the
    `profile_id` query parameter; `acting_profile` then decides whether it is allowed. An id
    that is not a UUID names nobody anyone may see: 404.
    """
    if not has_request_context():
        return None
    raw = request.environ.get(STUDENT_KEY)
    if raw is None and request.path.startswith("/api/"):
        raw = request.args.get("profile_id")
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound() from None


#: What a linked teacher may read of a student, by scope: the endpoints that show the
#: student's data read-only through the student's own views. Everything else under a
#: student's name is a 404 for a teacher (there is nothing of the student's to see there).
READABLE_BY_SCOPE = {
    "sessions:read": frozenset(
        {
            "journal.index",
            "journal.show",
            "search.index",
            "journal_api.list_sessions",
            "journal_api.get_session",
            "guardian_api.list_signoffs",
            "search_api.search",
            # Statistics and heatmap: the rollups' "shared" rows (no private session).
            "stats.index",
            "stats.chart_csv",
            "stats_api.summary",
            "stats_api.heatmap",
            "stats_api.timeseries",
            "stats_api.breakdown",
            "stats_api.streaks",
            "stats_api.progress",
            # Repertoire with passages and tempo histories, and goals.
            "repertoire.pieces",
            "repertoire.piece",
            "repertoire.skills",
            "repertoire.skill",
            "repertoire_api.list_pieces",
            "repertoire_api.get_piece",
            "repertoire_api.list_sections",
            "repertoire_api.get_section",
            "repertoire_api.list_skills",
            "repertoire_api.get_skill",
            "goals.index",
            "goals.goal",
            "goals_api.list_goals",
            "goals_api.get_goal",
        }
    ),
}
#: What a linked teacher may add to a student's data, by scope: their own objects
#: (assignments; comments), never a change to what the student wrote.
READABLE_BY_SCOPE["reports:read"] = frozenset(
    {"reports.index", "reports.week", "reports_api.get_report"}
)
#: A teacher who may listen: the student's takes (never a private session's), their
#: comments, and the signed links to play them (issued only by these endpoints).
READABLE_BY_SCOPE["recordings:read"] = frozenset(
    {
        "recordings.index",
        "recordings.detail",
        "recordings.media",
        "recordings_api.list_recordings",
        "recordings_api.get_recording",
        "recordings_api.list_comments",
    }
)
WRITABLE_BY_SCOPE = {
    # "Teacher listened": the teacher's own mark on the take, set by playing most of it.
    "recordings:read": frozenset({"recordings.listened", "recordings_api.mark_listened"}),
    # Comments on takes, and "bar 30 is here" marks (the sync points comments' bars follow).
    "recordings:comment": frozenset(
        {"recordings.comment", "recordings_api.create_comment", "recordings_api.put_sync_points"}
    ),
    "sessions:comment": frozenset(
        {
            "comments_api.list_session_comments",
            "comments_api.comment_on_session",
            "comments.comment_on_session",
        }
    ),
    "assignments:write": frozenset(
        {
            "assignments.index",
            "assignments.show",
            "assignments_api.list_assignments",
            "assignments_api.get_assignment",
            "assignments.new",
            "assignments.create",
            "assignments.edit",
            "assignments.update",
            "assignments.delete",
            "assignments_api.create_assignment",
            "assignments_api.patch_assignment",
            "assignments_api.delete_assignment",
        }
    ),
}
#: Every endpoint some scope lets a teacher use, for the acting profile's read/edit choice.
_SCOPED_WRITES = frozenset().union(*WRITABLE_BY_SCOPE.values())


def _by_scope(table: dict, user: User | None, profile: MusicianProfile, endpoint) -> bool:
    if user is None:
        return False
    if is_family(user, profile):
        return True
    return any(
        endpoint in endpoints and has_scope(user, profile, scope)
        for scope, endpoints in table.items()
    )


def readable(user: User | None, profile: MusicianProfile, endpoint: str | None) -> bool:
    """Whether `user` may read `profile`'s data at `endpoint` (the musician: everywhere)."""
    return _by_scope(READABLE_BY_SCOPE, user, profile, endpoint)


def writable(user: User | None, profile: MusicianProfile, endpoint: str | None) -> bool:
    """Whether `user` may add their own objects to `profile`'s data at `endpoint`."""
    return _by_scope(WRITABLE_BY_SCOPE, user, profile, endpoint)


def can_assign(user: User | None, profile: MusicianProfile) -> bool:
    """A linked teacher whose link allows it sets a student assignments (not the student)."""
    return (
        user is not None
        and not is_family(user, profile)
        and (has_scope(user, profile, "assignments:write"))
    )


def check_request(user: User | None) -> None:
    """The gate for a request that names another profile, before its view runs.

    A profile the account may not see, or a page of it the link does not open, is a 404.
    A change by a linked teacher to what they can see is a 403 — they read, the student
    writes — and a 404 when the path names something they cannot see (a private entry).
    """
    profile_id = requested_profile_id()
    check_kid_mode(user, profile_id)
    if profile_id is None or user is None or profile_id == user.profile.id:
        return
    profile = db.session.get(MusicianProfile, profile_id)
    if profile is None or not can_view(user, profile):
        deny(user, "profile", profile_id)
    if guardian_link(user, profile) is not None:
        # A guardian acts for the child everywhere but on the account's own pages.
        if _account_only(request.endpoint):
            deny(user, "account page for profile", profile_id)
        return
    if request.method in SAFE_METHODS:
        if not (
            readable(user, profile, request.endpoint) or writable(user, profile, request.endpoint)
        ):
            deny(user, "page of profile", profile_id)
        return
    if writable(user, profile, request.endpoint):
        return
    for name, value in (request.view_args or {}).items():
        model = _PATH_MODELS.get((request.blueprint or "", name))
        if model is not None:
            obj = cast("_PathModel | None", db.session.get(model, value))
            if obj is None or obj.profile_id != profile.id or _hidden(obj, user, profile):
                deny(user, name, value)
    log.warning(
        "write refused user=%s profile=%s %s %s", user.id, profile_id, request.method, request.path
    )
    raise Problem(403, "A teacher reads a student's journal; only the student changes it.")


#: Pages and operations about the account itself (sign-in, security, the studio, the
#: family): a guardian acting for a child has none of the child's there (404).
ACCOUNT_BLUEPRINTS = frozenset(
    {"accounts", "accounts_api", "admin", "family", "family_api", "family_move", "teaching_api"}
)
#: … except these, which act on the child (a teacher's code redeemed for the child).
CHILD_ACCOUNT_ENDPOINTS = frozenset({"teaching.join_form", "teaching.join", "teaching.accept"})


def _account_only(endpoint: str | None) -> bool:
    if endpoint is None or endpoint in CHILD_ACCOUNT_ENDPOINTS:
        return False
    blueprint = endpoint.rpartition(".")[0]
    if blueprint == "teaching":
        return True
    return blueprint in ACCOUNT_BLUEPRINTS


# --- kid mode -------------------------------------------------------------------------------

#: Where the browser's session remembers the child a kid-mode session is for.
KID_MODE_KEY = "kid_mode"
#: What a child may open in kid mode, only for their own profile: their home, quick log,
#: timer (and the entry it opens), badges, and the PIN form that leaves kid mode.
KID_ENDPOINTS = frozenset(
    {
        "guardian.kid_home",
        "guardian.kid_exit",
        "guardian.kid_leave",
        "journal.quick",
        "journal.timer",
        "journal.new",
        "journal.create",
        "journal.show",
        "stats.badges_page",
    }
)
#: Files and documents that are nobody's data, open in kid mode as anywhere.
KID_PUBLIC = frozenset({"static", "sync.manifest", "sync.service_worker", "core.healthz"})


def kid_mode_profile_id() -> uuid.UUID | None:
    """The child this browser session is locked to (kid mode), or None."""
    if not has_request_context():
        return None
    from flask import session

    raw = session.get(KID_MODE_KEY)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def check_kid_mode(user: User | None, profile_id: uuid.UUID | None) -> None:
    """A kid-mode session opens only its child's kid pages: another profile's page is a 404
    (like any profile one may not see), anything else — the guardian's pages, the child's
    other pages — a 403 that says how to leave kid mode. A bearer token has no kid mode.
    Kid mode for a profile that is no longer this guardian's child (moved to its own
    account, erased, left) signs the browser out."""
    kid = kid_mode_profile_id()
    if kid is None or user is None or request.endpoint in KID_PUBLIC:
        return
    if request.path.startswith("/api/") and g.get("api_auth") == "bearer":
        return
    child = db.session.get(MusicianProfile, kid)
    if child is None or not child.is_child or guardian_link(user, child) is None:
        _end_kid_mode_browser(user, kid)
    if profile_id is not None and profile_id != kid:
        deny(user, "profile in kid mode", profile_id)
    if profile_id == kid and request.endpoint in KID_ENDPOINTS:
        return
    log.info("kid mode refused user=%s %s %s", user.id, request.method, request.path)
    raise Problem(403, "Kid mode is on: ask your grown-up to leave kid mode with their PIN.")


def _end_kid_mode_browser(user: User, kid: uuid.UUID) -> NoReturn:
    """Kid mode for a profile that left the family (moved to the child's own account, or
    erased) cannot be left with the PIN on that profile's pages any more; the browser is
    signed out instead — never let into the guardian's own pages without the PIN."""
    from flask import session

    raw = session.get("sid")
    if raw:
        db.session.execute(sa.delete(AuthSession).where(AuthSession.token_hash == hash_token(raw)))
        db.session.commit()  # the refusal below rolls the request back; this must stay
    session.clear()
    log.info("kid mode ended: profile=%s left the family of user=%s", kid, user.id)
    raise Problem(403, "Kid mode ended: this profile is no longer managed here. Sign in again.")


_PathModel = PracticeSession | Piece | Section | Skill | Goal

#: The objects a path may name where a teacher reads (to answer a write 403 or 404), by
#: blueprint and path parameter.
_PATH_MODELS: dict[tuple[str, str], type[_PathModel]] = {
    ("journal", "session_id"): PracticeSession,
    ("journal_api", "session_id"): PracticeSession,
    ("repertoire", "piece_id"): Piece,
    ("repertoire_api", "piece_id"): Piece,
    ("repertoire", "section_id"): Section,
    ("repertoire_api", "section_id"): Section,
    ("repertoire", "skill_id"): Skill,
    ("repertoire_api", "skill_id"): Skill,
    ("goals", "goal_id"): Goal,
    ("goals_api", "goal_id"): Goal,
}


def _hidden(obj, user: User | None, profile: MusicianProfile) -> bool:
    """A private entry is hidden from everyone but those who may see private entries."""
    return bool(getattr(obj, "private", False)) and not can_view_private(user, profile)


def _viewer() -> User | None:
    """Who is asking in this request: the API's bearer (or cookie) user, a page's signed-in
    person; None outside requests (the worker, commands), which act for the owner."""
    if not has_request_context():
        return None
    if request.path.startswith("/api/"):
        return g.get("api_user")
    return current_user._get_current_object() if current_user.is_authenticated else None


def sees_private(profile: MusicianProfile) -> bool:
    """Whether this request's asker may see `profile`'s private entries.

    Without a signed-in asker — the worker, commands, a secret link — the code acts for the
    musician: nobody unauthenticated reaches a profile's entries except through the
    owner's own secret links, which show no sessions.
    """
    viewer = _viewer()
    return viewer is None or can_view_private(viewer, profile)


def shown_sessions(profile: MusicianProfile) -> sa.ColumnElement[bool]:
    """A condition on `PracticeSession` for reads that join the sessions themselves (tempo
    histories, goal progress): every session for those who see private entries, the
    non-private ones for anyone else (a teacher)."""
    return sa.true() if sees_private(profile) else PracticeSession.private.is_(False)


def acting_profile(
    user: User, profile_id: uuid.UUID | None = None, *, for_edit: bool = True
) -> MusicianProfile:
    """The profile `user` works on; one they may not see (or, for_edit, change) is a 404."""
    if profile_id is None or profile_id == user.profile.id:
        return user.profile
    profile = db.session.get(MusicianProfile, profile_id)
    allowed = can_edit if for_edit else can_view
    if profile is None or not allowed(user, profile):
        deny(user, "profile", profile_id)
    return profile


def request_profile(user: User, *, for_edit: bool | None = None) -> MusicianProfile:
    """The profile `user` acts on in this request: a read for safe methods, else an edit."""
    if for_edit is None:
        # A teacher's scoped write (an assignment) reads the student's profile; the
        # service then checks the scope (`can_assign`).
        for_edit = request.method not in SAFE_METHODS and request.endpoint not in _SCOPED_WRITES
    return acting_profile(user, requested_profile_id(), for_edit=for_edit)


def current_profile(*, for_edit: bool | None = None) -> MusicianProfile | None:
    """The signed-in person's acting profile in this request (pages, templates); None when
    nobody is signed in."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return request_profile(current_user._get_current_object(), for_edit=for_edit)


def signed_in_profile(*, for_edit: bool | None = None) -> MusicianProfile:
    """`current_profile()` in a page behind `login_required`, where somebody is signed in."""
    profile = current_profile(for_edit=for_edit)
    if profile is None:
        raise RuntimeError("signed_in_profile() needs a signed-in request (login_required)")
    return profile


def shown_profile() -> MusicianProfile | None:
    """The profile a page is shown for (its times, header and counters): the acting
    profile for reading, or None when nobody is signed in or the request names a profile
    it may not see — whose error page then shows nobody's."""
    try:
        return current_profile(for_edit=False)
    except NotFound:
        return None


def sees_recordings(profile: MusicianProfile) -> bool:
    """Whether this request's asker may see `profile`'s takes and get links to play them
    (the session and piece pages list takes only then). Outside requests — the worker,
    commands — the code acts for the musician."""
    viewer = _viewer()
    return viewer is None or can_view_recordings(viewer, profile)


def own_profile() -> MusicianProfile | None:
    """The signed-in person's own profile, for what is theirs whoever's page they look at
    (the notification bell); None when nobody is signed in."""
    user = _viewer()
    return user.profile if user is not None else None


def student_shown() -> MusicianProfile | None:
    """The other person's profile this page shows (a teacher on a student's pages), if any."""
    shown, viewer = shown_profile(), _viewer()
    if shown is None or viewer is None or is_family(viewer, shown):
        return None
    return shown


def page_opens(endpoint: str) -> bool:
    """Whether a page shown now may link to `endpoint` (or post a form to it) and have it
    open: always on one's own pages; on a student's pages what the teacher's link reads or
    writes; on a child's pages everything but the account's own pages. `check_request`
    decides the same way, so a link left out here is a 404 there."""
    shown, viewer = shown_profile(), _viewer()
    if shown is None or viewer is None or _is_own(viewer, shown):
        return True
    if guardian_link(viewer, shown) is not None:
        return not _account_only(endpoint)
    return readable(viewer, shown, endpoint) or writable(viewer, shown, endpoint)


def child_shown() -> MusicianProfile | None:
    """The child this page acts for (a guardian on a child's pages), if any."""
    shown, viewer = shown_profile(), _viewer()
    if shown is None or viewer is None or _is_own(viewer, shown):
        return None
    return shown if guardian_link(viewer, shown) is not None else None


# --- objects of a profile -------------------------------------------------------------------


def _belongs(obj, profile: MusicianProfile) -> bool:
    """Whether `obj` is `profile`'s and shown to this request (a private entry: only to
    those who may see private entries)."""
    if obj.profile_id != profile.id:
        return False
    return not getattr(obj, "private", False) or sees_private(profile)


def _label(model: type) -> str:
    """`PracticeSession` → "practice session": what a message calls the model's objects."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()


def owned_or_404(model: type[T], obj_id, profile: MusicianProfile, *, lock: bool = False) -> T:
    """Load a row of `model` that belongs to `profile`, or answer 404.

    In a request that changes or deletes what its path names (PATCH, PUT, DELETE) the row
    is locked until the request commits (FOR UPDATE on PostgreSQL; SQLite writers hold
    the write lock already), so concurrent edits without `If-Match` apply one after the
    other instead of failing as stale. `lock=True` asks for it in a POST that edits.
    """
    try:
        key = obj_id if isinstance(obj_id, uuid.UUID) else uuid.UUID(str(obj_id))
    except ValueError:
        raise NotFound() from None
    lock = lock or (has_request_context() and request.method in EDIT_METHODS)
    obj = db.session.get(model, key, with_for_update={"of": model} if lock else None)
    if obj is None:
        raise NotFound()
    if not _belongs(obj, profile):
        # Someone else's object: the same 404 as a missing one, but worth a line in the log.
        log.warning("access denied to another profile's %s=%s", model.__name__, key)
        raise NotFound()
    return obj


def owned(model, profile: MusicianProfile) -> sa.Select:
    """`select(model)` restricted to one profile's rows (and the ones this request may
    see: no private entries for a teacher)."""
    stmt = sa.select(model).where(model.profile_id == profile.id)
    if hasattr(model, "private") and not sees_private(profile):
        stmt = stmt.where(model.private.is_(False))
    return stmt


def referenced(
    model: type[T],
    obj_id: uuid.UUID | None,
    profile: MusicianProfile,
    *,
    field: str,
    errors: dict[str, str] | None = None,
) -> T | None:
    """The object an input field names by id, if `profile` may refer to it.

    A missing id and another profile's read the same — "There is no such piece in your
    journal." on `field` — and the latter is logged. With `errors` the message is added
    there (so a form reports every field at once) and None returned; without, it is raised.
    """
    if obj_id is None:
        return None
    obj = db.session.get(model, obj_id)
    if obj is not None and _belongs(obj, profile):
        return obj
    if obj is not None:
        log.warning(
            "reference refused to another profile's %s=%s in %s", model.__name__, obj_id, field
        )
    message = {field: f"There is no such {_label(model)} in your journal."}
    if errors is None:
        raise DomainError(message)
    errors.update(message)
    return None


def existing_for_client_id(model: type[T], obj_id: uuid.UUID | None, profile) -> T | None:
    """The object a re-sent client-chosen id already created; another profile's is refused."""
    if obj_id is None:
        return None
    existing = db.session.get(model, obj_id)
    if existing is None:
        return None
    if not _belongs(existing, profile):
        log.warning("client id of another profile's %s=%s refused", model.__name__, obj_id)
        raise DomainError(ID_IN_USE)
    return existing


def insert_or_existing(
    obj: T,
    profile: MusicianProfile,
    *,
    key: tuple[str, ...] = ("id",),
    taken: dict[str, str] | None = None,
) -> tuple[T, bool]:
    """Store the new row `obj`, or return the stored row that has its `key` already.

    The row is added and flushed in a savepoint. When a unique key refuses it because a
    concurrent request stored the same client id (or natural key, e.g. a tag's name)
    first, the savepoint is rolled back and that row read instead: the profile's own comes
    back with `created` False, another profile's is refused like `existing_for_client_id`,
    and a clash on another unique key is the field error `taken` (without it, re-raised).
    Returns `(row, created)`.
    """
    model = type(obj)
    values = {name: getattr(obj, name) for name in key}
    db.session.flush()  # what was pending before is not this row's business
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        found = None
        if all(v is not None for v in values.values()):
            found = db.session.scalar(sa.select(model).filter_by(**values))
        if found is None:
            if taken is None:
                raise
            raise DomainError(taken) from None
        if not _belongs(found, profile):
            log.warning("client id of another profile's %s=%s refused", model.__name__, values)
            raise DomainError(ID_IN_USE) from None
        return found, False
    return obj, True


def links_of(user: User) -> sa.Select:
    """The links `user` is a side of (as `link_party_or_404` decides one by one): theirs as
    a teacher or a guardian, the links that open their own profile, and the teacher links
    of the children they are an accepted guardian of."""
    children = sa.select(Link.profile_id).where(
        Link.guarding(),
        Link.user_id == user.id,
    )
    return sa.select(Link).where(
        sa.or_(
            Link.user_id == user.id,
            Link.profile_id == user.profile.id,
            sa.and_(Link.kind == "teacher", Link.profile_id.in_(children)),
        )
    )


def link_party_or_404(link_id, user: User) -> Link:
    """A link `user` is a side of — its teacher (or guardian), or the musician whose
    profile it opens; anyone else's is a 404."""
    link = db.session.get(Link, link_id)
    if link is None or not (
        user.id in (link.user_id, link.profile.user_id)
        or (link.kind == "teacher" and guardian_link(user, link.profile) is not None)
    ):
        if link is not None:
            log.warning("access denied to another's link=%s user=%s", link_id, user.id)
        raise NotFound()
    return link


def deny(user: User | None, what: str, obj_id) -> NoReturn:
    log.warning(
        "access denied user=%s %s=%s %s %s",
        user.id if user else "-",
        what,
        obj_id,
        request.method,
        request.path,
    )
    raise NotFound()


def shared_by_link_or_404(model: type[T], token: str | None, column=None) -> T:
    """An object visible to whoever holds the secret link its owner made: a published plan
    template (`share_token_hash`), a calendar feed (`token_hash`).

    The token in the link is the permission, so the row is found only by the SHA-256 of
    that token, in `column` (the model's `share_token_hash` unless named).
    """
    if not token or len(token) > 200:
        raise NotFound()
    column = model.share_token_hash if column is None else column  # type: ignore[attr-defined]
    obj = db.session.scalar(sa.select(model).where(column == hash_token(token)))
    if obj is None:
        raise NotFound()
    return obj
