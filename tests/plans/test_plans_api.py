from datetime import UTC, datetime

from tests.clients import field_errors
from tests.factories import log_session, make_piece, make_plan, make_skill

WEEKLY = {
    "kind": "recurring",
    "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "start_date": "2026-12-01",
    "time_of_day": "18:00",
    "duration_minutes": 45,
    "flexibility": "same_day",
}


def test_it_creates_a_weekly_plan_with_items_and_lists_its_occurrences(
    alice_api, alice, frozen_clock
):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    piece = make_piece(alice.profile)
    skill = make_skill(alice.profile)
    response = alice_api.post(
        "/api/v1/plans",
        json={
            "title": "Chopin bootcamp",
            "kind": "bootcamp",
            "schedule": WEEKLY,
            "items": [
                {"piece_id": str(piece.id), "target_minutes": 20, "target_tempo_bpm": 72},
                {"skill_id": str(skill.id), "target_minutes": 10},
            ],
        },
    )
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert [i["label"] for i in plan["items"]] == ["Nocturne op. 9/2", "Scales in thirds"]
    occ = alice_api.get(f"/api/v1/plans/{plan['id']}/occurrences?from=2026-12-01&to=2026-12-07")
    assert occ.status_code == 200
    items = occ.get_json()["items"]
    # Wed 2, Fri 4 (Mon 7 too); 18:00 in Berlin is 17:00 UTC in winter.
    assert [o["scheduled_start"] for o in items] == [
        "2026-12-02T17:00:00Z",
        "2026-12-04T17:00:00Z",
        "2026-12-07T17:00:00Z",
    ]
    assert {o["status"] for o in items} == {"scheduled"}
    assert set(items[0]) >= {
        "id",
        "plan_id",
        "scheduled_start",
        "scheduled_end",
        "status",
        "session_id",
    }


def test_unsupported_or_invalid_rrules_are_refused_with_a_clear_message(alice_api, frozen_clock):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    cases = {
        "FREQ=YEARLY": "FREQ=YEARLY is not supported; use DAILY, WEEKLY or MONTHLY.",
        "FREQ=WEEKLY;BYSETPOS=1": "BYSETPOS is not supported; use only FREQ, INTERVAL, BYDAY, "
        "COUNT and UNTIL.",
        "FREQ=WEEKLY;BYDAY=2TU": "Ordinals like 2TU only work with FREQ=MONTHLY.",
        "FREQ=DAILY;UNTIL=20261101": "UNTIL is before the plan's start date.",
        "FREQ=DAILY;COUNT=3;UNTIL=20261231": "Use COUNT or UNTIL, not both.",
        "nonsense": "'nonsense' is not a NAME=VALUE part of a recurrence rule.",
    }
    for rule, message in cases.items():
        response = alice_api.post(
            "/api/v1/plans", json={"title": "x", "schedule": WEEKLY | {"rrule": rule}}
        )
        assert response.status_code == 422, rule
        assert field_errors(response) == {"schedule.rrule": message}, rule
    assert alice_api.get("/api/v1/plans").get_json()["items"] == []


def test_check_in_creates_a_linked_entry_and_a_second_one_is_a_conflict(
    alice_api, alice, frozen_clock
):
    frozen_clock(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))  # 20:00 Berlin, after practice
    piece = make_piece(alice.profile)
    plan = make_plan(
        alice.profile,
        WEEKLY,
        items=[{"piece_id": piece.id, "target_minutes": 30, "target_tempo_bpm": 80}],
    )
    occs = alice_api.get(f"/api/v1/plans/{plan.id}/occurrences?from=2026-12-02&to=2026-12-02")
    occ_id = occs.get_json()["items"][0]["id"]
    response = alice_api.post(f"/api/v1/occurrences/{occ_id}/check-in", json={"notes": "Good"})
    assert response.status_code == 201, response.get_json()
    session = response.get_json()
    assert session["started_at"] == "2026-12-02T17:00:00Z"
    assert session["duration_minutes"] == 45
    assert session["notes"] == "Good"
    assert session["items"][0]["target_tempo_bpm"] == 80
    occ = alice_api.get(f"/api/v1/occurrences/{occ_id}").get_json()
    assert (occ["status"], occ["session_id"]) == ("completed", session["id"])
    again = alice_api.post(f"/api/v1/occurrences/{occ_id}/check-in", json={})
    assert again.status_code == 409
    assert again.get_json()["detail"] == "This occurrence is already checked in."


def test_bob_cannot_check_in_skip_or_read_alices_occurrence(alice, bob_api, frozen_clock):
    frozen_clock(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))
    plan = make_plan(alice.profile, WEEKLY)
    from woodshed.db import db
    from woodshed.plans.models import PlanOccurrence

    occ = db.session.scalars(
        __import__("sqlalchemy").select(PlanOccurrence).where(PlanOccurrence.plan_id == plan.id)
    ).first()
    for path, body in (
        ("check-in", {}),
        ("skip", {}),
        ("undo", {}),
        ("reschedule", {"start": "2026-12-03T18:00"}),
    ):
        assert bob_api.post(f"/api/v1/occurrences/{occ.id}/{path}", json=body).status_code == 404
    assert bob_api.get(f"/api/v1/plans/{plan.id}").status_code == 404
    db.session.refresh(occ)
    assert (occ.status, occ.session_id) == ("scheduled", None)


