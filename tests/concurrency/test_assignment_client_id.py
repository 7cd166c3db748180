"""REL-IDEM+ for a teacher's create: the same assignment (one client id) sent ten times at
once by the student's linked teacher is stored once and answered with it every time."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import date, timedelta

import requests
import sqlalchemy as sa

from tests.factories import make_persona, make_piece
from tests.racing import race
from tests.teaching.helpers import make_link, make_teacher
from woodshed.accounts.services import issue_api_token
from woodshed.assignments.models import Assignment, AssignmentItem
from woodshed.db import db

AT_ONCE = 10
_names = itertools.count()


def test_ten_identical_assignments_at_once_are_one(served):
    def build():
        n = next(_names)
        teacher = make_teacher(f"raceteacher{n}")
        student = make_persona(f"racestudent{n}")
        make_link(teacher, student)
        piece = make_piece(student.profile, "Clair de lune")
        raw, _ = issue_api_token(teacher.user, "race")
        return raw, str(student.profile.id), str(piece.id)

    token, profile_id, piece_id = served.seed(build)
    url = f"{served.url}/api/v1/assignments?profile_id={profile_id}"
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{served.url}/api/v1/me", headers=headers, timeout=60).ok
    client_id = uuid.uuid4()
    body = {
        "id": str(client_id),
        "title": "Middle section",
        "due_on": (date.today() + timedelta(days=7)).isoformat(),
        "items": [
            {"kind": "passage", "piece_id": piece_id, "bars": "27-42", "minutes_per_week": 40},
            {"kind": "text", "text": "Listen to two recordings"},
        ],
    }

    answers = race(AT_ONCE, lambda _i: requests.post(url, json=body, headers=headers, timeout=120))

    codes = Counter(r.status_code for r in answers)
    assert set(codes) <= {200, 201}, [r.text for r in answers if r.status_code >= 300]
    assert codes[201] == 1
    assert {r.json()["id"] for r in answers} == {str(client_id)}
    with served.app.app_context():
        stored = db.session.scalar(
            sa.select(sa.func.count()).select_from(Assignment).where(Assignment.id == client_id)
        )
        items = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AssignmentItem)
            .where(AssignmentItem.assignment_id == client_id)
        )
    assert (stored, items) == (1, 2)
