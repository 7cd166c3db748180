"""Sections: bar ranges are validated; nested and overlapping ranges are allowed."""

import pytest
from pydantic import ValidationError

from tests.factories import make_piece, make_section
from woodshed.errors import DomainError
from woodshed.repertoire import services


def test_a_range_that_ends_before_it_starts_is_refused(alice):
    piece = make_piece(alice.profile)
    with pytest.raises(ValidationError) as refused:
        make_section(piece, "B", (40, 33))
    assert "The last bar (33) comes before the first (40)." in str(refused.value)


@pytest.mark.parametrize(("bars", "field"), [((0, 4), "bar_start"), ((1, 10000), "bar_end")])
def test_bars_are_counted_from_one_and_stay_in_range(alice, bars, field):
    piece = make_piece(alice.profile)
    with pytest.raises(ValidationError) as refused:
        make_section(piece, "X", bars)
    assert field in str(refused.value)


def test_nested_and_overlapping_sections_are_all_kept(alice):
    piece = make_piece(alice.profile)
    whole = make_section(piece, "A", (1, 8))
    inner = make_section(piece, "A theme", (1, 4))
    overlap = make_section(piece, "Bridge", (7, 12))
    single = make_section(piece, "Fermata", (8, 8))
    assert whole.contains(inner)
    assert not inner.contains(whole)
    assert not whole.contains(overlap)
    assert not overlap.contains(whole)
    assert whole.contains(single)
    assert single.bars == "8"
    assert [s.name for s in piece.sections] == ["A", "A theme", "Bridge", "Fermata"]


def test_a_partial_update_is_checked_against_the_stored_range(alice):
    piece = make_piece(alice.profile)
    section = make_section(piece, "B", (33, 40))
    with pytest.raises(DomainError) as refused:
        services.update_section(section, {"bar_end": 20})
    assert refused.value.messages == {"bar_end": "The last bar (20) comes before the first (33)."}
    assert (section.bar_start, section.bar_end) == (33, 40)
    services.update_section(section, {"bar_start": 30})
    assert section.bars == "30–40"
