"""Shared input plumbing: the schema base class, common field types, stable error messages
and the bridge from an HTML form to a pydantic schema.

Every message a person sees about bad input comes from `message_for`, so the form and the
API say the same thing in the same words.
"""

from __future__ import annotations

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
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import MultiDict

from woodshed.errors import FieldError
from woodshed.timeutil import is_valid_timezone, timezone_names

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


def _no_control_chars(value: str) -> str:
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value) or "\x7f" in value:
        raise PydanticCustomError("control_chars", "Remove the control characters.")
    return value


#: For string types built outside `text()`: PostgreSQL cannot even compare a text with NUL.
no_control_chars = _no_control_chars


# What `_no_control_chars` (and, for required text, stripping) allows, as JSON Schema
# patterns, so the OpenAPI document states the same rule the server applies.
_TEXT_CHAR = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]"
NO_CONTROL_CHARS = f"^{_TEXT_CHAR}*$"
NOT_BLANK = f"^{_TEXT_CHAR}*[^\\s\\u0000-\\u001f\\u007f]{_TEXT_CHAR}*$"


def _raw_length(max_length: int):
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


def text(max_length: int, *, required: bool = False) -> Any:
    """A string type with a length limit (and a minimum of one character if required)."""
    return Annotated[
        str,
        _raw_length(max_length),
        StringConstraints(min_length=1 if required else 0, max_length=max_length),
        AfterValidator(_no_control_chars),
        Field(json_schema_extra={"pattern": NOT_BLANK if required else NO_CONTROL_CHARS}),
    ]


Name = text(200, required=True)
ShortText = text(200)
LongText = text(20000)


def _timezone_enum(schema: dict[str, Any]) -> None:
    schema["enum"] = list(timezone_names())


Timezone = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_timezone),
    Field(description="An IANA time zone name.", json_schema_extra=_timezone_enum),
]
Rating = Annotated[int, Field(ge=1, le=5)]


def message_for(error: dict[str, Any]) -> str:
    """One stable, human sentence for a pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "This field is required."
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


def parse_form(schema: type[S], formdata: MultiDict, lists: tuple[str, ...] = (), **extra) -> S:
    """Validate a form with the same schema the API uses; raises DomainError on bad input."""
    from woodshed.errors import validation_problem

    data = form_to_dict(formdata, lists) | extra
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc) from exc


def partial(model: type[S], name: str) -> type[S]:
    """The PATCH twin of a create schema: same fields and rules, none required.

    A field left out keeps its stored value; a non-nullable field sent as null is refused by
    its own type, so the OpenAPI document and the validation agree.
    """
    fields = {}
    for field_name, info in model.model_fields.items():
        copy = FieldInfo.merge_field_infos(info, default=None)
        copy.default_factory = None
        fields[field_name] = (info.annotation, copy)
    return create_model(name, __base__=model, __module__=model.__module__, **fields)