def test_undo_unlinks_and_keeps_the_entry_unless_asked(alice_api, alice, frozen_clock):
    frozen_clock(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))
    plan = make_plan(alice.profile, WEEKLY)
    occ_id = alice_api.get(
        f"/api/v1/plans/{plan.id}/occurrences?from=2026-12-02&to=2026-12-02"
    ).get_json()["items"][0]["id"]
    session_id = alice_api.post(f"/api/v1/occurrences/{occ_id}/check-in", json={}).get_json()["id"]
    undone = alice_api.post(f"/api/v1/occurrences/{occ_id}/undo", json={})
    assert undone.get_json()["status"] == "scheduled"
    assert undone.get_json()["session_id"] is None
    assert alice_api.get(f"/api/v1/sessions/{session_id}").status_code == 200
    second = alice_api.post(f"/api/v1/occurrences/{occ_id}/check-in", json={}).get_json()["id"]
    alice_api.post(f"/api/v1/occurrences/{occ_id}/undo", json={"delete_session": True})
    assert alice_api.get(f"/api/v1/sessions/{second}").status_code == 404


def test_skipped_days_are_reported_for_streaks(alice, alice_api, frozen_clock):
    from datetime import date

    from woodshed.stats.services import excused_days

    frozen_clock(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    plan = make_plan(alice.profile, WEEKLY)
    occs = alice_api.get(f"/api/v1/plans/{plan.id}/occurrences?from=2026-12-02&to=2026-12-04")
    _first, second = occs.get_json()["items"]
    response = alice_api.post(f"/api/v1/occurrences/{second['id']}/skip", json={"reason": "ill"})
    assert response.status_code == 200
    assert response.get_json()["skip_reason"] == "ill"
    # Alice has no rest weekdays and no days off: the skipped session is the only one.
    assert excused_days(alice.profile, date(2026, 12, 1), date(2026, 12, 31)) == [
        date(2026, 12, 4).toordinal()
    ]
    log_session(alice.profile)


def test_a_client_id_makes_creation_idempotent_and_50_active_plans_is_the_limit(
    alice_api, alice, frozen_clock
):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    body = {
        "id": "01a20093-0000-7000-8000-0000000000aa",
        "title": "Once",
        "schedule": {"kind": "single", "start": "2026-12-03T18:00", "duration_minutes": 20},
    }
    first = alice_api.post("/api/v1/plans", json=body)
    again = alice_api.post("/api/v1/plans", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    for i in range(49):
        make_plan(alice.profile, title=f"Plan {i}")
    refused = alice_api.post("/api/v1/plans", json=body | {"id": None})
    assert refused.status_code == 422
    assert "50 active plans" in field_errors(refused)["_form"]
    # Archiving one makes room again.
    plan_id = first.get_json()["id"]
    etag = first.headers["ETag"]
    archived = alice_api.patch(
        f"/api/v1/plans/{plan_id}", json={"status": "archived"}, headers={"If-Match": etag}
    )
    assert archived.status_code == 200
    assert alice_api.post("/api/v1/plans", json=body | {"id": None}).status_code == 201


def test_the_journal_entry_finds_its_occurrence(alice_api, alice, frozen_clock):
    from woodshed.plans.services import occurrence_for_session

    frozen_clock(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))
    plan = make_plan(alice.profile, WEEKLY)
    occ_id = alice_api.get(
        f"/api/v1/plans/{plan.id}/occurrences?from=2026-12-02&to=2026-12-02"
    ).get_json()["items"][0]["id"]
    session = alice_api.post(f"/api/v1/occurrences/{occ_id}/check-in", json={}).get_json()
    import uuid

    found = occurrence_for_session(alice.profile, uuid.UUID(session["id"]))
    assert str(found.id) == occ_id


def test_a_start_with_a_control_character_is_refused_not_read_around(alice_api, frozen_clock):
    """Python's datetime.fromisoformat reads "…T18:00\\x00" as 18:00: the NUL was dropped
    and the plan saved; it is a field error, like a control character in any text."""
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    for start in ("2026-12-05T18:00\x00", "2026-12-05T18:00\x0c"):
        schedule = {"kind": "single", "duration_minutes": 20, "start": start}
        response = alice_api.post("/api/v1/plans", json={"title": "x", "schedule": schedule})
        assert response.status_code == 422, repr(start)
        assert field_errors(response) == {"schedule.start": "Remove the control characters."}
    assert alice_api.get("/api/v1/plans").get_json()["items"] == []
