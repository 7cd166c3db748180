"""Words as search sees them, and snippets that are safe HTML (only <mark> added)."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from woodshed.search.text import Terms, fold, highlight, snippet, words


def test_accents_case_and_compatibility_forms_fold_away():
    assert words("Gymnopédie No. 1") == ["gymnopedie", "no", "1"]
    assert words("GYMNOPÉDIE") == words("gymnopedie") == words("Gymnope\u0301die")
    assert words("Straße ﬁne") == ["strasse", "fine"]
    assert words("left_hand, right-hand") == ["left", "hand", "right", "hand"]


def test_the_last_query_word_may_begin_a_longer_word_the_others_must_be_whole():
    terms = Terms.parse("clair gymno")
    assert terms.match(words("Clair de lune, Gymnopédie"))
    assert not Terms.parse("clai gymnopedie").match(words("Clair de lune, Gymnopédie"))
    assert not Terms.parse("ymno").match(words("Gymnopédie"))  # never inside a word


def test_a_query_without_words_matches_nothing():
    assert not Terms.parse("  —!? ")
    assert not Terms.parse("").match(words("anything"))


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)


def test_a_snippet_escapes_the_text_and_marks_the_matches():
    body = '<script>alert("x")</script> Played <b>Gymnopédie</b> &amp; Satie'
    result = str(snippet(body, Terms.parse("gymnopedie satie")))
    assert result == (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Played &lt;b&gt;<mark>Gymnopédie</mark>"
        "&lt;/b&gt; &amp;amp; <mark>Satie</mark>"
    )


def test_a_long_text_is_cut_around_the_first_match():
    body = "scales " * 60 + "the Fioritura at 58 " + "arpeggios " * 60
    result = str(snippet(body, Terms.parse("fioritura")))
    assert result.startswith("…")
    assert result.endswith("…")
    assert "<mark>Fioritura</mark>" in result
    assert len(html.unescape(re.sub("</?mark>", "", result))) <= 170


texts = st.lists(
    st.sampled_from([*"ab é<>&\"'/\n\t", "Gymnopédie", "<mark>", "</b>", "&amp;", "e\u0301"]),
    max_size=30,
).map("".join)


@settings(max_examples=300)
@given(body=texts, query=texts)
def test_a_snippet_is_the_text_escaped_with_only_mark_added(body, query):
    terms = Terms.parse(query)
    result = str(snippet(body, terms, length=40))
    parser = Tags()
    parser.feed(result)
    assert set(parser.tags) <= {"mark"}
    plain = html.unescape(re.sub(r"</?mark>", "", result)).strip("…")
    assert plain in " ".join(body.split())
    # Every marked stretch is a word the query matches.
    for marked in re.findall(r"<mark>(.*?)</mark>", result):
        assert all(terms.hits(w) for w in words(html.unescape(marked)))


def _fold_in_full(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@given(st.text(max_size=40) | st.text(st.characters(max_codepoint=127), max_size=40))
def test_folding_plain_ascii_the_short_way_folds_as_the_full_way(value):
    assert fold(value) == _fold_in_full(value)


@given(st.text(max_size=40))
def test_folding_is_stable(value):
    assert fold(fold(value)) == fold(value)
    assert words(" ".join(words(value))) == words(value)
    assert all(w.isalnum() for w in words(value))


def test_a_title_is_highlighted_the_same_way():
    assert str(highlight("Clair de lune <3", Terms.parse("lune"))) == (
        "Clair de <mark>lune</mark> &lt;3"
    )
