"""Searching everything a musician wrote: hits grouped by kind, ranked, with snippets.

Hits come from `search_documents` alone (one statement), restricted by `policy.owned` to
the acting profile and, for someone who may not see private entries, to public ones.
Order within a kind: more query words in the title first, then the newest (a session's
practice date, otherwise when the object was added), then by id so pages never overlap.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup
from sqlalchemy.orm import aliased

from woodshed import policy
from woodshed.api.keyset import keyset_page
from woodshed.db import db
from woodshed.profiles.models import MusicianProfile
from woodshed.search import KINDS, SearchDocument, kind_order, matches, rank
from woodshed.search.schemas import SearchQuery
from woodshed.search.text import Terms, highlight, snippet

#: How each kind is named in the grouped results.
KIND_LABELS = {
    "piece": ("Piece", "Pieces"),
    "section": ("Section", "Sections"),
    "skill": ("Skill", "Skills"),
    "goal": ("Goal", "Goals"),
    "resource": ("Library", "Library"),
    "session": ("Journal entry", "Journal entries"),
    "plan": ("Plan", "Plans"),
}
PER_GROUP = 5  # hits shown per kind on the page that shows every kind
#: The page a hit of each kind opens. A kind whose page the reader may not open is not
#: searched at all: a teacher's link reads the journal, repertoire and goals, never the
#: library or the plans, so their titles and words are not shown to the teacher either.
KIND_PAGES = {
    "piece": "repertoire.piece",
    "section": "repertoire.piece",
    "skill": "repertoire.skill",
    "goal": "goals.goal",
    "resource": "library.edit",
    "session": "journal.show",
    "plan": "plans.detail",
}


def readable_kinds(user, profile: MusicianProfile) -> frozenset[str]:
    """The kinds of hit `user` may open of `profile`'s (all of them: the musician, family)."""
    return frozenset(k for k, page in KIND_PAGES.items() if policy.readable(user, profile, page))


@dataclass
class Hit:
    """One object found: what the API answers and the page shows."""

    kind: str
    id: uuid.UUID
    title: str
    title_html: Markup
    snippet: Markup
    url: str
    dated: date


@dataclass
class Group:
    kind: str
    label: str
    total: int
    hits: list[Hit]


def _url(doc: SearchDocument) -> str:
    match doc.kind:
        case "piece":
            return url_for("repertoire.piece", piece_id=doc.object_id)
        case "section":
            return url_for("repertoire.piece", piece_id=doc.parent_id) + f"#section-{doc.object_id}"
        case "skill":
            return url_for("repertoire.skill", skill_id=doc.object_id)
        case "goal":
            return url_for("goals.goal", goal_id=doc.object_id)
        case "resource":
            return url_for("library.edit", resource_id=doc.object_id)
        case "session":
            return url_for("journal.show", session_id=doc.object_id)
        case _:
            return url_for("plans.detail", plan_id=doc.object_id)


def _hit(doc: SearchDocument, terms: Terms) -> Hit:
    # A session has no title of its own: it is the entry of its practice day.
    title = doc.title or f"Practice on {doc.dated.isoformat()}"
    return Hit(
        kind=doc.kind,
        id=doc.object_id,
        title=title,
        title_html=highlight(title, terms),
        snippet=snippet(doc.body, terms),
        url=_url(doc),
        dated=doc.dated,
    )


def _visible(
    profile: MusicianProfile,
    terms: Terms,
    include_private: bool,
    kind: str | None = None,
    kinds: frozenset[str] | None = None,
) -> sa.Select:
    stmt = policy.owned(SearchDocument, profile).where(matches(terms))
    if kinds is not None:
        stmt = stmt.where(SearchDocument.kind.in_(sorted(kinds)))
    if kind is not None:
        stmt = stmt.where(SearchDocument.kind == kind)
    if not include_private:
        stmt = stmt.where(SearchDocument.private.is_(False))
    return stmt


def search_page(
    profile: MusicianProfile,
    query: SearchQuery,
    include_private: bool,
    kinds: frozenset[str] | None = None,
) -> tuple[list[Hit], str | None]:
    """One page of hits (of one kind, or of every kind grouped in KINDS order)."""
    terms = Terms.parse(query.q)
    if not terms:
        return [], None
    order = (
        (kind_order(), False),
        (rank(terms), True),
        (SearchDocument.dated, True),
        (SearchDocument.object_id, True),
    )
    visible = _visible(profile, terms, include_private, query.kind, kinds)
    docs, cursor = keyset_page(visible, order, query)
    return [_hit(d, terms) for d in docs], cursor


def grouped(
    profile: MusicianProfile, q: str, include_private: bool, kinds: frozenset[str] | None = None
) -> list[Group]:
    """The best few hits of every kind and how many there are, in one statement."""
    terms = Terms.parse(q)
    if not terms:
        return []
    position = sa.func.row_number().over(
        partition_by=SearchDocument.kind,
        order_by=(
            rank(terms).desc(),
            SearchDocument.dated.desc(),
            SearchDocument.object_id.desc(),
        ),
    )
    total = sa.func.count().over(partition_by=SearchDocument.kind)
    ranked = (
        _visible(profile, terms, include_private, kinds=kinds)
        .add_columns(position.label("position"), total.label("total"))
        .subquery()
    )
    found = aliased(SearchDocument, ranked)
    rows = db.session.execute(
        sa.select(found, ranked.c.total)
        .where(ranked.c.position <= PER_GROUP)
        .order_by(ranked.c.kind, ranked.c.position)
    ).all()
    groups: dict[str, Group] = {}
    for doc, count in rows:
        group = groups.setdefault(doc.kind, Group(doc.kind, KIND_LABELS[doc.kind][1], count, []))
        group.hits.append(_hit(doc, terms))
    return [groups[k] for k in KINDS if k in groups]
