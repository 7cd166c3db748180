"""Comment input and output."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from woodshed.validation import Schema, text_rules

CommentBody = Annotated[
    str,
    *text_rules(5000, required=True),
    Field(description="Markdown (raw HTML is not rendered), 1–5,000 characters."),
]


class CommentIn(Schema):
    body: CommentBody
    item_index: int | None = Field(
        None, ge=0, le=999, description="The session item (0-based) the comment is about."
    )
    section_id: uuid.UUID | None = Field(None, description="The passage it is about.")
    parent_id: uuid.UUID | None = Field(None, description="The comment this one replies to.")


class SectionCommentIn(Schema):
    body: CommentBody
    parent_id: uuid.UUID | None = Field(None, description="The comment this one replies to.")


class AuthorOut(Schema):
    id: uuid.UUID | None
    display_name: str
    role: Literal["musician", "guardian", "teacher", "former_teacher"]


class CommentOut(Schema):
    id: uuid.UUID
    body: str
    body_html: str = Field(description="The body rendered from Markdown and sanitised.")
    author: AuthorOut
    created_at: datetime
    session_id: uuid.UUID | None
    item_index: int | None
    section_id: uuid.UUID | None
    parent_id: uuid.UUID | None
