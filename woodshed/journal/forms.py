"""The journal's HTML forms: flat inputs ↔ the session schema, prefill, where errors go.

The log form posts `items-0-piece_id`, `skills-1-minutes`, `evidence-0-url` …
`SessionForm` shapes that into the `SessionIn`/`SessionFields` input (blank rows dropped,
piece rows then skill rows as `items`), validates it with the API's own schema in form
context, and maps error paths such as `items.3.minutes` back to the input they came from
(`skills-0-minutes`), so a message appears next to the right field.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from woodshed.db import new_id
from woodshed.errors import Problem
from woodshed.journal.models import SCALAR_FIELDS
from woodshed.profiles.models import MusicianProfile
from woodshed.validation import S, form_rows, form_version, parse_form

ITEM_FIELDS = (
    "piece_id",
    "piece_title",
    "section_id",
    "bars",
    "minutes",
    "tempo_bpm",
    "target_tempo_bpm",
    "run_through",
    "note",
)
SKILL_FIELDS = ("skill_id", "minutes", "note")
EVIDENCE_FIELDS = ("url", "text")
ROWS = {"items": ITEM_FIELDS, "skills": SKILL_FIELDS, "evidence": EVIDENCE_FIELDS}
#: Blank rows offered without JavaScript (with it, "Add …" buttons clone more).
BLANK_ROWS = {"items": 3, "skills": 2, "evidence": 2}
LABELS = {
    "started_at": "Start time",
    "duration_minutes": "Duration",
    "instrument_id": "Instrument",
    "tags": "Focus tags",
    "notes": "Notes",
    "next_time": "Next time",
    "struggles": "Struggles",
    "achievements": "Achievements",
    "mode": "Mode",
    "goal_ids": "Linked goals",
    "piece_id": "piece",
    "piece_title": "new piece",
    "section_id": "section",
    "skill_id": "skill",
    "bars": "bars",
    "minutes": "minutes",
    "tempo_bpm": "tempo reached",
    "target_tempo_bpm": "target tempo",
    "url": "link",
    "text": "note",
    "note": "note",
}
ROW_LABELS = {"items": "Piece", "skills": "Skill", "evidence": "Evidence"}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type=datetime-local> sends and shows
MAX_PREFILL = 200


def form_context(profile: MusicianProfile) -> dict[str, Any]:
    """The schema context for forms: typed durations, start times in the musician's zone."""
    return {"form": True, "timezone": profile.timezone}


def local_input(instant: datetime, tz: str) -> str:
    """An instant as a datetime-local value in the musician's zone."""
    return instant.astimezone(ZoneInfo(tz)).strftime(LOCAL_INPUT)


def split_tags(text: str) -> list[str]:
    """`scales, left hand` → ["scales", "left hand"]."""
    return [t.strip() for t in re.split(r"[,\n]", text or "") if t.strip()]


def _shown(value: Any) -> Any:
    """A stored value as an input shows it."""
    if value is None or value is False:
        return ""
    if value is True:
        return "true"
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return str(value)


def _filled(row: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in row.items() if str(v).strip()}


