"""Full-text search over everything a musician writes: one `search_documents` row per object.

Pieces, sections, skills, goals, library resources, practice sessions and plans each keep
one row here, written by the service that changes the object (`index`, `unindex`) and
rebuilt from the objects by `woodshed.search.rebuild`. A row holds the object's title and
text as written (for snippets) and its folded words (`woodshed.search.text`), which are
what the databases compare: PostgreSQL through a GIN index over `words::tsvector`, SQLite
through an FTS5 table with the `ascii` tokenizer, kept in step by triggers (both made in
the migrations). Neither database folds or stems anything itself, so "Gymnopedie" finds
"Gymnopédie" on both, and a query finds whole words (the last one also as a prefix),
never pieces of words.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from woodshed.db import Base, bulk_insert, db
from woodshed.search.text import Terms, unique_words

#: The kinds of object search finds, in the order results are grouped.
KINDS = ("piece", "section", "skill", "goal", "resource", "session", "plan")
TITLE_LENGTH = 300


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
    # What a person sees: the title and the text as written (snippets are cut from it).
    title: Mapped[str] = mapped_column(sa.String(TITLE_LENGTH), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # What the databases match: distinct folded words of title and body, and of the title
    # alone (hits with more query words in their title rank first).
    words: Mapped[str] = mapped_column(sa.Text, default="")
    title_words: Mapped[str] = mapped_column(sa.Text, default="")
    # The object a hit links through (a section's piece), the date it is shown and ranked
    # by (a session's practice date; when other objects were added), and whether only
    # those allowed to see private entries may find it.
    parent_id: Mapped[uuid.UUID | None]
    dated: Mapped[date]
    private: Mapped[bool] = mapped_column(default=False)


@dataclass
class Doc:
    """The searchable side of one object, as its feature describes it."""

    kind: str
    object_id: uuid.UUID
    profile_id: uuid.UUID
    title: str
    texts: Sequence[str | None]
    dated: date
    parent_id: uuid.UUID | None = None
    private: bool = False

    def row(self) -> dict:
        body = "\n".join(t for t in self.texts if t)
        return {
            "profile_id": self.profile_id,
            "kind": self.kind,
            "object_id": self.object_id,
            "title": self.title[:TITLE_LENGTH],
            "body": body,
            "words": unique_words([self.title, body]),
            "title_words": unique_words([self.title]),
            "parent_id": self.parent_id,
            "dated": self.dated,
            "private": self.private,
        }


# --- keeping the index -----------------------------------------------------------------------


def index(doc: Doc) -> None:
    """Store (or replace) the searchable text of one object."""
    index_many([doc])


def index_many(docs: Iterable[Doc]) -> None:
    """Store (or replace) the searchable text of many objects: one query to find the
    rows they have, one insert for those they lack."""
    rows = {(d.kind, d.object_id): d.row() for d in docs}
    if not rows:
        return
    existing = {
        (doc.kind, doc.object_id): doc
        for doc in db.session.scalars(
            sa.select(SearchDocument).where(
                SearchDocument.object_id.in_([object_id for _, object_id in rows])
            )
        )
    }
    new = []
    for key, row in rows.items():
        doc = existing.get(key)
        if doc is None:
            new.append(row)
            continue
        for name, value in row.items():
            if getattr(doc, name) != value:
                setattr(doc, name, value)
    db.session.flush()
    bulk_insert(SearchDocument.__table__, new)


def unindex(kind: str, object_ids: list[uuid.UUID]) -> None:
    """Forget objects that are being deleted."""
    if object_ids:
        db.session.execute(
            sa.delete(SearchDocument)
            .where(SearchDocument.kind == kind, SearchDocument.object_id.in_(object_ids))
            .execution_options(synchronize_session=False)
        )


def replace(profile_ids: list[uuid.UUID], docs: Iterable[Doc]) -> int:
    """Rebuild: drop every row of these profiles and insert `docs` (bulk); answers how many."""
    db.session.flush()
    db.session.execute(
        sa.delete(SearchDocument)
        .where(SearchDocument.profile_id.in_(profile_ids))
        .execution_options(synchronize_session=False)
    )
    rows = [d.row() for d in docs]
    bulk_insert(SearchDocument.__table__, rows)
    return len(rows)


# --- matching --------------------------------------------------------------------------------


def matches(terms: Terms) -> sa.ColumnElement[bool]:
    """Documents holding every term (the last also as a prefix), through the index."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Lexemes are given to tsquery/tsvector as they are: folded words, letters and
        # digits only, so no quoting or parsing by PostgreSQL's text-search parser.
        tsquery = " & ".join([f"'{t}'" for t in terms.whole] + [f"'{terms.prefix}':*"])
        return sa.cast(SearchDocument.words, TSVECTOR).op("@@")(
            sa.cast(sa.bindparam("search_tsquery", tsquery, sa.String), TSQUERY)
        )
    match = " ".join([f'"{t}"' for t in terms.whole] + [f'"{terms.prefix}"*'])
    fts = sa.text("SELECT rowid FROM search_fts WHERE search_fts MATCH :search_match").bindparams(
        search_match=match
    )
    return SearchDocument.id.in_(fts)


def rank(terms: Terms) -> sa.ColumnElement[int]:
    """How many of the query's words the title holds (more first)."""
    padded = sa.literal(" ") + SearchDocument.title_words + sa.literal(" ")
    patterns = [f"% {t} %" for t in terms.whole] + [f"% {terms.prefix}%"]
    return sa.type_coerce(
        sum((sa.case((padded.like(p), 1), else_=0) for p in patterns), sa.literal(0)),
        sa.Integer,
    )


def kind_order() -> sa.ColumnElement[int]:
    return sa.type_coerce(
        sa.case({k: i for i, k in enumerate(KINDS)}, value=SearchDocument.kind, else_=len(KINDS)),
        sa.Integer,
    )


def matching_ids(profile_id: uuid.UUID, kind: str, query: str) -> sa.Select | None:
    """A select of object ids whose text has every word of `query`; None for no words."""
    terms = Terms.parse(query)
    if not terms:
        return None
    return sa.select(SearchDocument.object_id).where(
        SearchDocument.profile_id == profile_id, SearchDocument.kind == kind, matches(terms)
    )
