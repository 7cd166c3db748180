"""A session's revision history in words: "edited 2 days later: duration 30 → 45 min".

`SessionRevision.changes` holds `{field: [before, after]}` as the service recorded it
(scalars as stored, lists as sorted names or labels); this module only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from woodshed.dates import format_datetime, format_time
from woodshed.journal.models import RATINGS, PracticeSession, SessionRevision

TEXT_FIELDS = {
    "notes": "notes",
    "next_time": "next-time note",
    "struggles": "struggles",
    "achievements": "achievements",
}
FLAGS = {"exam_prep": "exam prep", "performance_prep": "performance prep", "private": "private"}
LISTS = {"tags": "tags", "items": "items", "evidence": "evidence", "goal_ids": "linked goals"}
# The order parts appear in, most telling first.
ORDER = (
    "started_at",
    "duration_minutes",
    "instrument_id",
    "items",
    "tags",
    *TEXT_FIELDS,
    *RATINGS,
    "mode",
    *FLAGS,
    "goal_ids",
    "evidence",
)


@dataclass(frozen=True)
class RevisionLine:
    changed_at: datetime
    delay: str  # "2 days later"
    summary: str  # "duration 30 → 45 min; tags + scales"

    @property
    def text(self) -> str:
        return f"edited {self.delay}: {self.summary}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def delay_words(created_at: datetime, changed_at: datetime) -> str:
    """How long after logging an edit came: "right away", "3 hours later", "2 days later"."""
    gap = changed_at - created_at
    if gap < timedelta(minutes=1):
        return "right away"
    if gap < timedelta(hours=1):
        return _plural(int(gap.total_seconds() // 60), "minute") + " later"
    if gap < timedelta(days=1):
        return _plural(int(gap.total_seconds() // 3600), "hour") + " later"
    if gap < timedelta(days=60):
        return _plural(gap.days, "day") + " later"
    return _plural(gap.days // 30, "month") + " later"


def _rating(value) -> str:
    return "–" if value is None else str(value)


def _start(value: str, tz: str, other: str | None) -> str:
    local = datetime.fromisoformat(value).astimezone(ZoneInfo(tz))
    other_local = datetime.fromisoformat(other).astimezone(ZoneInfo(tz)) if other else None
    if other_local is not None and other_local.date() == local.date():
        return format_time(local, tz)
    return format_datetime(local, tz)


def _list_change(label: str, before: list, after: list, countable: bool) -> str:
    added = [x for x in after if x not in before]
    removed = [x for x in before if x not in after]
    if countable:  # ids mean nothing to a person: say how many
        parts = [f"+{len(added)}" if added else "", f"−{len(removed)}" if removed else ""]
        return f"{label} {' '.join(p for p in parts if p)}"
    parts = [f"+ {', '.join(added)}" if added else "", f"− {', '.join(removed)}" if removed else ""]
    changed = " ".join(p for p in parts if p)
    return f"{label} {changed}" if changed else f"{label} reordered"


def describe_changes(
    changes: dict[str, list], tz: str, instrument_names: dict[str, str] | None = None
) -> str:
    """One line for one revision's changes, e.g. "duration 30 → 45 min; tags + scales"."""
    names = instrument_names or {}
    parts = []
    for field in sorted(changes, key=lambda f: ORDER.index(f) if f in ORDER else len(ORDER)):
        before, after = changes[field]
        if field == "started_at":
            parts.append(f"start {_start(before, tz, after)} → {_start(after, tz, before)}")
        elif field == "duration_minutes":
            parts.append(f"duration {before} → {after} min")
        elif field == "instrument_id":
            old = names.get(before, "another instrument") if before else "none"
            new = names.get(after, "another instrument") if after else "none"
            parts.append(f"instrument {old} → {new}")
        elif field in TEXT_FIELDS:
            label = TEXT_FIELDS[field]
            verb = "added" if not before else "removed" if not after else "changed"
            parts.append(f"{label} {verb}")
        elif field in RATINGS:
            parts.append(f"{field} {_rating(before)} → {_rating(after)}")
        elif field == "mode":
            parts.append(f"mode {before} → {after}")
        elif field in FLAGS:
            parts.append(f"{FLAGS[field]} {'on' if after else 'off'}")
        elif field in LISTS:
            parts.append(_list_change(LISTS[field], before or [], after or [], field == "goal_ids"))
        else:
            parts.append(f"{field.replace('_', ' ')} changed")
    return "; ".join(parts) if parts else "no visible change"


def revision_lines(
    session: PracticeSession, instrument_names: dict[str, str]
) -> list[RevisionLine]:
    """The session's edits, newest first, each in words."""
    return [line_for(session, revision, instrument_names) for revision in session.revisions]


def line_for(
    session: PracticeSession, revision: SessionRevision, instrument_names: dict[str, str]
) -> RevisionLine:
    return RevisionLine(
        changed_at=revision.changed_at,
        delay=delay_words(session.created_at, revision.changed_at),
        summary=describe_changes(revision.changes, session.timezone, instrument_names),
    )