@dataclass
class SessionForm:
    """What the log form shows: strings as typed, rows as lists of dicts."""

    values: dict[str, Any] = field(default_factory=dict)

    # --- building ---------------------------------------------------------------------

    @classmethod
    def blank(cls) -> SessionForm:
        values: dict[str, Any] = dict.fromkeys(SCALAR_FIELDS, "")
        values |= {"mode": "normal", "tags": "", "goal_ids": [], "version": "", "id": ""}
        values |= {group: [] for group in ROWS}
        return cls(values)

    @classmethod
    def submitted(cls, formdata: MultiDict) -> SessionForm:
        """The posted form, kept exactly as typed (blank rows dropped)."""
        form = cls.blank()
        # Browsers send textarea line breaks as CRLF; stored text uses LF, so an untouched
        # note does not count as an edit.
        form.values |= {
            name: formdata.get(name, "").replace("\r\n", "\n") for name in SCALAR_FIELDS
        }
        form.values["tags"] = formdata.get("tags", "")
        form.values["goal_ids"] = [v for v in formdata.getlist("goal_ids") if v]
        form.values["version"] = formdata.get("version", "")
        form.values["id"] = _uuid_or_blank(formdata.get("id"))
        for group, names in ROWS.items():
            form.values[group] = [
                {n: row.get(n, "") for n in names} for row in form_rows(formdata, group)
            ]
        return form

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any], tz: str, version: int | None = None):
        """A stored session (`services.full_fields`) as the edit form shows it."""
        form = cls.blank()
        form.values |= {name: _shown(fields.get(name)) for name in SCALAR_FIELDS}
        form.values["started_at"] = local_input(fields["started_at"], tz)
        form.values["tags"] = ", ".join(fields.get("tags") or [])
        form.values["goal_ids"] = _shown(list(fields.get("goal_ids") or []))
        items = fields.get("items") or []
        form.values["items"] = [
            {n: _shown(i.get(n)) for n in ITEM_FIELDS} for i in items if not i.get("skill_id")
        ]
        form.values["skills"] = [
            {n: _shown(i.get(n)) for n in SKILL_FIELDS} for i in items if i.get("skill_id")
        ]
        form.values["evidence"] = [
            {"url": e.get("url") or "", "text": e.get("text") or ""}
            for e in fields.get("evidence") or []
        ]
        form.values["version"] = _shown(version)
        return form

    # --- reading ----------------------------------------------------------------------

    @property
    def version(self) -> int | None:
        return form_version(self.values)

    def rows(self, group: str) -> list[dict[str, str]]:
        """The filled rows of a group plus blank ones to type into (at least one)."""
        filled = list(self.values.get(group) or [])
        blanks = max(BLANK_ROWS[group] - len(filled), 1)
        return filled + [dict.fromkeys(ROWS[group], "") for _ in range(blanks)]

    def data(self) -> dict[str, Any]:
        """The schema input: blank values left out so that defaults apply."""
        v = self.values
        data: dict[str, Any] = {k: v[k] for k in SCALAR_FIELDS if str(v.get(k) or "").strip()}
        if v.get("id"):
            data["id"] = v["id"]  # a new entry's own id: sending the form twice saves it once
        data["items"] = [_filled(r) for r in v["items"]] + [_filled(r) for r in v["skills"]]
        data["tags"] = split_tags(v["tags"])
        data["goal_ids"] = list(v["goal_ids"])
        data["evidence"] = [
            {"kind": "link" if str(r.get("url", "")).strip() else "note", **_filled(r)}
            for r in v["evidence"]
        ]
        return data

    def validate(self, schema: type[S], profile: MusicianProfile) -> S:
        """Validate with the API's schema; bad input raises DomainError (paths as the API's)."""
        return parse_form(schema, self.data(), context=form_context(profile))

    # --- errors -----------------------------------------------------------------------

    def input_for(self, path: str) -> str:
        """The form input an error path belongs to: `items.3.minutes` → `skills-0-minutes`."""
        parts = path.split(".")
        head = parts[0]
        if head == "items" and len(parts) > 1 and parts[1].isdigit():
            index, pieces = int(parts[1]), len(self.values["items"])
            if index < pieces:
                group, row, default = "items", index, "piece_id"
            else:
                group, row, default = "skills", index - pieces, "skill_id"
            name = parts[2] if len(parts) > 2 and parts[2] in ROWS[group] else default
            return f"{group}-{row}-{name}"
        if head == "evidence" and len(parts) > 1 and parts[1].isdigit():
            name = parts[2] if len(parts) > 2 and parts[2] in EVIDENCE_FIELDS else "url"
            return f"evidence-{parts[1]}-{name}"
        if head in SCALAR_FIELDS or head in ("tags", "goal_ids", "items", "evidence"):
            return head
        return "_form"

    def errors(self, problem: Problem) -> dict[str, str]:
        """{input name: message}, the first message per input."""
        errors: dict[str, str] = {}
        for path, message in problem.messages.items():
            errors.setdefault(self.input_for(path), message)
        return errors


def summary(errors: Mapping[str, str]) -> dict[str, str]:
    """Messages for the error summary, each saying which field: "Piece 2, bars: …"."""
    labelled = {}
    for name, message in errors.items():
        group, _, rest = name.partition("-")
        if group in ROW_LABELS and rest:
            row, _, field_name = rest.partition("-")
            where = f"{ROW_LABELS[group]} {int(row) + 1}, {LABELS.get(field_name, field_name)}"
        elif name == "_form":
            labelled[name] = message
            continue
        else:
            where = LABELS.get(name, name.replace("_", " ").capitalize())
        labelled[name] = f"{where}: {message}"
    return labelled


def keep_stored_start(data: dict[str, Any], stored: datetime) -> dict[str, Any]:
    """The form shows minutes only: an unchanged minute keeps the stored seconds."""
    if data.get("started_at") == stored.replace(second=0, microsecond=0):
        data["started_at"] = stored
    return data


