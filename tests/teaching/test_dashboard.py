"""The studio dashboard, and what a teacher sees equals the student's non-private journal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.clients import ApiClient, page_text
from tests.factories import log_session, make_persona, make_piece
from tests.statements import count_statements
from tests.teaching.helpers import make_link, make_teacher
from woodshed.db import db
from woodshed.teaching import dashboard

NOW = datetime(2026, 3, 12, 12, tzinfo=UTC)  # a Thursday


def _at(days_ago: int, hour: int = 9) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour)


def test_the_dashboard_counts_only_non_private_practice_in_the_students_week(
    app, alice, frozen_clock
):
    frozen_clock(NOW)
    tess = make_teacher("tess")
    make_link(tess, alice)
    log_session(alice.profile, started_at=_at(0), duration_minutes=20)
    log_session(alice.profile, started_at=_at(1), duration_minutes=30)
    log_session(alice.profile, started_at=_at(2), duration_minutes=40, private=True)
    log_session(alice.profile, started_at=_at(4), duration_minutes=50)  # last week (Sunday)

    with app.test_request_context():
        (row,) = dashboard.rows(dashboard.services.students(tess.user))

    assert row.week_minutes == 50  # Monday to today, private Tuesday left out
    assert row.last_practice_date == date(2026, 3, 12)
    assert row.current_streak == 2  # the private day is no practice to the teacher
    assert row.flags == []


def test_quiet_mode_hides_the_streak_and_flags_say_why_with_evidence(app, alice, frozen_clock):
    frozen_clock(NOW)
    tess = make_teacher("tess")
    make_link(tess, alice)
    alice.profile.motivation_mode = "quiet"
    piece = make_piece(alice.profile, "Sonatina", sections=[("Coda", 33, 40)])
    section = piece.sections[0]
    first = log_session(
        alice.profile,
        started_at=_at(12),
        struggles="left hand",
        items=[{"section_id": section.id, "bars": "33-40"}],
    )
    second = log_session(
        alice.profile,
        started_at=_at(9),
        struggles="still the left hand",
        items=[{"section_id": section.id, "bars": "33-36"}],
    )

    with app.test_request_context():
        (row,) = dashboard.rows(dashboard.services.students(tess.user))

    assert row.current_streak is None
    codes = {f.code: f for f in row.flags}
    assert "No practice for 9 days" in codes["no_practice"].message
    assert codes["no_practice"].url == f"/students/{alice.profile.id}/journal"
    assert "Sonatina, Coda (bars 33–40) in 2 sessions" in codes["struggle"].message
    assert codes["struggle"].url == f"/students/{alice.profile.id}/journal/{second.id}"
    assert first.id != second.id


def test_flags_for_an_assignment_behind_and_due_and_for_an_unanswered_reply(
    app, alice, frozen_clock
):
    """Thursday of alice's week (day 4), the assignment set today: 10 of 60 assigned
    minutes is behind — private
    minutes do not count for her teacher —; due on Saturday with its item not met; alice
    answered tess's comment and tess has not written since."""
    frozen_clock(NOW)
    tess = make_teacher("tess")
    make_link(tess, alice)
    piece = make_piece(alice.profile, "Sonatina", sections=[("Coda", 33, 40)])
    api = ApiClient.for_user(app, tess.user)
    pid = alice.profile.id
    made = api.post(
        f"/api/v1/assignments?profile_id={pid}",
        json={
            "title": "Sonatina coda",
            "due_on": "2026-03-14",
            "items": [{"kind": "piece", "piece_id": str(piece.id), "minutes_per_week": 60}],
        },
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    assignment_id = made.get_json()["id"]
    item = [{"piece_id": str(piece.id), "minutes": 10}]
    session = log_session(alice.profile, started_at=_at(0, 8), duration_minutes=10, items=item)
    log_session(alice.profile, started_at=_at(0, 9), duration_minutes=40, items=item, private=True)
    said = api.post(
        f"/api/v1/sessions/{session.id}/comments?profile_id={pid}", json={"body": "Wrist?"}
    )
    assert said.status_code == 201, said.get_data(as_text=True)
    reply = ApiClient.for_user(app, alice.user).post(
        f"/api/v1/sessions/{session.id}/comments",
        json={"body": "Better now", "parent_id": said.get_json()["id"]},
    )
    assert reply.status_code == 201, reply.get_data(as_text=True)

    def flags():
        with app.test_request_context():
            (row,) = dashboard.rows(dashboard.services.students(tess.user))
        return {f.code: f for f in row.flags}

    codes = flags()
    students = f"/students/{pid}"
    assert codes["assignment_behind"].message == (
        "Behind on “Sonatina coda”: 10 of 60 minutes this week."
    )
    assert codes["assignment_behind"].url == f"{students}/assignments/{assignment_id}"
    assert "“Sonatina coda” is due" in codes["assignment_due"].message
    assert "0 of 1 items done" in codes["assignment_due"].message
    reply_id = reply.get_json()["id"]
    assert codes["student_replied"].url == f"{students}/journal/{session.id}#comment-{reply_id}"

    # tess answers; alice logs enough (not privately): no flag is left but "due soon"
    # turns off as well once the target is met.
    api.post(
        f"/api/v1/sessions/{session.id}/comments?profile_id={pid}",
        json={"body": "Good", "parent_id": said.get_json()["id"]},
    )
    log_session(
        alice.profile,
        started_at=_at(0, 10),
        duration_minutes=50,
        items=[{"piece_id": str(piece.id), "minutes": 50}],
    )
    codes = flags()
    assert not {"assignment_behind", "assignment_due", "student_replied"} & set(codes)


def _students(teacher, n: int) -> None:
    for i in range(n):
        student = make_persona(f"student{teacher.user.email[:3]}{i}", timezone="Asia/Tokyo")
        make_link(teacher, student)
        for day in range(3):
            log_session(student.profile, started_at=_at(day), duration_minutes=10 + i)


def test_the_studio_costs_the_same_statements_for_one_student_as_for_many(
    app, client, frozen_clock
):
    frozen_clock(NOW)
    few, many = make_teacher("fay"), make_teacher("max")
    _students(few, 1)
    _students(many, 6)

    def cost(teacher) -> int:
        web = app.test_client()
        web.sign_in(teacher)
        web.get("/studio")  # warm up (sign-in bookkeeping)
        with count_statements(app) as statements:
            assert web.get("/studio").status_code == 200
        return len(statements)

    assert cost(few) == cost(many)


def test_the_students_list_in_the_api(app, alice, bob, frozen_clock):
    frozen_clock(NOW)
    tess = make_teacher("tess")
    make_link(tess, alice)
    make_link(tess, bob)
    log_session(bob.profile, started_at=_at(0), duration_minutes=25)
    api = ApiClient.for_user(app, tess.user)

    first = api.get("/api/v1/students?limit=1").get_json()
    second = api.get(f"/api/v1/students?limit=1&cursor={first['next_cursor']}").get_json()

    assert [s["display_name"] for s in first["items"] + second["items"]] == ["Alice", "Bob"]
    assert second["items"][0]["week_minutes"] == 25
    assert second["next_cursor"] is None


journals = st.lists(
    st.tuples(st.integers(0, 20), st.integers(1, 90), st.booleans(), st.booleans()),
    min_size=0,
    max_size=12,
)


@settings(
    max_examples=10,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=journals)
@example(entries=[])
def test_what_a_teacher_sees_equals_the_non_private_journal_alone(app, frozen_clock, entries):
    """Lists, counts, minutes, last practice and search hits: the teacher's figures are the
    same computation over the non-private sessions only."""
    frozen_clock(NOW)
    n = db.session.info.setdefault("hypothesis_n", [0])
    n[0] += 1
    student = make_persona(f"pupil{n[0]}", timezone="UTC")
    teacher = make_teacher(f"teach{n[0]}")
    make_link(teacher, student)
    visible = []
    for days_ago, minutes, private, marked in entries:
        notes = "tremolo study" if marked else "scales"
        session = log_session(
            student.profile,
            started_at=_at(days_ago),
            duration_minutes=minutes,
            private=private,
            notes=notes,
        )
        if not private:
            visible.append((session, days_ago, minutes, marked))
    api = ApiClient.for_user(app, teacher.user)
    pid = student.profile.id

    response = api.get(f"/api/v1/sessions?profile_id={pid}&limit=200")
    assert response.status_code == 200, response.get_data(as_text=True)
    listed = response.get_json()["items"]
    hits = api.get(f"/api/v1/search?q=tremolo&kind=session&profile_id={pid}&limit=100")
    with app.test_request_context():
        (row,) = dashboard.rows(dashboard.services.students(teacher.user))

    assert sorted(s["id"] for s in listed) == sorted(str(s.id) for s, *_ in visible)
    assert len(hits.get_json()["items"]) == sum(1 for *_, marked in visible if marked)
    week = [m for _, d, m, _ in visible if d <= 3]  # Monday 9 March to Thursday 12 March
    assert row.week_minutes == sum(week)
    last = min((d for _, d, _, _ in visible), default=None)
    assert row.last_practice_date == (None if last is None else (NOW - timedelta(days=last)).date())


def _figures(api, pid, piece_id) -> dict:
    """What the statistics API answers about one student (or, with pid None, oneself)."""
    query = "" if pid is None else f"profile_id={pid}&"
    figures = {}
    for name, url in (
        ("summary", f"/api/v1/stats/summary?{query}"),
        ("streaks", f"/api/v1/stats/streaks?{query}"),
        ("heatmap", f"/api/v1/stats/heatmap?{query}year=2026"),
        ("week", f"/api/v1/stats/timeseries?{query}bucket=week&from=2026-01-05&to=2026-03-15"),
        ("pieces", f"/api/v1/stats/breakdown?{query}by=piece"),
        ("progress", f"/api/v1/stats/progress?{query}kind=piece"),
    ):
        response = api.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True))
        figures[name] = response.get_json()
    response = api.get(f"/api/v1/pieces/{piece_id}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    figures["piece"] = response.get_json()
    return figures


@settings(
    max_examples=8,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=journals)
@example(entries=[(0, 30, True, True)])
def test_a_teachers_statistics_equal_the_same_computation_over_the_non_private_sessions(
    app, frozen_clock, entries
):
    """The student's statistics, heatmap, piece figures and progress as their linked
    teacher reads them are exactly what a musician whose journal holds only the student's
    non-private sessions sees of their own."""
    frozen_clock(NOW)
    n = db.session.info.setdefault("hypothesis_stats_n", [0])
    n[0] += 1
    student = make_persona(f"statpupil{n[0]}", timezone="UTC")
    twin = make_persona(f"stattwin{n[0]}", timezone="UTC")  # the non-private journal alone
    teacher = make_teacher(f"statteach{n[0]}")
    make_link(teacher, student)
    pieces = {
        p.user.id: make_piece(p.profile, "Etude", sections=[("A", 1, 8)]) for p in (student, twin)
    }
    for days_ago, minutes, private, on_piece in entries:
        for persona in (student, twin):
            if persona is twin and private:
                continue
            piece = pieces[persona.user.id]
            items = [{"piece_id": piece.id, "tempo_bpm": 60 + minutes}] if on_piece else []
            log_session(
                persona.profile,
                started_at=_at(days_ago),
                duration_minutes=minutes,
                private=private,
                items=items,
            )
    mine, its = pieces[student.user.id], pieces[twin.user.id]
    seen = _figures(ApiClient.for_user(app, teacher.user), student.profile.id, mine.id)
    alone = _figures(ApiClient.for_user(app, twin.user), None, its.id)

    def without_ids(figures: dict) -> dict:
        text = str(figures)
        for piece in (mine, its):
            text = text.replace(str(piece.id), "PIECE")
            text = text.replace(str(piece.sections[0].id), "SECTION")
        return text

    assert without_ids(seen) == without_ids(alone)
    visible = [(d, m) for d, m, private, _ in entries if not private]
    assert seen["summary"]["total_minutes"] == sum(m for _, m in visible)
    assert seen["summary"]["total_sessions"] == len(visible)


def test_the_studio_comparison_sets_students_side_by_side_without_private_minutes(
    app, alice, bob, frozen_clock
):
    frozen_clock(NOW)
    tess = make_teacher("tess")
    for student in (alice, bob):
        make_link(tess, student)
    piece = make_piece(alice.profile, "Sonatina")
    made = ApiClient.for_user(app, tess.user).post(
        f"/api/v1/assignments?profile_id={alice.profile.id}",
        json={
            "title": "Sonatina",
            "due_on": "2026-03-20",
            "items": [
                {"kind": "piece", "piece_id": str(piece.id), "minutes_per_week": 20},
                {"kind": "text", "text": "Listen to a recording"},
            ],
        },
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    item = [{"piece_id": str(piece.id), "minutes": 25}]
    log_session(alice.profile, started_at=_at(0, 8), duration_minutes=25, items=item)
    log_session(alice.profile, started_at=_at(20), duration_minutes=15)
    log_session(alice.profile, started_at=_at(2), duration_minutes=300, private=True)
    log_session(bob.profile, started_at=_at(30), duration_minutes=45)  # before the 4 weeks

    web = app.test_client()
    web.sign_in(tess)
    page = web.get("/studio/compare?sort=-four_weeks")
    assert page.status_code == 200
    text = page_text(page)
    assert "2 students: lowest 0 min, lower quarter 10 min, median 20 min" in text
    assert "highest 40 min" in text
    assert "1 of 2 items met" in text
    assert "300" not in text
    assert "5 h" not in text
    assert text.index(alice.profile.display_name) < text.index(bob.profile.display_name)
    assert web.get("/studio/compare?sort=nonsense").status_code == 422
