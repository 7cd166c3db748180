"""Bar marks ("bar 30 is here") and the bars of comments pinned to a take (issue 16): a
comment without bars of its own takes them from the sync points, and follows them."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_piece, make_section
from tests.recordings.media import make_recording
from woodshed.recordings import services
from woodshed.recordings.models import Recording
from woodshed.recordings.schemas import CommentIn, SyncPoints


def _marks(*points: tuple[int, float]) -> SyncPoints:
    return SyncPoints.model_validate({"points": [{"bar": b, "at_seconds": t} for b, t in points]})


def test_a_comments_bars_follow_the_sync_points(alice):
    take = make_recording(alice.profile)
    take.duration_seconds = 60.0
    user = alice.user

    early = services.add_comment(user, alice.profile, take, CommentIn(at_seconds=10, body="Rush"))
    assert (early.bar_start, early.bar_end) == (None, None)  # no marks yet: no bars
    given_bars = services.add_comment(
        user, alice.profile, take, CommentIn(at_seconds=10, bar_start=33, bar_end=40, body="Mine")
    )

    # Bar 1 at 0 s and bar 5 at 8 s: two seconds a bar, so 10–13 s is bars 6–7.
    services.set_sync_points(user, alice.profile, take, _marks((1, 0.0), (5, 8.0)))
    assert (early.bar_start, early.bar_end) == (6, 6)
    span = services.add_comment(
        user, alice.profile, take, CommentIn(at_seconds=10, end_seconds=13, body="Span")
    )
    assert (span.bar_start, span.bar_end) == (6, 7)

    # The musician taps again: bar 30 is at 9 s, bar 31 at 10.5 s.
    services.set_sync_points(user, alice.profile, take, _marks((30, 9.0), (31, 10.5)))
    assert (early.bar_start, early.bar_end) == (30, 30)
    assert (span.bar_start, span.bar_end) == (30, 32)
    assert (given_bars.bar_start, given_bars.bar_end) == (33, 40)  # the author's own bars stay

    # The marks cleared: the bars they gave are gone too; the author's stay.
    services.set_sync_points(user, alice.profile, take, _marks())
    assert (early.bar_start, span.bar_start) == (None, None)
    assert (given_bars.bar_start, given_bars.bar_end) == (33, 40)


def test_comments_on_bars_show_on_the_passage_the_marks_put_them_in(alice):
    piece = make_piece(alice.profile, "Ballade")
    passage = make_section(piece, "Coda", bars=(30, 32))
    take = make_recording(alice.profile, section_id=passage.id)
    comment = services.add_comment(
        alice.user, alice.profile, take, CommentIn(at_seconds=9.5, body="Here")
    )
    assert services.comments_on_bars(alice.profile, passage) == []
    services.set_sync_points(alice.user, alice.profile, take, _marks((30, 9.0), (31, 10.5)))
    assert [c.id for c, _take in services.comments_on_bars(alice.profile, passage)] == [comment.id]


def test_bar_marks_from_the_api_move_the_bars_of_existing_comments(alice, alice_api):
    take = make_recording(alice.profile)
    url = f"/api/v1/recordings/{take.id}"
    said = alice_api.post(f"{url}/comments", json={"at_seconds": 4.0, "body": "Breathe"})
    assert said.get_json()["bar_start"] is None
    marks = {"points": [{"bar": 12, "at_seconds": 3.0}, {"bar": 13, "at_seconds": 5.0}]}
    assert alice_api.put(f"{url}/sync-points", json=marks).status_code == 200
    (comment,) = alice_api.get(f"{url}/comments").get_json()
    assert (comment["bar_start"], comment["bar_end"]) == (12, 12)
    disordered = {"points": [{"bar": 13, "at_seconds": 3.0}, {"bar": 12, "at_seconds": 5.0}]}
    refused = alice_api.put(f"{url}/sync-points", json=disordered)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "points"


def _naive_bar(points: list[tuple[int, float]], seconds: float) -> int | None:
    """The bar at `seconds`: the last mark at or before it, counted on at the pace of the
    two marks around it (or the nearest two), at least bar 1."""
    if not points:
        return None
    if len(points) == 1:
        return points[0][0] if seconds >= points[0][1] else None
    pairs = list(itertools.pairwise(points))
    for (b0, t0), (b1, t1) in pairs:
        if t0 <= seconds < t1:
            return int(b0 + (seconds - t0) * (b1 - b0) / (t1 - t0))
    (b0, t0), (b1, t1) = pairs[-1] if seconds >= points[-1][1] else pairs[0]
    return max(1, int(b0 + (seconds - t0) / ((t1 - t0) / (b1 - b0))))


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.integers(1, 200), st.integers(0, 600_000)),
        max_size=6,
        unique_by=(lambda p: p[0], lambda p: p[1]),
    ),
    st.integers(0, 600_000),
)
def test_the_bar_at_a_moment_is_what_the_marks_around_it_say(points, at_ms):
    ordered = sorted(points, key=lambda p: p[1])
    ordered = [p for i, p in enumerate(ordered) if all(p[0] > q[0] for q in ordered[:i])]
    marks = [(bar, ms / 1000) for bar, ms in ordered]
    take = Recording(sync_points=[{"bar": b, "at_seconds": t} for b, t in marks])
    assert services.bars_at(take, at_ms / 1000) == _naive_bar(marks, at_ms / 1000)


def test_one_mark_left_out_of_the_put_is_removed_and_the_bars_follow(alice, alice_api):
    take = make_recording(alice.profile)
    url = f"/api/v1/recordings/{take.id}"
    # Bar 1 at 0 s, bar 2 at 1 s, bar 9 at 2 s (a slip: bar 3 was meant).
    marks = [
        {"bar": 1, "at_seconds": 0.0},
        {"bar": 2, "at_seconds": 1.0},
        {"bar": 9, "at_seconds": 2.0},
    ]
    assert alice_api.put(f"{url}/sync-points", json={"points": marks}).status_code == 200
    said = alice_api.post(f"{url}/comments", json={"at_seconds": 1.5, "body": "Here"})
    assert said.get_json()["bar_start"] == 5  # halfway from bar 2 to bar 9
    given = alice_api.post(f"{url}/comments", json={"at_seconds": 1.5, "bar_start": 7, "body": "7"})

    kept = [marks[0], marks[1]]
    response = alice_api.put(f"{url}/sync-points", json={"points": kept})
    assert response.status_code == 200
    assert response.get_json()["sync_points"] == kept
    bars = {c["body"]: c["bar_start"] for c in alice_api.get(f"{url}/comments").get_json()}
    assert bars == {"Here": 2, "7": 7}  # counted on at a bar a second; the author's stays
    assert given.get_json()["bar_start"] == 7