# --- prefill ----------------------------------------------------------------------------


def _uuid_or_blank(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        return ""


def _start_value(value: Any, tz: str, now: datetime) -> str:
    """A prefilled start (aware datetime, RFC 3339 or local text) as the form's local time."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return local_input(now, tz)
    if parsed.tzinfo is None:
        return parsed.strftime(LOCAL_INPUT)
    return local_input(parsed, tz)


def prefill(
    tz: str,
    now: datetime,
    *,
    started_at: datetime | str | None = None,
    duration: int | str | None = None,
    instrument_id: uuid.UUID | str | None = None,
    piece_id: uuid.UUID | str | None = None,
    section_id: uuid.UUID | str | None = None,
    skill_id: uuid.UUID | str | None = None,
    **values: Any,
) -> SessionForm:
    """A new-entry form filled in advance (timer, quick links, a plan occurrence …).

    The start defaults to now in the musician's zone; unknown or malformed values are
    dropped, and everything is validated as usual when the form is saved. Extra keyword
    arguments set other fields (`notes="…"`, `tags="scales"`, `items=[{…}]`).
    """
    form = SessionForm.blank()
    form.values["id"] = str(new_id())
    form.values["started_at"] = (
        _start_value(started_at, tz, now) if started_at else local_input(now, tz)
    )
    form.values["duration_minutes"] = "" if duration is None else str(duration)[:MAX_PREFILL]
    form.values["instrument_id"] = _uuid_or_blank(instrument_id)
    if piece_id or section_id:
        row = dict.fromkeys(ITEM_FIELDS, "")
        row |= {"piece_id": _uuid_or_blank(piece_id), "section_id": _uuid_or_blank(section_id)}
        form.values["items"] = [row]
    if skill_id and _uuid_or_blank(skill_id):
        form.values["skills"] = [{"skill_id": _uuid_or_blank(skill_id), "minutes": ""}]
    for name, value in values.items():
        if name in form.values:
            form.values[name] = value
    return form


PREFILL_ARGS = ("started_at", "duration", "instrument_id", "piece_id", "section_id", "skill_id")


def prefill_from_args(args: Mapping[str, str], tz: str, now: datetime) -> SessionForm:
    """The new-entry form from query parameters (`/journal/new?duration=30&piece_id=…`)."""
    given = {k: args.get(k) for k in PREFILL_ARGS if args.get(k)}
    return prefill(tz, now, **given, **_tool_rows(args))


def _tool_rows(args: Mapping[str, str]) -> dict[str, Any]:
    """Item rows and a note measured by the practice tools (`items-0-tempo_bpm=84` …).

    Kept as typed (each value cut to MAX_PREFILL); the form validates them on save.
    """
    rows = [
        {n: str(row.get(n, ""))[:MAX_PREFILL] for n in ITEM_FIELDS}
        for row in form_rows(MultiDict(args), "items")
    ]
    extra: dict[str, Any] = {"items": rows} if rows else {}
    if args.get("notes"):
        extra["notes"] = str(args["notes"])[: MAX_PREFILL * 5]
    return extra


# --- quick log --------------------------------------------------------------------------


def quick_data(formdata: Mapping[str, str]) -> dict[str, Any]:
    """Quick-log input: a preset button (15/30/60) wins over the typed duration."""
    duration = formdata.get("preset") or formdata.get("duration") or ""
    data = {
        "duration_minutes": duration,
        "instrument_id": formdata.get("instrument_id") or None,
        "piece_id": formdata.get("piece_id") or None,
        # Set by the offline app when it queues a quick log to send later.
        "id": formdata.get("id") or None,
        "ended_at": formdata.get("ended_at") or None,
    }
    return {k: v for k, v in data.items() if v not in (None, "")}


def quick_input_for(path: str) -> str:
    """Quick-log error paths → its inputs (`items.0.piece_id` → `piece_id`)."""
    if path.startswith("items."):
        return "piece_id"
    if path == "duration_minutes":
        return "duration"
    return path if path in ("instrument_id", "piece_id") else "_form"


def floor_minute(instant: datetime) -> datetime:
    return instant - timedelta(seconds=instant.second, microseconds=instant.microsecond)


def day_words(day: date) -> str:
    """`Monday 9 March 2026`."""
    return f"{day:%A} {day.day} {day:%B %Y}"
