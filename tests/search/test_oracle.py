"""PERF-SEARCH's correctness side: for random small journals of two musicians, search finds
exactly what a naive word match (accents and case folded) over the same objects finds —
in the same order — and never the other musician's objects, nor private entries for
someone who may not see them."""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    log_session,
    make_goal,
    make_persona,
    make_piece,
    make_plan,
    make_resource,
    make_section,
    make_skill,
)
from woodshed.db import db, utcnow
from woodshed.search import KINDS
from woodshed.search import services as search_services
from woodshed.search.schemas import SearchQuery

VOCABULARY = [
    "Gymnopédie", "gymnopedie", "GYMNOPÉDIE", "Satie", "Debussy", "Clair", "lune", "Étude",
    "etude", "Fioritura", "cadenza", "Tárrega", "Lágrima", "naïve", "left", "hand",
    "left-hand", "scales", "scale", "arpeggios", "tempo", "72", "bars", "33", "C#", "Ré",
    "re", "ÉLAN", "Ångström", "coda", "Coda", "<b>bold</b>", "a&b", "fin_de", "siècle",
]  # fmt: skip
SEPARATORS = [" ", ", ", ". ", "\n", " — ", "/", " (", ") "]

words = st.sampled_from(VOCABULARY)
text = st.lists(st.tuples(words, st.sampled_from(SEPARATORS)), max_size=6).map(
    lambda parts: "".join(w + s for w, s in parts).strip()
)
title = st.lists(words, min_size=1, max_size=3).map(" ".join)


def _object():
    return st.fixed_dictionaries({"title": title, "a": text, "b": text})


journal_st = st.fixed_dictionaries(
    {
        "pieces": st.lists(_object(), max_size=3),
        "skills": st.lists(_object(), max_size=2),
        "goals": st.lists(_object(), max_size=2),
        "resources": st.lists(_object(), max_size=2),
        "plans": st.lists(_object(), max_size=2),
        "sessions": st.lists(
            st.fixed_dictionaries(
                {"notes": text, "struggles": text, "tags": st.lists(words, max_size=2),
                 "private": st.booleans(), "days_ago": st.integers(0, 20)}
            ),
            max_size=4,
        ),
    }
)  # fmt: skip


