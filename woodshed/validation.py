"""Shared input plumbing: the schema base class, common field types, stable error messages
and the bridge from an HTML form to a pydantic schema.

Every message a person sees about bad input comes from `message_for`, so the form and the
API say the same thing in the same words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import MultiDict

from woodshed.errors import DomainError, FieldError
from woodshed.timeutil import is_valid_timezone, timezone_names


def normalise_email(email: str | None) -> str:
    """An email address as accounts store and look it up: trimmed and lower-cased.

    Here, below every feature, so that accounts and the family (a profile moving to a new
    account) compare addresses the same way without importing each other."""
    return (email or "").strip().lower()


S = TypeVar("S", bound=BaseModel)


class Schema(BaseModel):
    """Base for every input and output schema."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", from_attributes=True)


def _timezone(value: str) -> str:
    # The list people choose from is the list the API accepts (and documents as an enum).
    if value not in timezone_names() or not is_valid_timezone(value):
        raise PydanticCustomError(
            "timezone", "Choose a time zone from the list (e.g. Europe/Berlin)."
        )
    return value


def _no_control_chars(value: Any) -> Any:
    # Checked on what was sent, before stripping (a BeforeValidator), like the length and a
    # single line: the OpenAPI pattern refuses a control character anywhere, so does the
    # server — a trailing form feed is refused, not stripped away.
    if isinstance(value, str) and (
        any(ord(c) < 32 and c not in "\t\n\r" for c in value) or "\x7f" in value
    ):
        raise PydanticCustomError("control_chars", "Remove the control characters.")
    return value


# What `_no_control_chars` (and, for required text, stripping) allows, as JSON Schema
# patterns, so the OpenAPI document states the same rule the server applies.
_TEXT_CHAR = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]"
NO_CONTROL_CHARS = f"^{_TEXT_CHAR}*$"
# U+0085 (NEL) is whitespace to Python's strip() but not to JavaScript's \s: named, so the
# document refuses a blank text for every client as the server does.
NOT_BLANK = f"^{_TEXT_CHAR}*[^\\s\\u0000-\\u001f\\u007f\\u0085]{_TEXT_CHAR}*$"


def control_rules(*, required: bool = False) -> tuple[Any, ...]:
    """No control character but tab and line breaks, checked on what was sent, and the
    pattern that states it in the OpenAPI document (not blank either, if `required`): for
    `Annotated[str, *control_rules()]`. PostgreSQL cannot even compare a text with NUL."""
    return (
        BeforeValidator(_no_control_chars),
        Field(json_schema_extra={"pattern": NOT_BLANK if required else NO_CONTROL_CHARS}),
    )


