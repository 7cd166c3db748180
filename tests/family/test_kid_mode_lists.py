"""Everything a kid-mode session sees is its own child's: for random families (a guardian
who practises too, one to three children, another family beside them), every page kid
mode opens — the kid's home with its week and stickers, the log form's choices, the
timer's pieces, the badges, each of the child's entries — names only the child's own
objects, all of those it should, and counts only the child's minutes.

Each object's name carries a token of its own (`mk007zz`); a page's tokens are compared
with the child's, the naive oracle being "the rows whose profile is the child".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import log_session, make_goal, make_persona, make_piece, make_skill
from tests.family.helpers import make_child
from woodshed.db import Clock, db
from woodshed.family import services as family
from woodshed.stats import badges
from woodshed.templating import minutes

TOKEN = re.compile(r"mk\d{3}zz")
#: A Wednesday noon: every session below is in this week, wherever the family lives.
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
PIN = "4821"


@dataclass
class Made:
    """One profile's objects: the tokens of each kind, and what was logged."""

    pieces: set[str] = field(default_factory=set)
    skills: set[str] = field(default_factory=set)
    goals: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    instruments: set[str] = field(default_factory=set)
    sessions: dict = field(default_factory=dict)  # id → the tokens its page names
    minutes: int = 0
    name: set[str] = field(default_factory=set)  # a child's name carries a token too

    @property
    def everything(self) -> set[str]:
        return self.pieces | self.skills | self.goals | self.tags | self.instruments


#: What one profile holds: pieces, skills, goals, sessions (each on up to two of them).
holdings = st.fixed_dictionaries(
    {
        "pieces": st.integers(0, 2),
        "skills": st.integers(0, 2),
        "goals": st.integers(0, 1),
        "sessions": st.integers(0, 2),
    }
)


def _fill(profile, spec, names, draw) -> Made:
    made = Made()
    made.instruments = {i.name for i in profile.instruments}
    made.name = set(TOKEN.findall(profile.display_name))
    pieces = []
    for _ in range(spec["pieces"]):
        token = next(names)
        pieces.append(make_piece(profile, f"Piece {token}"))
        made.pieces.add(token)
    skills = []
    for _ in range(spec["skills"]):
        token = next(names)
        skills.append(make_skill(profile, f"Skill {token}"))
        made.skills.add(token)
    for _ in range(spec["goals"]):
        token = next(names)
        make_goal(profile, f"Goal {token}")
        made.goals.add(token)
    for n in range(spec["sessions"]):
        tag = next(names)
        items = []
        named = set()
        if pieces and draw(st.booleans()):
            piece = draw(st.sampled_from(pieces))
            items.append({"piece_id": str(piece.id), "minutes": 5})
            named.add(piece.title.split()[-1])
        if skills and draw(st.booleans()):
            skill = draw(st.sampled_from(skills))
            items.append({"skill_id": str(skill.id), "minutes": 5})
            named.add(skill.name.split()[-1])
        duration = draw(st.integers(10, 90))
        row = log_session(profile, NOW - timedelta(hours=2 + n), duration, items=items, tags=[tag])
        made.tags.add(tag)
        made.sessions[row.id] = named | {tag}
        made.minutes += duration
    badges.evaluate(profile)  # as the commit would (the test's transaction never commits)
    return made


@settings(
    max_examples=6,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    own=holdings,
    children=st.lists(holdings, min_size=1, max_size=3),
    neighbours=st.lists(holdings, min_size=0, max_size=1),
    quiet=st.booleans(),
    data=st.data(),
)
def test_every_list_a_kid_mode_session_sees_holds_only_its_childs_objects(
    app, own, children, neighbours, quiet, data
):
    names = (f"mk{n:03d}zz" for n in itertools.count())
    Clock.frozen = NOW
    try:
        with db.session.begin_nested() as outer:
            suffix = data.draw(st.integers(0, 10**6))
            guardian = make_persona(f"kidg{suffix}", timezone="Europe/Berlin")
            family.set_pin(guardian.user, PIN)
            made = {guardian.profile.id: _fill(guardian.profile, own, names, data.draw)}
            kids = []
            for spec in children:
                child = make_child(guardian, f"Kid {next(names)}", instruments=[next(names)])
                kids.append(child)
                made[child.id] = _fill(child, spec, names, data.draw)
            for spec in neighbours:
                other = make_persona(f"kidn{suffix}", timezone="America/New_York")
                child = make_child(other, f"Kid {next(names)}", instruments=[next(names)])
                made[child.id] = _fill(child, spec, names, data.draw)
            kid = data.draw(st.sampled_from(kids))
            kid.motivation_mode = "quiet" if quiet else kid.motivation_mode
            db.session.flush()
            mine = made[kid.id]
            theirs = {
                token
                for profile_id, other in made.items()
                if profile_id != kid.id
                for token in other.everything | other.name
            }

            web = app.test_client()
            web.sign_in(guardian)
            assert web.submit(f"/family/children/{kid.id}/kid").status_code == 302
            prefix = f"/children/{kid.id}"

            def seen(path: str) -> set[str]:
                response = web.get(prefix + path)
                assert response.status_code == 200, f"{path}: {response.status_code}"
                found = set(TOKEN.findall(response.get_data(as_text=True)))
                assert not found & theirs, f"{path} shows another profile's {found & theirs}"
                return found

            home = web.get(f"{prefix}/kid").get_data(as_text=True)
            assert not set(TOKEN.findall(home)) & theirs
            assert f"This week: <strong>{minutes(mine.minutes)}</strong>" in home
            assert ("First session" in home) == bool(mine.sessions and not quiet)

            # The log form offers the child's pieces, skills, open goals, tags, instruments.
            assert seen("/journal/new") >= mine.everything
            # The timer offers the child's active pieces and instruments.
            assert seen("/journal/timer") >= mine.pieces | mine.instruments
            response = web.get(f"{prefix}/stats/badges")
            assert response.status_code == 200  # the kid's badges are open in kid mode
            page = response.get_data(as_text=True)
            assert not set(TOKEN.findall(page)) & theirs
            if not quiet:  # no session of the child's, no badge (whoever else practised)
                assert ("Earned (0)" in page) == (not mine.sessions)
            for session_id, named in mine.sessions.items():
                assert seen(f"/journal/{session_id}") >= named
            # Any other profile's entry, the guardian's own included, is a 404 here.
            for profile_id, other in made.items():
                for session_id in other.sessions if profile_id != kid.id else ():
                    assert web.get(f"{prefix}/journal/{session_id}").status_code == 404
            assert web.get("/journal").status_code == 403  # still in kid mode
            outer.rollback()
    finally:
        Clock.frozen = None
