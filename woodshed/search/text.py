"""Words as search sees them, and snippets with the matched words marked.

A text is cut into tokens (runs of letters and digits, accents included); each token is
folded — compatibility forms decomposed, case folded, accents dropped — so "Gymnopédie",
"GYMNOPEDIE" and "gymnopedie" are one word. The index stores these folded words and each
database only compares them as they are (see `woodshed.search`), so which words match is
decided here, in Python, once for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

#: A token: letters and digits, with any accents written as combining marks after them.
#: (Underscores separate words: "left_hand" is "left" and "hand".)
MARKS = r"\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
TOKEN = re.compile(rf"(?:[^\W_][{MARKS}]*)+")
WORD = re.compile(r"[^\W_]+")
#: Longer "words" (hashes, pasted blobs) are not indexed; PostgreSQL caps a lexeme at 2 KB.
MAX_WORD = 60
#: At most this many words of a query count (the rest are ignored).
MAX_TERMS = 12


def fold(text: str) -> str:
    """Case and accents folded away: 'Gymnopédie' → 'gymnopedie', 'Straße' → 'strasse'."""
    if text.isascii():  # nothing to decompose and no accents: folding is lowering
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def token_words(token: str) -> list[str]:
    """The folded words of one token (folding can split one: '½' → '1', '2')."""
    return [w for w in WORD.findall(fold(token)) if len(w) <= MAX_WORD]


def words(text: str | None) -> list[str]:
    """Every folded word of `text`, in order."""
    return [w for token in TOKEN.findall(text or "") for w in token_words(token)]


def unique_words(texts: Iterable[str | None]) -> str:
    """The distinct folded words of some texts, space-separated: what the index stores."""
    return " ".join(dict.fromkeys(w for text in texts for w in words(text)))


@dataclass(frozen=True)
class Terms:
    """The words of a query: each must occur; the last may also begin a longer word
    ("gymno" finds "Gymnopédie"), so results follow as one types."""

    whole: tuple[str, ...]
    prefix: str | None

    @classmethod
    def parse(cls, query: str | None) -> Terms:
        found = list(dict.fromkeys(words(query)))[:MAX_TERMS]
        if not found:
            return cls((), None)
        return cls(tuple(found[:-1]), found[-1])

    def __bool__(self) -> bool:
        return self.prefix is not None

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.whole, self.prefix) if self.prefix is not None else self.whole

    def hits(self, word: str) -> bool:
        """Whether one folded word is matched by a term of this query."""
        return word in self.whole or (self.prefix is not None and word.startswith(self.prefix))

    def match(self, text_words: Iterable[str]) -> bool:
        """Whether a text with these folded words is a hit: every term is there (a query
        without words is no hit)."""
        if self.prefix is None:
            return False
        present = set(text_words)
        if not all(t in present for t in self.whole):
            return False
        return any(w.startswith(self.prefix) for w in present)


def _marked_spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    return [
        m.span() for m in TOKEN.finditer(text) if any(terms.hits(w) for w in token_words(m.group()))
    ]


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> Markup:
    """text[start:end] escaped, with the spans that lie wholly inside it in <mark>."""
    out, at = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[at:s]))
        out.append(Markup("<mark>%s</mark>") % text[s:e])
        at = e
    out.append(escape(text[at:end]))
    return Markup("").join(out)


def highlight(text: str, terms: Terms) -> Markup:
    """`text` escaped, with each matched word in <mark>; nothing else becomes markup."""
    return _render(text, _marked_spans(text, terms), 0, len(text))


SNIPPET = 160  # characters of context shown around the first matched word


def snippet(body: str, terms: Terms, length: int = SNIPPET) -> Markup:
    """A short stretch of `body` around its first matched word, matches marked.

    The text is escaped piece by piece (markupsafe), so the only markup in the result
    is `<mark>`; whitespace runs become single spaces and cut ends show "…".
    """
    text = " ".join(body.split())
    spans = _marked_spans(text, terms)
    start = 0
    if spans and spans[0][0] > length // 3:
        start = spans[0][0] - length // 3
        space = text.find(" ", start, spans[0][0])
        start = space + 1 if space != -1 else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return Markup("").join(
        [
            Markup("…") if start > 0 else Markup(""),
            _render(text, spans, start, end),
            Markup("…") if end < len(text) else Markup(""),
        ]
    )