def raw_length(max_length: int):
    """Count what was sent: stripping happens first, so the limit would not see padding."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": max_length},
            )
        return value

    return BeforeValidator(check)


def max_length(limit: int, **constraints: Any) -> tuple[Any, ...]:
    """A string's length limit, stated once: in the JSON Schema (with StringConstraints'
    other `constraints`: strip, min length, pattern) and counted on what was sent. The raw
    count comes after the constraints, so it runs before them and a pattern stays in the
    schema. Use as `Annotated[str, *max_length(n)]`."""
    return (StringConstraints(max_length=limit, **constraints), raw_length(limit))


def text_rules(
    max_length: int, *, required: bool = False, length_by_service: bool = False
) -> tuple[Any, ...]:
    """The rules of a string with a length limit (and a minimum of one character if
    required), for `Annotated[str, *text_rules(n)]` — a type that a type checker reads as
    `str` and pydantic validates with these rules.

    `length_by_service`: the domain's service checks the length (on the trimmed text, in
    its own words, for the page and the API alike); the schema only documents it."""
    if length_by_service:
        return (*control_rules(), Field(json_schema_extra={"maxLength": max_length}))
    return (
        raw_length(max_length),
        StringConstraints(min_length=1 if required else 0, max_length=max_length),
        *control_rules(required=required),
    )


def text(max_length: int, *, required: bool = False) -> Any:
    """`Annotated[str, *text_rules(...)]` built at run time. Not usable as an annotation
    under mypy (a call is not a type): write `Annotated[str, *text_rules(n)]` there."""
    return Annotated[str, *text_rules(max_length, required=required)]


#: What a single line may not hold: every C0 control (tab, line feed and carriage return
#: too), DEL, the C1 controls and the Unicode line and paragraph separators. A title, a
#: name or a reminder message ends up in places where a line break means something else —
#: an email Subject, a calendar feed's property, a log line — so it is refused at the door.
LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
SINGLE_LINE_MESSAGE = "Keep this to one line, without tabs, line breaks or control characters."
_LINE_CHAR = "[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]"
SINGLE_LINE = f"^{_LINE_CHAR}*$"
SINGLE_LINE_NOT_BLANK = f"^{_LINE_CHAR}*[^\\s\\u0000-\\u001f\\u007f-\\u009f]{_LINE_CHAR}*$"


def single_line_error(value: str) -> str | None:
    """The one wording for text that should be one line, or None when it is (CSV import)."""
    return SINGLE_LINE_MESSAGE if LINE_BREAKING.search(value) else None


def _single_line(value: Any) -> Any:
    # Checked on what was sent, before stripping: a trailing line break is refused too, so
    # the OpenAPI pattern and the server agree.
    if isinstance(value, str) and LINE_BREAKING.search(value):
        raise PydanticCustomError("single_line", SINGLE_LINE_MESSAGE)
    return value


def line_rules(max_length: int, *, required: bool = False) -> tuple[Any, ...]:
    """The rules of a single-line string (titles, names, short messages, addresses):
    `text_rules()` without tabs, line breaks or any other control character — at every
    entry point that uses a schema (forms, API, JSON import; the CSV import asks
    `single_line_error`). Use as `Annotated[str, *line_rules(n)]`."""
    return (
        raw_length(max_length),
        BeforeValidator(_single_line),
        StringConstraints(min_length=1 if required else None, max_length=max_length),
        Field(json_schema_extra={"pattern": SINGLE_LINE_NOT_BLANK if required else SINGLE_LINE}),
    )


def line(max_length: int, *, required: bool = False) -> Any:
    """`Annotated[str, *line_rules(...)]` built at run time (see `text`)."""
    return Annotated[str, *line_rules(max_length, required=required)]


Name = Annotated[str, *line_rules(200, required=True)]
ShortText = Annotated[str, *line_rules(200)]
LongText = Annotated[str, *text_rules(20000)]


def _timezone_enum(schema: dict[str, Any]) -> None:
    schema["enum"] = list(timezone_names())


Timezone = Annotated[
    str,
    *max_length(64),
    AfterValidator(_timezone),
    Field(description="An IANA time zone name.", json_schema_extra=_timezone_enum),
]
Rating = Annotated[int, Field(ge=1, le=5)]


def message_for(error: Mapping[str, Any]) -> str:
    """One stable, human sentence for a pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "This field is required."
    if kind == "too_short" and isinstance(error.get("input"), str):
        # Length rules placed after a validator report the generic kind.
        kind = "string_too_short"
    if kind == "too_long" and isinstance(error.get("input"), str):
        kind = "string_too_long"
    if kind in {"string_too_short"}:
        if ctx.get("min_length") == 1:
            return "This field is required."
        return f"Enter at least {ctx['min_length']} characters."
    if kind == "string_too_long":
        return f"Keep this to {ctx['max_length']} characters or fewer."
    if kind in {"greater_than_equal"}:
        return f"Enter a number of at least {ctx['ge']}."
    if kind in {"less_than_equal"}:
        return f"Enter a number of at most {ctx['le']}."
    if kind == "greater_than":
        return f"Enter a number greater than {ctx['gt']}."
    if kind == "less_than":
        return f"Enter a number less than {ctx['lt']}."
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "Enter a whole number."
    if kind in {"float_parsing", "float_type"}:
        return "Enter a number."
    if kind in {"bool_parsing", "bool_type"}:
        return "Choose yes or no."
    if kind in {
        "date_parsing",
        "date_from_datetime_parsing",
        "date_type",
        "date_from_datetime_inexact",
    }:
        return "Enter a date as YYYY-MM-DD."
    if kind in {
        "datetime_parsing",
        "datetime_from_date_parsing",
        "datetime_type",
        "timezone_aware",
    }:
        return "Enter a date and time, e.g. 2026-03-05T18:30:00+01:00."
    if kind in {"time_parsing", "time_type"}:
        return "Enter a time as HH:MM."
    if kind in {"uuid_parsing", "uuid_type", "uuid_version"}:
        return "This is not a valid identifier."
    if kind in {"enum", "literal_error"}:
        expected = ctx.get("expected", "")
        return f"Choose one of: {expected}." if expected else "Choose one of the listed values."
    if kind == "value_error" and "reason" in ctx:
        return f"Enter a valid email address ({ctx['reason'].rstrip('.')})."
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "This value is not valid.")))
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        return "This has the wrong shape."
    if kind == "too_long":
        return f"Give at most {ctx.get('max_length')} entries."
    if kind == "url_parsing" or kind == "url_scheme" or kind.startswith("url"):
        return "Enter a full web address starting with https:// or http://."
    if kind in {"string_type"}:
        return "Enter text."
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    # Custom errors (PydanticCustomError) carry their own sentence.
    return error.get("msg", "This value is not valid.")


