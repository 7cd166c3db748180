"""The weekly report by email: one per teacher, student and week however many workers race
(REL-JOB), never counting a private entry."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from tests.factories import log_session, make_persona
from tests.racing import race
from tests.teaching.helpers import make_link, make_teacher
from woodshed.db import Clock, db
from woodshed.notify import worker
from woodshed.notify.models import Delivery
from woodshed.teaching.models import SCOPES

#: A Wednesday; the students' weeks start on Monday (the default).
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
LAST_WEEK = date(2026, 11, 23)


def _at(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)


def _seed(app, students: int, **link_fields) -> None:
    Clock.frozen = NOW - timedelta(hours=1)
    with app.app_context():
        teacher = make_teacher("tess")
        for n in range(students):
            student = make_persona(f"student{n}", timezone="Europe/Berlin")
            link = make_link(teacher, student, **link_fields)
            link.accepted_at = NOW - timedelta(days=30)  # linked well before last week
            log_session(student.profile, _at(LAST_WEEK), 10 + n)
            log_session(student.profile, _at(LAST_WEEK), 500, private=True)
        db.session.commit()


def test_three_racing_workers_send_each_student_weeks_report_once(committed_app, mailbox):
    _seed(committed_app, students=6)
    Clock.frozen = NOW

    def run(n: int) -> Counter:
        with committed_app.app_context():
            return Counter(worker.run_once(f"report-worker-{n}"))

    race(3, run)
    race(2, run)  # a second pass finds nothing more to do

    subjects = Counter(m["Subject"] for m in mailbox.messages)
    assert len(mailbox.messages) == 6
    assert set(subjects.values()) == {1}
    assert {m["To"] for m in mailbox.messages} == {"tess@example.org"}
    # Each student's 10 + n minutes, one session: never the private 500 minutes. (Not "500"
    # anywhere: the report's link holds the student's id, whose hex may contain it.)
    totals = [
        re.search(r"^(\d+) minutes in (\d+) sessions? on", mailbox.text(m), re.M)
        for m in mailbox.messages
    ]
    assert sorted((int(t[1]), int(t[2])) for t in totals if t) == [(10 + n, 1) for n in range(6)]
    with committed_app.app_context():
        keys = db.session.scalars(sa.select(Delivery.key).where(Delivery.kind == "teacher_report"))
        assert {k.rsplit(":", 1)[1] for k in keys} == {LAST_WEEK.isoformat()}


def test_no_report_without_the_scope(committed_app, mailbox):
    _seed(committed_app, students=2, scopes=[s for s in SCOPES if s != "reports:read"])
    Clock.frozen = NOW
    with committed_app.app_context():
        worker.run_once("solo")
    assert mailbox.messages == []
