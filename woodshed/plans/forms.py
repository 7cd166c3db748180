"""Bridges between the plan and check-in HTML forms and the API's schemas.

The form offers common schedules (daily, weekdays, chosen weekdays every N weeks, the n-th
weekday of the month) and a custom one (chosen weekdays every N weeks, every N days, N
times a week) and builds the RRULE itself: nobody types or reads a rule. A rule the form
cannot show (one made through the API) is kept on edit and shown in words. Errors
come back under the schema's field names and are mapped to the form's input names here.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from woodshed.db import new_id
from woodshed.errors import DomainError, FieldError
from woodshed.journal.schemas import SessionIn
from woodshed.plans import schedule as sched
from woodshed.plans.schemas import PlanFields
from woodshed.validation import small_int, validation_problem

ITEM_ROWS_EXTRA = 3
SCHEDULE_FIELDS = (
    "start",
    "start_date",
    "end_date",
    "time_of_day",
    "duration_minutes",
    "flexibility",
)


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def subject_of(value: str | None) -> dict[str, uuid.UUID]:
    """`piece:<id>` / `section:<id>` / `skill:<id>` → {"piece_id": id}."""
    if not value or ":" not in value:
        return {}
    kind, _, raw = value.partition(":")
    if kind not in ("piece", "section", "skill"):
        return {}
    try:
        return {f"{kind}_id": uuid.UUID(raw)}
    except ValueError:
        return {}


def subject_value(item) -> str:
    for kind in ("section", "piece", "skill"):
        value = (
            getattr(item, f"{kind}_id", None)
            if not isinstance(item, dict)
            else item.get(f"{kind}_id")
        )
        if value:
            return f"{kind}:{value}"
    return ""


def item_rows(form: MultiDict) -> list[int]:
    indexes = {int(m[1]) for k in form if (m := re.match(r"^item-(\d+)-", k))}
    return sorted(i for i in indexes if i < 60)


def item_rows_from_values(values: dict) -> list[int]:
    """Item row numbers present in a dict of form values."""
    return sorted({int(m[1]) for k in values if (m := re.match(r"^item-(\d+)-", k))})


def _int(value: str | None) -> Any:
    """A typed number as an int; anything else as typed, for the schema to name the problem."""
    value = _blank(value)
    number = small_int(value)
    return value if number is None else number


def plan_data(form: MultiDict) -> dict:
    """The submitted plan form as PlanFields input (the schedule built from the pattern)."""
    errors: dict[str, str] = {}
    pattern = form.get("pattern", "weekly")
    schedule: dict[str, Any] = {
        "duration_minutes": _int(form.get("duration_minutes")),
        "flexibility": form.get("flexibility") or "same_day",
    }
    if pattern == "once":
        schedule |= {"kind": "single", "start": _blank(form.get("start"))}
    else:
        schedule |= {
            "kind": "recurring",
            "start_date": _blank(form.get("start_date")),
            "end_date": _blank(form.get("end_date")),
            "time_of_day": _blank(form.get("time_of_day")),
        }
        if pattern == "custom":
            try:
                count = int(form["count"]) if _blank(form.get("count")) else None
            except ValueError:
                errors["count"] = "Enter a whole number."
                count = None
            mode = form.get("custom_mode") or ""
            if mode == "keep" and _blank(form.get("rrule")):
                # An edit that leaves a schedule the choices cannot show (one made through
                # the API) as it is; the form only ever shows it in words.
                schedule["rrule"] = _blank(form.get("rrule"))
            else:
                try:
                    schedule["rrule"] = sched.rule_for_custom(
                        mode,
                        form.getlist("custom_days"),
                        weeks=form.get("custom_weeks"),
                        every_days=form.get("every_days"),
                        per_week=form.get("per_week"),
                        count=count,
                    )
                except sched.CustomError as exc:
                    errors[exc.field] = str(exc)
                except sched.RuleError as exc:
                    errors["count"] = str(exc)
        else:
            try:
                interval = int(form.get("interval") or 1)
                count = int(form["count"]) if _blank(form.get("count")) else None
                schedule["rrule"] = sched.rule_for_pattern(
                    pattern,
                    form.getlist("days"),
                    interval=interval,
                    ordinal=form.get("ordinal", "1"),
                    weekday=form.get("weekday", "MO"),
                    count=count,
                )
            except ValueError as exc:
                field = "days" if "weekday" in str(exc) else "pattern"
                errors[field] = (
                    str(exc)
                    if isinstance(exc, sched.RuleError)
                    else ("Enter whole numbers for how often and how many times.")
                )
    items = []
    for i in item_rows(form):
        subject = subject_of(form.get(f"item-{i}-subject"))
        if not subject:
            continue
        items.append(
            subject
            | {
                "target_minutes": _int(form.get(f"item-{i}-minutes")),
                "target_tempo_bpm": _int(form.get(f"item-{i}-tempo")),
            }
        )
    data = {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "notes": form.get("notes", ""),
        "kind": form.get("kind") or "custom",
        "instrument_id": _blank(form.get("instrument_id")),
        "schedule": schedule,
        "items": items,
        "_item_rows": [i for i in item_rows(form) if subject_of(form.get(f"item-{i}-subject"))],
        "_errors": errors,
    }
    return data


def parse_plan(form: MultiDict, schema=PlanFields):
    """The plan form as the schema; every field's problem at once (the schedule's choices
    and the schema's own rules), each under the form's input name."""
    data = plan_data(form)
    rows = data.pop("_item_rows")
    errors = data.pop("_errors")
    if errors and "rrule" not in data["schedule"]:
        data["schedule"]["rrule"] = "FREQ=DAILY"  # stands in while the rest is checked
    try:
        parsed = schema.model_validate(data)
    except ValidationError as exc:
        problem = _plan_errors(validation_problem(exc), rows, form.get("pattern"))
        mapped = dict(errors)
        for e in problem.errors:
            mapped.setdefault(e.field, e.message)
        raise DomainError(mapped, problem.detail) from exc
    if errors:
        raise DomainError(errors, "Some fields need attention.")
    return parsed


def _plan_errors(problem: DomainError, rows: list[int], pattern: str | None) -> DomainError:
    mapped = []
    for e in problem.errors:
        name = e.field
        if name.startswith("schedule."):
            name = name.removeprefix("schedule.")
            if name == "rrule":
                name = "custom_mode" if pattern == "custom" else "pattern"
        elif m := re.match(r"^items\.(\d+)(?:\.(\w+))?$", name):
            row = rows[int(m[1])] if int(m[1]) < len(rows) else 0
            suffix = {"target_minutes": "minutes", "target_tempo_bpm": "tempo"}.get(
                m[2] or "", "subject"
            )
            name = f"item-{row}-{suffix}"
        mapped.append(FieldError(name, e.message))
    return DomainError(mapped, problem.detail)


def plan_form_values(plan) -> dict:
    """A stored plan as the form's field values (for editing)."""
    schedule = plan.schedule
    values: dict[str, Any] = {
        "title": plan.title,
        "description": plan.description,
        "notes": plan.notes,
        "kind": plan.kind,
        "instrument_id": str(plan.instrument_id or ""),
        "duration_minutes": schedule["duration_minutes"],
        "flexibility": schedule.get("flexibility", "same_day"),
        "version": plan.version,
    }
    if schedule["kind"] == "single":
        values |= {"pattern": "once", "start": schedule["start"]}
    else:
        info = sched.pattern_of(schedule["rrule"])
        values |= {
            "pattern": info["pattern"],
            # A rule the choices cannot show is kept as it is, and shown only in words.
            "custom_mode": "keep" if info["pattern"] == "custom" else "days",
            "kept_words": _words(schedule["rrule"]) if info["pattern"] == "custom" else "",
            "rrule": schedule["rrule"] if info["pattern"] == "custom" else "",
            "days": info.get("days", []),
            "interval": info.get("interval", 1),
            "count": info.get("count") or "",
            "ordinal": info.get("ordinal", "1"),
            "weekday": info.get("weekday", "MO"),
            "start_date": schedule["start_date"],
            "end_date": schedule.get("end_date") or "",
            "time_of_day": schedule["time_of_day"],
        }
    for i, item in enumerate(plan.items):
        values[f"item-{i}-subject"] = subject_value(item)
        values[f"item-{i}-minutes"] = item.target_minutes or ""
        values[f"item-{i}-tempo"] = item.target_tempo_bpm or ""
    return values


