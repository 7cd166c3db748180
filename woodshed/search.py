"""Full-text search over the journal and the reference library.

Each searchable object has one row in `search_documents` (its words as one text). On
PostgreSQL a GIN index over `to_tsvector('simple', body)` answers queries; on SQLite an
FTS5 table kept in step by triggers does (both created in the migration). Either way a
query finds whole words (with the last word also as a prefix), never substrings of words.
"""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from woodshed.db import Base, bulk_insert, db

WORD = re.compile(r"\w+", re.UNICODE)


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (
        sa.UniqueConstraint("kind", "object_id"),
        sa.Index("ix_search_documents_profile_kind", "profile_id", "kind"),
    )

    # An integer key: on SQLite it is the rowid the FTS5 index refers to (stable, unlike
    # the implicit rowid of a table keyed by UUID, which VACUUM may renumber).
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[uuid.UUID]
    body: Mapped[str] = mapped_column(sa.Text, default="")


def index(profile_id: uuid.UUID, kind: str, object_id: uuid.UUID, *texts: str | None) -> None:
    """Store (or replace) the searchable text of one object."""
    index_many(profile_id, kind, {object_id: list(texts)})


def index_many(profile_id: uuid.UUID, kind: str, texts: dict[uuid.UUID, list[str | None]]) -> None:
    """Store (or replace) the searchable text of many objects: one query to find, one
    insert to add."""
    if not texts:
        return
    bodies = {object_id: "\n".join(t for t in parts if t) for object_id, parts in texts.items()}
    existing = {
        doc.object_id: doc
        for doc in db.session.scalars(
            sa.select(SearchDocument).where(
                SearchDocument.kind == kind, SearchDocument.object_id.in_(list(bodies))
            )
        )
    }
    new = []
    for object_id, body in bodies.items():
        doc = existing.get(object_id)
        if doc is None:
            new.append(
                {"profile_id": profile_id, "kind": kind, "object_id": object_id, "body": body}
            )
        elif doc.body != body:
            doc.body = body
    bulk_insert(SearchDocument.__table__, new)


def unindex(kind: str, object_ids: list[uuid.UUID]) -> None:
    if object_ids:
        db.session.execute(
            sa.delete(SearchDocument).where(
                SearchDocument.kind == kind, SearchDocument.object_id.in_(object_ids)
            )
        )


def words(query: str) -> list[str]:
    return WORD.findall(query.lower())[:12]


def matching_ids(profile_id: uuid.UUID, kind: str, query: str) -> sa.Select | None:
    """A select of object ids whose text has every word of `query`; None for no words."""
    terms = words(query)
    if not terms:
        return None
    base = sa.select(SearchDocument.object_id).where(
        SearchDocument.profile_id == profile_id, SearchDocument.kind == kind
    )
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(
            f"{t}:*" if i == len(terms) - 1 else t for i, t in enumerate(_pg_safe(terms))
        )
        if not tsquery:
            return None
        return base.where(
            sa.func.to_tsvector(sa.literal_column("'simple'"), SearchDocument.body).op("@@")(
                sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery)
            )
        )
    match = " ".join(f'"{t}"' + ("*" if i == len(terms) - 1 else "") for i, t in enumerate(terms))
    fts = sa.text("SELECT rowid FROM search_fts WHERE search_fts MATCH :match").bindparams(
        match=match
    )
    return base.where(SearchDocument.id.in_(fts))


def _pg_safe(terms: list[str]) -> list[str]:
    # to_tsquery has its own syntax; \w+ words are safe once quotes and colons are gone.
    return [t for t in (re.sub(r"[^\w]", "", t) for t in terms) if t]
