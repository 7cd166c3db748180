import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from icalendar import Calendar

from tests.factories import make_piece, make_plan, make_skill
from woodshed.db import db
from woodshed.plans.models import Plan, PlanOccurrence
from woodshed.repertoire.models import Skill

WEEKLY = {
    "kind": "recurring",
    "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "start_date": "2026-12-01",
    "time_of_day": "18:00",
    "duration_minutes": 45,
}


def test_the_ics_feed_parses_and_yields_the_same_occurrences(
    alice_api, alice, client, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    piece = make_piece(alice.profile)
    plan = make_plan(alice.profile, WEEKLY, items=[{"piece_id": piece.id, "target_minutes": 20}])
    url = alice_api.post("/api/v1/me/calendar").get_json()["url"]
    assert url.startswith("http://woodshed.test/calendar/feed.ics?token=")
    response = client.get(url.removeprefix("http://woodshed.test"))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert cal["METHOD"] == "PUBLISH"
    assert "Alice" in str(cal["X-WR-CALNAME"])
    events = cal.walk("VEVENT")
    occs = db.session.scalars(
        sa.select(PlanOccurrence)
        .where(PlanOccurrence.plan_id == plan.id)
        .order_by(PlanOccurrence.scheduled_start)
    ).all()
    assert [e.decoded("DTSTART") for e in events] == [o.scheduled_start for o in occs]
    assert [e.decoded("DTEND") for e in events] == [o.scheduled_end for o in occs]
    assert all("Nocturne op. 9/2 (20 min)" in str(e["DESCRIPTION"]) for e in events)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    # Stable UIDs: the same feed read again names the same events.
    again = Calendar.from_ical(client.get(url.removeprefix("http://woodshed.test")).data)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == uids


def test_the_feed_address_is_stored_hashed_regenerable_and_revocable(alice_api, alice, client):
    first = alice_api.post("/api/v1/me/calendar").get_json()["url"]
    status = alice_api.get("/api/v1/me/calendar").get_json()
    assert (status["active"], status["url"]) == (True, None)
    token = first.split("token=")[1]
    from woodshed.plans.models import CalendarFeed

    assert db.session.scalars(sa.select(CalendarFeed.token_hash)).one() != token
    second = alice_api.post("/api/v1/me/calendar").get_json()["url"]
    assert client.get(first.removeprefix("http://woodshed.test")).status_code == 404
    assert client.get(second.removeprefix("http://woodshed.test")).status_code == 200
    assert alice_api.delete("/api/v1/me/calendar").status_code == 204
    assert client.get(second.removeprefix("http://woodshed.test")).status_code == 404
    assert client.get("/calendar/feed.ics").status_code == 404


def test_the_feed_token_is_redacted_from_the_access_log():
    import logging

    from woodshed.security import RedactTokens

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '"%s" 200',
        ("GET /calendar/feed.ics?token=abc123 HTTP/1.1",),
        None,
    )
    RedactTokens().filter(record)
    assert "abc123" not in record.getMessage()


