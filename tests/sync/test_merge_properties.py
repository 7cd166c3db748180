"""The three-way merge of list fields (journal/merge.py `merge_lists`), by property:
whatever either side added is kept, a removal on one side goes through when the other
left the element alone, the same change on both sides counts once — and for lists
without repeats it is the textbook set merge (kept by both, or added by either).

Then through the API: two devices adding different tags or items to one entry both keep
theirs (no conflict to choose from, nothing lost)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from woodshed.journal.merge import merge_lists

ELEMENTS = st.sampled_from("abcdef")
LISTS = st.lists(ELEMENTS, max_size=8)
SETS = st.lists(ELEMENTS, max_size=6, unique=True)


@settings(max_examples=500)
@given(LISTS, LISTS, LISTS)
def test_what_either_side_added_is_kept_and_nothing_is_made_up(base, live, ours):
    merged = Counter(merge_lists(base, live, ours))
    b, lv, o = Counter(base), Counter(live), Counter(ours)
    for k in b | lv | o:
        assert merged[k] >= max(lv[k] - b[k], o[k] - b[k], 0), k  # additions kept
        assert merged[k] <= max(lv[k], o[k]), k  # only what a side has
        if o[k] == b[k]:
            assert merged[k] == lv[k], k  # one side alone changed it: that change
        if lv[k] == b[k]:
            assert merged[k] == o[k], k
    assert set(merged) <= set(live) | set(ours)


@settings(max_examples=300)
@given(LISTS, LISTS, LISTS)
def test_the_merge_is_symmetric_and_idempotent(base, live, ours):
    assert Counter(merge_lists(base, live, ours)) == Counter(merge_lists(base, ours, live))
    assert merge_lists(base, live, base) == live  # nothing changed here: the live list
    assert Counter(merge_lists(base, base, ours)) == Counter(ours)
    assert Counter(merge_lists(base, ours, ours)) == Counter(ours)  # the same change once


@settings(max_examples=500)
@given(SETS, SETS, SETS)
def test_without_repeats_it_is_the_set_merge(base, live, ours):
    b, lv, o = set(base), set(live), set(ours)
    merged = merge_lists(base, live, ours)
    assert len(merged) == len(set(merged))  # no element twice
    assert set(merged) == (b & lv & o) | (lv - b) | (o - b)
    # The live list's order first, then what only this side adds, in its order.
    assert merged == [v for v in live if v in set(merged)] + [
        v for v in ours if v in set(merged) and v not in lv
    ]


@settings(max_examples=200)
@given(SETS, SETS, SETS)
def test_tags_are_compared_ignoring_case_and_keep_the_live_spelling(base, live, ours):
    shout = [t.upper() for t in ours]  # the other device typed them in capitals
    merged = merge_lists(base, live, shout, key=str.casefold)
    assert {t.casefold() for t in merged} == set(merge_lists(base, live, ours))
    assert all(t in live for t in merged if t.casefold() in set(live))


# --- through the API ------------------------------------------------------------------------

START = "2026-03-02T18:00:00Z"


def _logged(api, **fields) -> dict:
    body = {"started_at": START, "duration_minutes": 30} | fields
    answer = api.post("/api/v1/sessions", json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _merge(api, session, changes, edited_at="2026-03-02T19:00:00Z"):
    answer = api.post(
        f"/api/v1/sessions/{session['id']}/merge",
        json={
            "base_version": session["version"],
            "base": {field: session[field] for field in changes},
            "changes": changes,
            "edited_at": edited_at,
            "source": "phone",
        },
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_two_devices_adding_different_tags_both_keep_theirs(alice_api):
    session = _logged(alice_api, tags=["scales", "slow"])
    laptop = alice_api.patch(
        f"/api/v1/sessions/{session['id']}", json={"tags": ["scales", "slow", "left hand"]}
    )
    assert laptop.status_code == 200
    # The phone, offline from the first version: drops "slow", adds "metronome".
    merged = _merge(alice_api, session, {"tags": ["scales", "metronome"]})
    assert merged["conflicts"] == []
    assert sorted(merged["session"]["tags"]) == ["left hand", "metronome", "scales"]
    assert alice_api.get("/api/v1/conflicts").get_json()["items"] == []


def test_two_devices_adding_different_items_both_keep_theirs(alice_api):
    piece = alice_api.post("/api/v1/pieces", json={"title": "Ballade"}).get_json()
    first = {"piece_id": piece["id"], "bars": "1-8", "minutes": 10}
    session = _logged(alice_api, items=[first])
    laptop_item = {"piece_id": piece["id"], "bars": "9-16", "minutes": 5}
    phone_item = {"piece_id": piece["id"], "bars": "200-264", "tempo_bpm": 60}
    laptop = alice_api.patch(
        f"/api/v1/sessions/{session['id']}", json={"items": [first, laptop_item]}
    )
    assert laptop.status_code == 200
    merged = _merge(alice_api, session, {"items": [first, phone_item]})
    assert merged["conflicts"] == []
    bars = [item["bars"] for item in merged["session"]["items"]]
    assert bars == ["1-8", "9-16", "200-264"]
    revisions = alice_api.get(f"/api/v1/sessions/{session['id']}/revisions").get_json()
    assert len(revisions) == 2  # the laptop's edit, then the merge


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(SETS, SETS, SETS)
def test_merged_tags_on_the_server_are_the_set_merge(alice_api, base, live, ours):
    session = _logged(alice_api, tags=base)
    patched = alice_api.patch(f"/api/v1/sessions/{session['id']}", json={"tags": live})
    assert patched.status_code == 200
    edited = datetime(2026, 3, 2, 19, 0, tzinfo=UTC).isoformat()
    answer = alice_api.post(
        f"/api/v1/sessions/{session['id']}/merge",
        json={
            "base_version": 1,
            "base": {"tags": base},
            "changes": {"tags": ours},
            "edited_at": edited,
        },
    )
    assert answer.status_code == 200, answer.get_json()
    b, lv, o = set(base), set(live), set(ours)
    assert set(answer.get_json()["session"]["tags"]) == (b & lv & o) | (lv - b) | (o - b)
    assert answer.get_json()["conflicts"] == []
