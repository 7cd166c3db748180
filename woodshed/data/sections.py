"""What the export holds, in dependency order, and what it leaves out (and why).

To add a table: one `Part(...)` below (nested under its parent if it has one), or one
line in EXCLUDED with the reason. Then regenerate the JSON Schema
(`woodshed export-schema > woodshed/data/export.schema.json`) and describe the fields in
`docs/export-format.md`; the tests check all three agree.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, StringConstraints
from pydantic_core import PydanticCustomError

from woodshed.assignments.models import Assignment, AssignmentItem
from woodshed.comments.models import Comment
from woodshed.data.models import ImportMapping
from woodshed.data.registry import STRICT, Codec, Link, Part, shallow
from woodshed.family.models import Consent, Signoff
from woodshed.goals.models import Goal, GoalChecklistItem
from woodshed.journal.models import (
    Evidence,
    PracticeSession,
    SessionItem,
    SessionRevision,
    Tag,
    session_goals,
    session_tags,
)
from woodshed.library.models import Resource
from woodshed.notify.models import Notification, NotificationSettings, Reminder
from woodshed.plans.models import Plan, PlanItem, PlanOccurrence, PlanTemplate
from woodshed.profiles.models import Instrument
from woodshed.profiles.schemas import ProfileFields
from woodshed.recordings.models import ORIGINAL, Recording, RecordingComment
from woodshed.repertoire.models import Piece, PieceStatusChange, Section, Skill
from woodshed.stats.models import EarnedBadge, SkipPeriod
from woodshed.validation import JsonSchemaGenerator, Timezone, text

FORMAT = "woodshed-export"
VERSION = 1
SUPPORTED_VERSIONS = (1,)


# --- codecs: columns that need more than a plain conversion ---------------------------------


def _web_url(value: str | None) -> str | None:
    if value and not value.lower().startswith(("https://", "http://")):
        raise PydanticCustomError("url", "Enter a full web address starting with https://.")
    return value


def _app_or_web_url(value: str | None) -> str | None:
    if value and not (value.startswith("/") and not value.startswith("//")):
        return _web_url(value)
    return value


WebUrl = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_web_url)]
AppUrl = Annotated[str, StringConstraints(max_length=500), AfterValidator(_app_or_web_url)]

#: Links a person can click are checked on the way in: no `javascript:` from a crafted file.
WEB_URL = Codec(WebUrl | None)
APP_URL = Codec(AppUrl | None)
#: A session keeps the zone it was logged in; an unknown zone name would break its display.
TIMEZONE = Codec(Timezone)
#: Who edited: the account itself, someone else (a guardian), or unknown (account gone).
EDITOR = Codec(
    Literal["self", "other"] | None,
    key="editor",
    dump=lambda value, ctx: (
        None if value is None else ("self" if value == ctx.owner_user_id else "other")
    ),
    load=lambda value, ctx: ctx.owner_user_id if value == "self" else None,
)
#: Who set an assignment: a teacher (an account of this server, so no id), or unknown.
SET_BY = Codec(
    Literal["teacher"] | None,
    dump=lambda value, ctx: None if value is None else "teacher",
    load=lambda value, ctx: None,
)
#: A guardian who signed off or consented: an account of this server, so no id; "guardian",
#: or unknown (the account is gone). A restored row names no account (nobody is made a
#: guardian by a file), and shows as "Former guardian".
GUARDIAN = Codec(
    Literal["guardian"] | None,
    key="guardian",
    dump=lambda value, ctx: None if value is None else "guardian",
    load=lambda value, ctx: None,
)
#: A guardian's answer to a teacher's question is typed text (it may hold line breaks).
ANSWER = Codec(text(500))
#: Revision history mentions ids (instrument, goals); they follow the objects when remapped.
CHANGES = Codec(
    Annotated[dict[str, list], AfterValidator(shallow)],
    load=lambda value, ctx: ctx.remap_strings(value),
)


# --- the parts, in dependency order ---------------------------------------------------------

PARTS: tuple[Part, ...] = (
    Part("instruments", Instrument),
    Part("tags", Tag, derived={"key": lambda row: row["name"].casefold()}),
    Part("skills", Skill, derived={"key": lambda row: row["name"].casefold()}),
    Part(
        "pieces",
        Piece,
        children=(
            Part("sections", Section, parent="piece_id", order=("bar_start", "bar_end")),
            Part("status_history", PieceStatusChange, parent="piece_id", order=("changed_at",)),
        ),
    ),
    Part(
        "goals",
        Goal,
        children=(Part("checklist", GoalChecklistItem, parent="goal_id", order=("position",)),),
    ),
    Part(
        "assignments",
        Assignment,
        order=("due_on",),
        codecs={"set_by": SET_BY},
        children=(
            Part("assignment_items", AssignmentItem, parent="assignment_id", order=("position",)),
        ),
    ),
    Part("resources", Resource, codecs={"url": WEB_URL}),
    Part(
        "sessions",
        PracticeSession,
        order=("started_at",),
        codecs={"timezone": TIMEZONE},
        children=(
            Part("items", SessionItem, parent="session_id", order=("position",)),
            Part(
                "evidence",
                Evidence,
                parent="session_id",
                order=("position",),
                codecs={"url": WEB_URL},
            ),
            Part(
                "revisions",
                SessionRevision,
                parent="session_id",
                order=("changed_at",),
                codecs={"editor_id": EDITOR, "changes": CHANGES},
            ),
            # A guardian's notes and sign-offs belong to the child's session they are on.
            Part(
                "signoffs",
                Signoff,
                parent="session_id",
                order=("created_at",),
                codecs={"guardian_id": GUARDIAN, "answer": ANSWER},
            ),
        ),
        links=(
            Link("tags", session_tags, "session_id", "tag_id", label="name"),
            Link("goal_ids", session_goals, "session_id", "goal_id"),
        ),
        orm_writes=True,
    ),
    # Comments stay with the musician; their author is "self" or "other" (a teacher).
    Part("comments", Comment, order=("created_at", "id"), codecs={"author_id": EDITOR}),
    # Takes and their pinned comments; the files are listed under `files`, and the ZIP
    # export holds each take's original. The worker's bookkeeping is this server's; a
    # restored take waiting for it, or whose original came with it, is queued again.
    Part(
        "recordings",
        Recording,
        order=("created_at",),
        omit=("attempts", "next_attempt_at", "claimed_by", "lease_until", "retention_warned_at"),
        children=(
            Part(
                "recording_comments",
                RecordingComment,
                parent="recording_id",
                order=("created_at",),
                codecs={"author_id": EDITOR},
            ),
        ),
        after_import=lambda profile, ids: _recordings_restored(profile, ids),
        files=lambda take: {ORIGINAL.format(id=take["id"]): (take["size_bytes"], take["sha256"])},
    ),
    Part(
        "plans",
        Plan,
        order=("created_at",),
        children=(
            Part("plan_items", PlanItem, parent="plan_id", order=("position",)),
            Part("occurrences", PlanOccurrence, parent="plan_id", order=("scheduled_start",)),
        ),
    ),
    # A restored template is unpublished: its sharing link was a secret of the old server.
    Part("plan_templates", PlanTemplate, omit=("share_token_hash", "published_at")),
    # When a reminder is next due is the worker's bookkeeping; it is worked out again.
    Part("reminders", Reminder, omit=("scheduled_until", "next_due_at")),
    Part(
        "notification_settings",
        NotificationSettings,
        omit=("summary_due_at",),
        user_content=False,
        replace_existing=True,
    ),
    Part("skip_periods", SkipPeriod, order=("start_date",)),
    Part("badges", EarnedBadge, order=("earned_at",), user_content=False),
    Part("notifications", Notification, codecs={"url": APP_URL}, user_content=False),
    Part("import_mappings", ImportMapping, user_content=False, replace_existing=True),
    # The consents given for a child: a record about the child, so it travels with the
    # profile (docs/children.md). Who consented is "guardian" (an account of this server),
    # the teacher a link consent named is left out; a restored consent grants nothing.
    Part(
        "consents",
        Consent,
        order=("created_at",),
        omit=("subject_id",),
        codecs={"guardian_id": GUARDIAN},
        user_content=False,
    ),
)

#: Tables deliberately left out of the export, each with the reason.
EXCLUDED: dict[str, str] = {
    "guardian_invites": "Codes for a second guardian: short-lived secrets, stored hashed.",
    "kid_pins": "The guardian's kid-mode PIN: a secret, stored hashed.",
    "profile_moves": "Invitations to move a child's profile to an account of its own: "
    "single-use links, stored hashed, that expire in 14 days.",
    "users": "Sign-in credentials: the email is exported under `account`; the password "
    "hash never leaves the server.",
    "musician_profiles": "Exported as `profile` (the settings), not as a table.",
    "auth_sessions": "Signed-in browsers: secret tokens, meaningless on another server.",
    "api_tokens": "API bearer tokens: secrets; create new ones after a restore.",
    "password_reset_tokens": "Short-lived secrets.",
    "pending_registrations": "Registrations waiting for their address to be confirmed; "
    "they belong to no account yet and expire by themselves.",
    "outgoing_mail": "Account emails waiting for the worker (or already sent, with their "
    "bodies emptied); this server's log, not the musician's data.",
    "totp_credentials": "The two-factor secret: set up the authenticator app again after a "
    "restore.",
    "recovery_codes": "Two-factor recovery codes: secrets, stored hashed; make new ones.",
    "idempotency_keys": "Replay cache for retried API requests; expires by itself.",
    "sync_conflicts": "Values that lost an offline merge, waiting for a choice on this "
    "server; the entries themselves (with the live values) are exported.",
    "search_documents": "The search index, derived from the objects' text; rebuilt on import.",
    "pending_imports": "Uploads waiting for confirmation; temporary.",
    "import_fingerprints": "Which spreadsheet rows this server already imported; they "
    "refer to this server's sessions.",
    "daily_totals": "Statistics rollup, derived from the sessions; rebuilt on import.",
    "daily_breakdowns": "Statistics rollup, derived from the sessions; rebuilt on import.",
    "monthly_breakdowns": "Statistics rollup, derived from the sessions; rebuilt on import.",
    "lifetime_breakdowns": "Statistics rollup, derived from the sessions; rebuilt on import.",
    "calendar_feeds": "The secret calendar address; make a new one after a restore.",
    "reminder_deliveries": "This server's log of reminders sent; the worker schedules the "
    "next ones from the reminders themselves.",
    "links": "Who may see the journal (a teacher): a permission between two accounts of "
    "this server, given by accepting there; a restore elsewhere grants nobody anything.",
    "studio_invites": "A teacher's invitation codes: hashed secrets that expire in 14 days.",
    "recording_uploads": "Resumable uploads in progress on this server; temporary.",
    "storage_usage": "Bytes stored per profile; recounted from the recordings on import.",
}


def _recordings_restored(profile, ids) -> None:
    from woodshed.recordings.services import restored

    restored(profile, ids)


def all_parts():
    for part in PARTS:
        yield from part.walk()


# --- the whole document ------------------------------------------------------------------------


class ExportAccount(BaseModel):
    """The account the data came from (informational; a restore keeps the target's)."""

    model_config = STRICT
    email: str
    created_at: AwareDatetime


class ExportProfile(ProfileFields):
    """The musician's settings."""

    model_config = {**ProfileFields.model_config, "extra": "forbid"}


class ExportFile(BaseModel):
    """A stored file of the account (recordings …): listed, not embedded."""

    model_config = STRICT
    name: str
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


@cache
def document_model() -> type[BaseModel]:
    """The pydantic model of a whole export document (the JSON Schema is made from it)."""
    from pydantic import create_model

    fields: dict[str, Any] = {
        "format": (Literal["woodshed-export"], ...),
        "version": (Literal[SUPPORTED_VERSIONS], ...),
        "exported_at": (AwareDatetime, ...),
        "generator": (str, ""),
        "account": (ExportAccount | None, None),
        "profile": (ExportProfile, ...),
    }
    for part in PARTS:
        fields[part.key] = (list[part.schema], Field(default_factory=list))  # type: ignore[name-defined]
    fields["files"] = (list[ExportFile], Field(default_factory=list))
    return create_model(
        "WoodshedExport",
        __config__=STRICT,
        __doc__="Everything one musician logged in Woodshed (docs/export-format.md).",
        **fields,
    )


def json_schema() -> dict:
    """The JSON Schema shipped as woodshed/data/export.schema.json."""
    schema = document_model().model_json_schema(schema_generator=JsonSchemaGenerator)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Woodshed export, version 1",
        **{k: v for k, v in schema.items() if k != "title"},
    }