def test_a_template_is_shared_by_link_and_adopting_copies_without_private_notes(
    alice_api, bob_api, alice, bob, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    piece = make_piece(alice.profile)
    skill = make_skill(alice.profile, "Arpeggios")
    plan = make_plan(
        alice.profile,
        WEEKLY | {"end_date": "2026-12-24"},
        notes="my secret teacher notes",
        description="Three weeks of nocturnes",
        items=[
            {"piece_id": piece.id, "target_minutes": 20, "target_tempo_bpm": 66},
            {"skill_id": skill.id, "target_minutes": 10},
        ],
    )
    template = alice_api.post(f"/api/v1/plans/{plan.id}/template")
    assert template.status_code == 201
    template_id = template.get_json()["id"]
    assert "secret" not in str(template.get_json())
    assert bob_api.get(f"/api/v1/templates/{template_id}").status_code == 404
    url = alice_api.post(f"/api/v1/templates/{template_id}/publish").get_json()["url"]
    token = url.split("token=")[1]
    shared = bob_api.get(f"/api/v1/templates/shared?token={token}")
    assert shared.status_code == 200
    assert [s["label"] for s in shared.get_json()["slots"]] == ["Nocturne op. 9/2", "Arpeggios"]
    bobs_piece = make_piece(bob.profile, "Gymnopédie No. 1")
    adopted = bob_api.post(
        "/api/v1/templates/adopt",
        json={
            "token": token,
            "start_date": "2026-12-07",
            "days": ["TU", "SA"],
            "choices": [{"slot": 0, "piece_id": str(bobs_piece.id)}],
        },
    )
    assert adopted.status_code == 201, adopted.get_json()
    body = adopted.get_json()
    assert body["notes"] == ""
    assert body["schedule"]["rrule"] == "FREQ=WEEKLY;BYDAY=TU,SA"
    assert body["schedule"]["end_date"] == "2026-12-30"
    assert [i["label"] for i in body["items"]] == ["Gymnopédie No. 1", "Arpeggios"]
    assert body["items"][0]["target_tempo_bpm"] == 66
    # A copy: Bob's plan and skill are his own; Alice's objects are untouched.
    bobs_plan = db.session.get(Plan, uuid.UUID(body["id"]))
    assert bobs_plan.profile_id == bob.profile.id
    assert all(i.skill is None or i.skill.profile_id == bob.profile.id for i in bobs_plan.items)
    # Stop sharing: the link no longer works.
    alice_api.delete(f"/api/v1/templates/{template_id}/publish")
    assert bob_api.get(f"/api/v1/templates/shared?token={token}").status_code == 404


def test_adopting_a_skill_slot_uses_the_musicians_skill_of_that_name(
    alice_api, bob_api, alice, bob, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    plan = make_plan(
        alice.profile, WEEKLY, items=[{"skill_id": make_skill(alice.profile, "Arpeggios").id}]
    )
    template_id = alice_api.post(f"/api/v1/plans/{plan.id}/template").get_json()["id"]
    url = alice_api.post(f"/api/v1/templates/{template_id}/publish").get_json()["url"]
    bobs_skill = make_skill(bob.profile, "ARPEGGIOS")
    body = {"token": url.split("token=")[1], "start_date": "2026-12-07"}
    for _ in range(2):
        adopted = bob_api.post("/api/v1/templates/adopt", json=body)
        assert adopted.status_code == 201, adopted.get_json()
        assert [i["skill_id"] for i in adopted.get_json()["items"]] == [str(bobs_skill.id)]
    bobs_skills = sa.select(Skill.name).where(Skill.profile_id == bob.profile.id)
    assert list(db.session.scalars(bobs_skills)) == ["ARPEGGIOS"]


def test_adopting_with_someone_elses_piece_is_refused(alice_api, bob_api, alice, bob, frozen_clock):
    frozen_clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    piece = make_piece(alice.profile)
    plan = make_plan(alice.profile, WEEKLY, items=[{"piece_id": piece.id}])
    template_id = alice_api.post(f"/api/v1/plans/{plan.id}/template").get_json()["id"]
    token = (
        alice_api.post(f"/api/v1/templates/{template_id}/publish")
        .get_json()["url"]
        .split("token=")[1]
    )
    response = bob_api.post(
        "/api/v1/templates/adopt",
        json={
            "token": token,
            "start_date": "2026-12-07",
            "choices": [{"slot": 0, "piece_id": str(piece.id)}],
        },
    )
    assert response.status_code == 422
    assert "There is no such piece in your journal." in str(response.get_json())
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Plan.profile_id == bob.profile.id)) == 0
    )


def test_editing_the_schedule_regenerates_the_future_and_keeps_checked_in_ones(
    alice_api, alice, frozen_clock
):
    frozen_clock(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))
    plan = make_plan(alice.profile, WEEKLY)
    occs = alice_api.get(
        f"/api/v1/plans/{plan.id}/occurrences?from=2026-12-02&to=2026-12-04"
    ).get_json()["items"]
    alice_api.post(f"/api/v1/occurrences/{occs[0]['id']}/check-in", json={})
    etag = alice_api.get(f"/api/v1/plans/{plan.id}").headers["ETag"]
    response = alice_api.patch(
        f"/api/v1/plans/{plan.id}",
        json={"schedule": WEEKLY | {"rrule": "FREQ=WEEKLY;BYDAY=TU,TH"}},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.get_json()
    after = alice_api.get(
        f"/api/v1/plans/{plan.id}/occurrences?from=2026-11-30&to=2026-12-06"
    ).get_json()["items"]
    assert [(o["scheduled_start"][:10], o["status"]) for o in after] == [
        ("2026-12-02", "completed"),
        ("2026-12-03", "scheduled"),
    ]
    stale = alice_api.patch(
        f"/api/v1/plans/{plan.id}", json={"title": "x"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
