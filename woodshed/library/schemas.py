"""Shapes of library resources (links and notes) for the form, the API and OpenAPI."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from woodshed.api.pagination import ListQuery
from woodshed.validation import Schema, line_rules, partial, text_rules

ResourceKind = Literal["link", "note"]
KIND_LABELS = {"link": "Link", "note": "Note"}
ResourceTitle = Annotated[str, *line_rules(200)]
ResourceUrl = Annotated[str, *line_rules(2000)]
ResourceText = Annotated[str, *text_rules(20000)]
SearchText = Annotated[str, *line_rules(200)]


class ResourceFields(Schema):
    kind: ResourceKind = "link"
    title: ResourceTitle = Field("", description="What it is, in a few words.")
    url: ResourceUrl | None = Field(
        None, validate_default=True, description="Web address (http or https); needed for a link."
    )
    text: ResourceText = Field(
        "", validate_default=True, description="Markdown; rendered sanitised. Needed for a note."
    )
    piece_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    skill_id: uuid.UUID | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = value or None
        if value is None:
            if info.data.get("kind") == "link":
                raise PydanticCustomError("link_address", "Enter the web address of the link.")
            return None
        scheme, sep, rest = value.partition("://")
        if not sep or scheme.lower() not in ("http", "https") or not rest or " " in value:
            raise PydanticCustomError(
                "link_address", "Enter a full web address starting with https:// or http://."
            )
        return value

    @field_validator("text")
    @classmethod
    def _note_has_text(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("kind") == "note" and not value:
            raise PydanticCustomError("resource_text", "Write the note.")
        return value

    @field_validator("skill_id")
    @classmethod
    def _one_subject(cls, value: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        music = info.data.get("piece_id") or info.data.get("section_id")
        if value is not None and music is not None:
            raise PydanticCustomError(
                "subject", "Attach a resource to a piece or section, or to a skill — not both."
            )
        return value


class ResourceIn(ResourceFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id: re-sending it returns the same resource."
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    ResourceUpdate = ResourceFields
else:
    ResourceUpdate = partial(ResourceFields, "ResourceUpdate")


class ResourceOut(Schema):
    id: uuid.UUID
    kind: ResourceKind
    title: str
    url: str | None
    text: str
    piece_id: uuid.UUID | None
    section_id: uuid.UUID | None
    skill_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


class ResourceQuery(ListQuery):
    """Filters for the library; the HTML page puts the same names in its URL."""

    kind: ResourceKind | None = None
    piece_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    skill_id: uuid.UUID | None = None
    q: SearchText | None = Field(None, description="Words in the title, address or text.")