def _query():
    whole = st.lists(words, min_size=1, max_size=2)
    prefix = words.map(lambda w: w[: max(1, len(w) // 2)])  # "Gymno" → a prefix
    inside = words.map(lambda w: w[1:4])  # letters from inside a word: never a hit alone
    return st.one_of(
        whole.map(" ".join),
        st.tuples(whole, prefix).map(lambda t: " ".join([*t[0], t[1]])),
        inside,
        words.map(str.upper),
    )


# --- the oracle: naive folding and word matching, written independently --------------------


def naive_words(value: str) -> list[str]:
    folded = "".join(
        c for c in unicodedata.normalize("NFD", value) if unicodedata.category(c) != "Mn"
    ).casefold()
    return [w for w in re.split(r"[^0-9a-z]+", folded) if w]


def naive_hit(texts: list[str], query: str) -> bool:
    terms = list(dict.fromkeys(naive_words(query)))
    present = {w for t in texts for w in naive_words(t)}
    if not terms:
        return False
    *whole, last = terms
    return all(t in present for t in whole) and any(w.startswith(last) for w in present)


def naive_rank(title_text: str, query: str) -> int:
    terms = list(dict.fromkeys(naive_words(query)))
    present = set(naive_words(title_text))
    *whole, last = terms
    return sum(t in present for t in whole) + any(w.startswith(last) for w in present)


counter = itertools.count()


def build(data) -> list[tuple]:
    """Alice's and Bob's objects; answers alice's as (kind, id, title, texts, dated, private)."""
    n = next(counter)
    objects = []
    for name in ("alice", "bob"):
        persona = make_persona(f"{name}{n}-search")
        profile = persona.profile
        mine = []
        for d in data["pieces"]:
            # A composer and a section's name are single-line text (line breaks are refused
            # since single-line validation was merged), so the text's separators become spaces.
            line = " ".join(d["a"].split())[:200]
            piece = make_piece(profile, d["title"], composer=line, notes=d["b"])
            mine.append(("piece", piece.id, d["title"], [d["title"], line, d["b"]]))
            section = make_section(piece, line or "A", (3, 9), notes=d["b"])
            section_title = f"{d['title']} › {line or 'A'}"
            mine.append(("section", section.id, section_title, [section_title, "bars 3–9", d["b"]]))
        for i, d in enumerate(data["skills"]):
            # Skill names are unique per musician ignoring case ("Coda" and "coda" clash).
            skill = make_skill(profile, f"{d['title']} {n}-{i}", description=d["a"])
            mine.append(("skill", skill.id, skill.name, [skill.name, "technique", d["a"]]))
        for d in data["goals"]:
            goal = make_goal(profile, d["title"], description=d["a"])
            mine.append(("goal", goal.id, d["title"], [d["title"], d["a"]]))
        for d in data["resources"]:
            r = make_resource(profile, kind="note", title=d["title"], url=None, text=d["a"] or "x")
            mine.append(("resource", r.id, d["title"], [d["title"], d["a"] or "x"]))
        for d in data["plans"]:
            plan = make_plan(profile, title=d["title"], description=d["a"], notes=d["b"])
            mine.append(("plan", plan.id, d["title"], [d["title"], d["a"], d["b"]]))
        for d in data["sessions"]:
            session = log_session(
                profile,
                started_at=utcnow() - timedelta(days=d["days_ago"], hours=1),
                notes=d["notes"],
                struggles=d["struggles"],
                tags=d["tags"],
                private=d["private"],
            )
            texts = [d["notes"], d["struggles"], *(t.name for t in session.tags)]
            mine.append(("session", session.id, "", texts, session.practice_date, d["private"]))
        db.session.flush()
        objects.append((profile, persona.user, mine))
    (alice, _, alice_objects), (_, _, bob_objects) = objects
    return alice, alice_objects, {o[1] for o in bob_objects}


def every_page(profile, query: str, include_private: bool, limit: int) -> list[tuple]:
    found, cursor = [], None
    while True:
        hits, cursor = search_services.search_page(
            profile, SearchQuery(q=query, limit=limit, cursor=cursor), include_private
        )
        found += [(h.kind, h.id) for h in hits]
        if cursor is None:
            return found


@pytest.mark.slow
@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=journal_st, queries=st.lists(_query(), min_size=1, max_size=4))
def test_search_finds_what_a_naive_word_match_finds_and_nothing_of_anyone_else(app, data, queries):
    profile, objects, bobs = build(data)
    with app.test_request_context():  # hits carry the URLs of their pages
        for query in queries:
            check(profile, objects, bobs, query)


def check(profile, objects, bobs, query) -> None:
    for include_private in (True, False):
        expected = [
            o
            for o in objects
            if naive_hit(o[3], query) and (include_private or not (len(o) > 5 and o[5]))
        ]
        # Grouped by kind; more query words in the title first; then newest; then id.
        expected.sort(
            key=lambda o: (
                KINDS.index(o[0]),
                -naive_rank(o[2], query),
                -(o[4].toordinal() if len(o) > 4 else utcnow().date().toordinal()),
                -o[1].int,
            )
        )
        for limit in (1, 3):
            found = every_page(profile, query, include_private, limit)
            assert found == [(o[0], o[1]) for o in expected], query
            assert not {i for _, i in found} & bobs

        groups = search_services.grouped(profile, query, include_private)
        totals = {g.kind: g.total for g in groups}
        wanted = {k: sum(1 for o in expected if o[0] == k) for k in KINDS}
        assert totals == {k: v for k, v in wanted.items() if v}, query
        for group in groups:
            in_kind = [(o[0], o[1]) for o in expected if o[0] == group.kind]
            assert [(h.kind, h.id) for h in group.hits] == in_kind[: search_services.PER_GROUP]
