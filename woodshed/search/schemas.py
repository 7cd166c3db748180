"""The search query and a hit, for the page, the API and OpenAPI."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from woodshed.api.pagination import ListQuery
from woodshed.search import KINDS
from woodshed.validation import Schema, line_rules

if TYPE_CHECKING:  # a Literal of the names in KINDS, built at run time
    Kind = str
else:
    Kind = Literal[KINDS]


class SearchQuery(ListQuery):
    """Words to find, and optionally one kind of object; the page uses the same names."""

    q: Annotated[str, *line_rules(200)] = Field(
        "",
        description="Words to find (accents and case do not matter; the last word may be "
        "the start of a longer one). Without words there are no hits.",
    )
    kind: Kind | None = Field(None, description="Only hits of this kind.")
    limit: int = Field(20, ge=1, le=100, description="How many hits to return.")


class HitOut(Schema):
    kind: Kind
    id: uuid.UUID
    title: str
    snippet: str = Field(
        description="A stretch of the object's text, HTML-escaped, with matched words in "
        "`<mark>` (the only markup it contains)."
    )
    url: str = Field(description="The page of the object in the web app.")
