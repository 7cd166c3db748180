"""docs/children.md's deadlines, enforced; a child's data never appears for another family
(a property over random families)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients import ApiClient
from tests.factories import log_session, make_persona
from tests.family.helpers import make_child
from woodshed.db import Clock, db, utcnow
from woodshed.family import services
from woodshed.journal.models import PracticeSession
from woodshed.profiles.models import MusicianProfile
from woodshed.teaching.models import Link


def test_a_child_without_a_guardian_is_erased_after_30_days_and_requests_lapse(app, alice, bob):
    start = utcnow()
    Clock.frozen = start - timedelta(days=40)
    try:
        kept = make_child(alice, "Kept")
        orphan = make_child(alice, "Orphan")
        log_session(orphan)
        Clock.frozen = start - timedelta(days=29)
        services.leave_child(alice.user, orphan)
        Clock.frozen = start - timedelta(days=10)
        _invite, code = services.invite_guardian(alice.user, kept)
        request = services.redeem_guardian_code(bob.user, code)
        db.session.flush()
        Clock.frozen = start
        # 29 days without a guardian, a request 10 days old: not yet.
        assert services.apply_retention(start) == {"lapsed_requests": 0, "erased_children": 0}
        Clock.frozen = start + timedelta(days=5)
        result = services.apply_retention(start + timedelta(days=5))
    finally:
        Clock.frozen = None
    assert result == {"lapsed_requests": 1, "erased_children": 1}
    db.session.expire_all()
    assert db.session.get(MusicianProfile, orphan.id) is None
    assert db.session.get(MusicianProfile, kept.id) is not None
    assert db.session.get(MusicianProfile, alice.profile.id) is not None
    assert db.session.get(Link, request.id).ended_at is not None
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PracticeSession)
            .where(PracticeSession.profile_id == orphan.id)
        )
        == 0
    )


families = st.lists(st.integers(min_value=0, max_value=3), min_size=2, max_size=3)


@settings(
    max_examples=8,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shape=families, data=st.data())
def test_a_childs_data_never_appears_for_another_family(app, shape, data):
    """Random families (a guardian with 0–3 children, each with 0–2 sessions): every list
    a guardian reads for one of their children holds only that child's sessions, and any
    other family's child answers 404."""
    with db.session.begin_nested() as outer:
        guardians, children = [], []
        for n, count in enumerate(shape):
            guardian = make_persona(f"g{n}x{len(children)}-{data.draw(st.integers(0, 10**6))}")
            guardians.append(guardian)
            for c in range(count):
                child = make_child(guardian, f"Child {n}.{c}")
                for _ in range(data.draw(st.integers(0, 2))):
                    log_session(child)
                children.append((n, child))
        for n, guardian in enumerate(guardians):
            api = ApiClient.for_user(app, guardian.user)
            for owner, child in children:
                response = api.get(f"/api/v1/sessions?profile_id={child.id}&limit=200")
                if owner != n:
                    assert response.status_code == 404
                    continue
                assert response.status_code == 200
                ids = {item["id"] for item in response.get_json()["items"]}
                mine = {
                    str(i)
                    for i in db.session.scalars(
                        sa.select(PracticeSession.id).where(PracticeSession.profile_id == child.id)
                    )
                }
                assert ids == mine
            own = api.get("/api/v1/sessions?limit=200").get_json()["items"]
            assert own == []  # the guardians practised nothing themselves
        outer.rollback()