def sticky(form: MultiDict) -> dict:
    data = form.to_dict()
    data["days"] = form.getlist("days")
    data["custom_days"] = form.getlist("custom_days")
    if data.get("rrule"):
        data["kept_words"] = _words(data["rrule"])
    return data


def _words(rule: str) -> str:
    try:
        return sched.rule_words(rule)
    except sched.RuleError:
        return "a schedule this version cannot read"


# --- check-in ----------------------------------------------------------------------------


def check_in_values(prefill: dict, tz: str) -> dict:
    """The prefilled entry as form values (local start time), with the entry's own id: a
    check-in sent twice (the offline queue sends again what got no answer) is saved once."""
    from zoneinfo import ZoneInfo

    local = prefill["started_at"].astimezone(ZoneInfo(tz))
    values = {
        "id": str(new_id()),
        "started_at": local.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": prefill["duration_minutes"],
        "instrument_id": str(prefill.get("instrument_id") or ""),
    }
    for i, item in enumerate(prefill["items"]):
        values[f"item-{i}-subject"] = subject_value(item)
        values[f"item-{i}-minutes"] = item.get("minutes") or ""
        values[f"item-{i}-target_tempo_bpm"] = item.get("target_tempo_bpm") or ""
    return values


def _client_id(value: str | None) -> str | None:
    """The form's entry id; anything but a UUID is left out (the entry gets a new one)."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


def parse_check_in(form: MultiDict, tz: str) -> SessionIn:
    """The check-in form as a full SessionIn (items with target tempos)."""
    items = []
    rows = []
    for i in item_rows(form):
        subject = subject_of(form.get(f"item-{i}-subject"))
        if not subject:
            continue
        rows.append(i)
        item: dict[str, Any] = dict(subject)
        for name in ("minutes", "tempo_bpm", "target_tempo_bpm"):
            item[name] = _int(form.get(f"item-{i}-{name}"))
        if "skill_id" not in subject:
            item["bars"] = _blank(form.get(f"item-{i}-bars"))
            item["run_through"] = form.get(f"item-{i}-run_through") == "true"
        else:
            item.pop("tempo_bpm")
            item.pop("target_tempo_bpm")
        items.append({k: v for k, v in item.items() if v is not None})
    data = {
        "id": _client_id(form.get("id")),
        "started_at": _blank(form.get("started_at")),
        "duration_minutes": _blank(form.get("duration_minutes")),
        "instrument_id": _blank(form.get("instrument_id")),
        "items": items,
        "notes": form.get("notes", ""),
        "next_time": form.get("next_time", ""),
        "mood": _int(form.get("mood")),
        "quality": _int(form.get("quality")),
    }
    data = {k: v for k, v in data.items() if v is not None}
    try:
        return SessionIn.model_validate(data, context={"form": True, "timezone": tz})
    except ValidationError as exc:
        problem = validation_problem(exc)
        mapped = []
        for e in problem.errors:
            name = e.field
            if m := re.match(r"^items\.(\d+)(?:\.(\w+))?$", name):
                row = rows[int(m[1])] if int(m[1]) < len(rows) else 0
                name = f"item-{row}-{m[2] or 'subject'}"
            mapped.append(FieldError(name, e.message))
        raise DomainError(mapped, problem.detail) from exc