def field_path(loc: tuple, prefix: str = "") -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    path = ".".join(parts)
    return f"{prefix}{path}" if prefix else path or "body"


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    seen: dict[str, FieldError] = {}
    for err in exc.errors(include_url=False):
        path = field_path(err["loc"], prefix)
        seen.setdefault(path, FieldError(path, message_for(err)))
    return list(seen.values())


def validation_problem(exc: ValidationError, prefix: str = "") -> DomainError:
    """Bad input as a 422 with one message per field (forms show them, the API lists them)."""
    return DomainError(field_errors(exc, prefix), "Some fields need attention.")


def form_to_dict(formdata: MultiDict, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """Flatten a submitted form: blanks become None, `lists` fields keep every value."""
    data: dict[str, Any] = {}
    for key in formdata:
        if key == "csrf_token":
            continue
        if key in lists:
            data[key] = [v for v in formdata.getlist(key) if v.strip()]
        else:
            value = formdata.get(key, "")
            data[key] = value if value.strip() != "" else None
    for key in lists:
        data.setdefault(key, [])
    return {k: v for k, v in data.items() if v is not None}


def small_int(text: Any) -> int | None:
    """A whole number written in plain ASCII digits (at most 18), else None.

    `str.isdigit` also accepts "²" and other digits `int()` refuses, and `int()` refuses
    very long numbers: form fields and keys with those are treated as absent, not a 500.
    """
    raw = str(text or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return int(raw)


def form_version(form: Any) -> int | None:
    """The hidden `version` an edit form was opened with (REL-OCC); None when absent."""
    return small_int(form.get("version"))


def form_rows(formdata: MultiDict, prefix: str) -> list[dict[str, str]]:
    """Repeated rows of a form (`items-0-bars`, `items-1-bars` …) in index order.

    Rows left completely blank are dropped, so the list (and the error paths the schema
    reports, `items.0.bars`) counts only the rows the person filled in.
    """
    rows: dict[int, dict[str, str]] = {}
    for key in formdata:
        head, _, rest = key.partition("-")
        index, _, name = rest.partition("-")
        number = small_int(index)
        if head != prefix or number is None or not name:
            continue
        rows.setdefault(number, {})[name] = formdata.get(key, "")
    return [rows[i] for i in sorted(rows) if any(v.strip() for v in rows[i].values())]


def parse_form(
    schema: type[S],
    formdata: MultiDict | dict,
    lists: tuple[str, ...] = (),
    *,
    context: dict[str, Any] | None = None,
    **extra,
) -> S:
    """Validate a form with the same schema the API uses; raises DomainError on bad input.

    `formdata` is the submitted form, or a dict a feature already shaped from it (nested
    rows); `context` reaches the schema's validators (e.g. `{"form": True, "timezone": …}`
    lets the journal read `1h30m` and local start times).
    """
    data = form_to_dict(formdata, lists) if isinstance(formdata, MultiDict) else dict(formdata)
    try:
        return schema.model_validate(data | extra, context=context)
    except ValidationError as exc:
        raise validation_problem(exc) from exc


def merged(schema: type[S], current: dict, changes: dict) -> S:
    """Validate an object as it would be after a partial update, with the full schema.

    PATCH bodies are checked field by field; rules that relate fields (a bar range, a
    goal's kind and subject) are checked here on the combined result.
    """
    try:
        return schema.model_validate(current | changes)
    except ValidationError as exc:
        raise validation_problem(exc) from exc


def partial(model: type[S], name: str) -> type[S]:
    """The PATCH twin of a create schema: same fields and rules, none required.

    A field left out keeps its stored value; a non-nullable field sent as null is refused by
    its own type, so the OpenAPI document and the validation agree.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        copy = FieldInfo.merge_field_infos(info, default=None)
        copy.default_factory = None
        # The None placeholder means "left out", never a value to check.
        copy.validate_default = False
        fields[field_name] = (info.annotation, copy)
    return create_model(name, __base__=model, __module__=model.__module__, **fields)


def _admits_null(schema: dict) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if not (set(schema) & {"type", "$ref", "enum", "const", "anyOf", "oneOf", "allOf"}):
        return True  # any value
    return any(_admits_null(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


class JsonSchemaGenerator(GenerateJsonSchema):
    """Pydantic's JSON Schema, without a `default: null` that the field's type refuses.

    A PATCH field (`partial`), or an export field the server computes when it is absent,
    has None as its placeholder for "left out"; documented as `"default": null` on a
    `"type": "string"` it makes the document invalid OpenAPI (openapi-spec-validator) and
    tells a client to send what would be refused. Such a field is simply not required.
    """

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if json_schema.get("default", ...) is None and not _admits_null(json_schema):
            json_schema = {k: v for k, v in json_schema.items() if k != "default"}
        return json_schema


DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+)\s*m(?:in(?:utes?|s)?)?)?\s*$",
    re.IGNORECASE,
)
CLOCK = re.compile(r"^\s*(?P<h>\d+):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?\s*$")


def parse_duration(text: str) -> int:
    """Minutes from what people type: `45`, `1:30`, `1h30m`, `1h 30min`, `1.5h`, `90 min`."""
    value = str(text).strip()
    if value.isdigit():
        return int(value)
    if m := CLOCK.match(value):
        return int(m["h"]) * 60 + int(m["m"]) + (1 if m["s"] and int(m["s"]) >= 30 else 0)
    m = DURATION.match(value)
    if m and (m["h"] or m["m"]):
        hours = float(m["h"].replace(",", ".")) if m["h"] else 0.0
        return round(hours * 60) + int(m["m"] or 0)
    raise ValueError("Enter minutes (45), hours and minutes (1:30) or 1h30m.")


BARS = re.compile(
    r"^\s*(?:bars?|mm?\.?)?\s*(\d{1,5})\s*(?:(?:-|–|—|to|\.\.)\s*(\d{1,5}))?\s*$", re.IGNORECASE
)


def parse_bars(text: str) -> tuple[int, int]:
    """`33-40`, `33–40`, `bars 33 to 40` or `33` → (33, 40); start must not exceed end."""
    m = BARS.match(str(text))
    if not m:
        raise ValueError("Enter bars like 33-40 or a single bar like 12.")
    start, end = int(m[1]), int(m[2] or m[1])
    if start < 1:
        raise ValueError("Bars are numbered from 1.")
    if start > end:
        raise ValueError(f"The first bar ({start}) comes after the last ({end}).")
    return start, end
