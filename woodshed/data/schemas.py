"""Shapes of the import API and the import form, and of what an import answers."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from woodshed.data.spreadsheet import FIELDS
from woodshed.errors import DomainError
from woodshed.validation import Schema, max_length

DateOrder = Literal["DMY", "MDY"]


_MAPPING_HELP = (
    "JSON object from column header to field: "
    + ", ".join(f"`{f}`" for f in FIELDS)
    + ' (or `""` to ignore the column). Without it the saved mapping and guesses from the '
    "headers are used; the answer shows the mapping used."
)
_DATE_ORDER_HELP = (
    "How to read dates like 05/03/2024: day first (`DMY`) or month first (`MDY`). "
    "Default: the saved choice, else `DMY`."
)
_DRY_RUN_HELP = "`true` (default) answers the preview and problems; `false` imports."
_SAVE_HELP = "Remember the CSV mapping and date order for the next import (on commit)."


def _form_bool(value):
    """A form's `true`/`false` (what browsers and HTTP clients send); nothing else."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("form_bool", "Send true or false.")


FormBool = Annotated[bool, BeforeValidator(_form_bool)]
if TYPE_CHECKING:  # a Literal of the names in FIELDS, built at run time
    FieldName = str
else:
    FieldName = Literal[(*FIELDS, "")]


class ImportOptions(Schema):
    """The form fields sent with the file."""

    mapping: Annotated[str, *max_length(20000)] | None = Field(None, description=_MAPPING_HELP)
    date_order: DateOrder | None = Field(None, description=_DATE_ORDER_HELP)
    dry_run: FormBool = Field(True, description=_DRY_RUN_HELP)
    save_mapping: FormBool = Field(True, description=_SAVE_HELP)

    def parsed_mapping(self) -> dict[str, str] | None:
        """The mapping as a dict; a malformed one is a 422 on `mapping`."""
        if self.mapping is None or not self.mapping.strip():
            return None
        try:
            value = json.loads(self.mapping)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise DomainError(
                {
                    "mapping": 'Send a JSON object from column header to field, e.g. {"Minutes": '
                    '"duration_minutes"}.'
                }
            )
        unknown = sorted({v for v in value.values() if v and v not in FIELDS})
        if unknown:
            raise DomainError(
                {"mapping": f"Unknown field {unknown[0]!r}; use one of: {', '.join(FIELDS)}."}
            )
        return value


class ImportUpload(Schema):
    """multipart/form-data: the file plus the options (the OpenAPI description of the body;
    form fields are text, so optional ones are simply left out rather than null)."""

    file: bytes = Field(
        description="A Woodshed JSON export, a ZIP export (the JSON with the original "
        "recordings), or a CSV (comma, semicolon or tab separated; UTF-8 with or without "
        "BOM) with a header row."
    )
    # A JSON part (multipart serialises an object property as application/json).
    # None: left out (a null is refused).
    mapping: dict[str, FieldName] = Field(None, description=_MAPPING_HELP)  # type: ignore[arg-type]
    date_order: DateOrder = Field(None, description=_DATE_ORDER_HELP)  # type: ignore[arg-type]
    dry_run: bool = Field(True, description=_DRY_RUN_HELP)
    save_mapping: bool = Field(True, description=_SAVE_HELP)


class ProblemOut(Schema):
    row: int | None = Field(description="Spreadsheet row (the header is row 1); null for the file.")
    column: str | None = Field(description="The column header, when one column is at fault.")
    field: str | None = Field(description="The Woodshed field (or export path) at fault.")
    message: str


class PreviewRowOut(Schema):
    row: int
    started_at: datetime
    practice_date: date
    date_only: bool = Field(description="No time in the file: logged at noon of that day.")
    duration_minutes: int
    instrument: str | None
    piece: str | None
    section: str | None
    bars: str | None
    skill: str | None
    tags: list[str]
    notes: str
    next_time: str
    struggles: str
    achievements: str
    mood: int | None
    quality: int | None
    enjoyment: int | None
    new: list[str] = Field(
        description="What this row creates: `instrument`, `piece`, `section`, `skill`, "
        "`tag:<name>`."
    )
    duplicate: bool = Field(description="Already imported before: will be skipped.")


class ImportResult(Schema):
    kind: Literal["csv", "json", "zip"]
    committed: bool
    columns: list[str] = Field(default_factory=list, description="CSV column headers.")
    mapping: dict[str, str] = Field(
        default_factory=dict, description="The mapping used: column header → field."
    )
    date_order: DateOrder | None = None
    rows: int = Field(0, description="CSV rows read (blank rows are skipped).")
    duplicates: int = Field(0, description="Rows imported before, skipped.")
    preview: list[PreviewRowOut] = Field(default_factory=list)
    problems: list[ProblemOut] = Field(default_factory=list)
    creates: dict[str, list[str]] = Field(
        default_factory=dict, description="Names of what will be (or was) created, by kind."
    )
    contents: dict[str, int] = Field(
        default_factory=dict,
        description="JSON or ZIP: how many objects of each kind the file holds (a ZIP: "
        "`files_in_zip`, the original files it carries).",
    )
    created: dict[str, int] = Field(
        default_factory=dict, description="After a commit: how many of each kind were added."
    )
