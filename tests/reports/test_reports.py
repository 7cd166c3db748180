"""Weekly reports: the student's week, never a private entry for the teacher, and one
email per teacher, student and week however many workers race (SPEC §4.7, REL-JOB)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients import ApiClient, field_errors, page_text
from tests.factories import log_session, make_persona, make_piece
from tests.teaching.helpers import make_link, make_teacher

#: A Wednesday; alice's week starts on Monday (the default).
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
LAST_WEEK = date(2026, 11, 23)
EXAMPLES = itertools.count()


@pytest.fixture
def tess(app):
    return make_teacher("tess", timezone="Europe/London")


@pytest.fixture
def tess_api(app, tess):
    return ApiClient.for_user(app, tess.user)


def _at(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)


def test_the_report_counts_the_students_week_and_the_teacher_never_sees_private_entries(
    tess, tess_api, alice, alice_api
):
    make_link(tess, alice)
    piece = make_piece(alice.profile, "Clair de lune")
    log_session(alice.profile, _at(LAST_WEEK), 30, struggles="Bars 33-40 rush")
    log_session(
        alice.profile,
        _at(LAST_WEEK + timedelta(days=2)),
        20,
        items=[{"piece_id": str(piece.id), "bars": "1-8", "minutes": 20}],
    )
    log_session(alice.profile, _at(LAST_WEEK + timedelta(days=3)), 45, private=True)
    log_session(alice.profile, _at(LAST_WEEK + timedelta(days=7)), 99)  # the next week

    query = f"week={LAST_WEEK.isoformat()}"
    mine = alice_api.get(f"/api/v1/reports?{query}").get_json()
    theirs = tess_api.get(f"/api/v1/reports?{query}&profile_id={alice.profile.id}").get_json()

    assert (mine["minutes"], mine["sessions"], mine["days"]) == (95, 3, 3)
    assert (theirs["minutes"], theirs["sessions"], theirs["days"]) == (50, 2, 2)
    assert theirs["items"] == [{"label": "Clair de lune, bars 1–8", "minutes": 20}]
    assert theirs["struggles"][0]["text"] == "Bars 33-40 rush"
    assert theirs["week_start"] == LAST_WEEK.isoformat()


def test_a_report_for_a_week_that_has_not_begun_is_refused(alice, alice_api, alice_web):
    future = (alice.profile.today() + timedelta(days=8)).isoformat()

    api = alice_api.get(f"/api/v1/reports?week={future}")
    page = alice_web.get(f"/reports/{future}")

    assert api.status_code == 422
    assert "week" in field_errors(api)
    assert page.status_code == 422


def test_the_report_pages_for_student_and_teacher(app, tess, alice, alice_web):
    make_link(tess, alice)
    log_session(alice.profile, _at(alice.profile.today() - timedelta(days=7)), 25)
    web = app.test_client()
    web.sign_in(tess)

    own = page_text(alice_web.get("/reports"))
    teacher = web.get(f"/students/{alice.profile.id}/reports")

    assert "Weekly reports" in own
    assert teacher.status_code == 200
    assert "25 min" in page_text(teacher)


def test_the_weeks_listed_begin_with_the_musicians_first_week(app, tess, alice, alice_web):
    """Never a week before the musician existed: the profile's first week, or an earlier one
    with a (back-dated) session in it; a teacher's list never learns of a private one."""
    make_link(tess, alice)
    teacher = app.test_client()
    teacher.sign_in(tess)
    this_week = alice.profile.today()

    def weeks(client, prefix=""):
        return page_text(client.get(f"{prefix}/reports")).count(" min on ")

    students = f"/students/{alice.profile.id}"
    assert (weeks(alice_web), weeks(teacher, students)) == (1, 1)
    assert "Previous week" not in page_text(alice_web.get(f"/reports/{this_week}"))

    before = this_week - timedelta(days=21)
    # Nor is one opened by a typed address.
    assert alice_web.get(f"/reports/{before}").status_code == 404
    assert teacher.get(f"{students}/reports/{before}").status_code == 404

    log_session(alice.profile, _at(before), 20, private=True)
    assert (weeks(alice_web), weeks(teacher, students)) == (4, 1)
    assert "Previous week" in page_text(alice_web.get(f"/reports/{this_week}"))
    assert "Previous week" not in page_text(teacher.get(f"{students}/reports/{this_week}"))
    assert alice_web.get(f"/reports/{before}").status_code == 200
    assert teacher.get(f"{students}/reports/{before}").status_code == 404  # private: unseen

    log_session(alice.profile, _at(this_week - timedelta(days=70)), 20)
    assert (weeks(alice_web), weeks(teacher, students)) == (8, 8)  # at most eight


@settings(
    max_examples=15,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(st.tuples(st.integers(0, 6), st.integers(1, 120), st.booleans()), max_size=8)
)
def test_a_teachers_report_equals_the_same_sums_over_the_non_private_entries_alone(app, entries):
    n = next(EXAMPLES)  # examples share the test's transaction: new people each time
    student, teacher = make_persona(f"student{n}"), make_teacher(f"teacher{n}")
    make_link(teacher, student)
    week = student.profile.today() - timedelta(days=14)
    week -= timedelta(days=week.weekday())
    for day, minutes, private in entries:
        log_session(student.profile, _at(week + timedelta(days=day)), minutes, private=private)
    api = ApiClient.for_user(app, teacher.user)

    seen = api.get(f"/api/v1/reports?week={week}&profile_id={student.profile.id}").get_json()

    public = [(d, m) for d, m, private in entries if not private]
    assert seen["minutes"] == sum(m for _, m in public)
    assert seen["sessions"] == len(public)
    assert seen["days"] == len({d for d, _ in public})
