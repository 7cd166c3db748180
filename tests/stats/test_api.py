"""The statistics API: shapes, ranges, quiet mode, and skip days owned by one musician."""

from datetime import UTC, datetime

import pytest

from tests.clients import field_errors
from tests.factories import log_session
from woodshed.db import db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def logged(alice, frozen_clock):
    frozen_clock(NOW)
    for day, minutes in ((9, 30), (8, 45), (7, 20), (1, 60)):
        log_session(alice.profile, datetime(2026, 3, day, 17, 0, tzinfo=UTC), minutes)
    return alice


def test_the_summary_has_exactly_the_fields_of_the_spec(alice_api, logged):
    body = alice_api.get("/api/v1/stats/summary").get_json()
    assert body == {
        "total_minutes": 155,
        "total_sessions": 4,
        "practice_days": 4,
        "average_minutes": 38.8,
        "today_minutes": 0,
        "week_minutes": 30,  # Monday 9 March starts the week
        "month_minutes": 155,
        "year_minutes": 155,
        "current_streak": 3,
        "longest_streak": 3,
        "consistency": 18,  # worked through in docs/formulas.md
    }


def test_a_range_limits_the_totals(alice_api, logged):
    body = alice_api.get("/api/v1/stats/summary?from=2026-03-08&to=2026-03-09").get_json()
    assert (body["total_minutes"], body["total_sessions"], body["practice_days"]) == (75, 2, 2)
    assert body["longest_streak"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-03-09&to=2026-03-01", "to"),
        ("from=1990-01-01&to=2026-03-01", "to"),
        ("from=1800-01-01", "from"),
        ("from=yesterday", "from"),
    ],
)
def test_unreasonable_ranges_are_refused_with_field_errors(alice_api, logged, query, field):
    for path in ("summary", "heatmap", "timeseries", "breakdown?by=tag&", "streaks", "progress"):
        sep = "" if path.endswith("&") else "?"
        response = alice_api.get(f"/api/v1/stats/{path}{sep}{query}")
        assert response.status_code == 422, path
        assert field in field_errors(response), path


def test_an_open_range_longer_than_twenty_years_is_refused(alice_api, logged):
    response = alice_api.get("/api/v1/stats/timeseries?from=1901-01-01")
    assert response.status_code == 422
    assert "from" in field_errors(response)


def test_the_heatmap_has_one_cell_per_practice_date(alice_api, logged):
    body = alice_api.get("/api/v1/stats/heatmap?year=2026").get_json()
    assert body["items"][0] == {"date": "2026-03-01", "minutes": 60, "sessions": 1}
    assert len(body["items"]) == 4
    ranged = alice_api.get("/api/v1/stats/heatmap?from=2026-03-08&to=2026-03-08").get_json()
    assert ranged == {"items": [{"date": "2026-03-08", "minutes": 45, "sessions": 1}]}
    assert alice_api.get("/api/v1/stats/heatmap?year=2026&from=2026-01-01").status_code == 422


def test_the_timeseries_has_every_bucket_and_a_moving_average(alice_api, logged):
    body = alice_api.get(
        "/api/v1/stats/timeseries?bucket=week&from=2026-02-23&to=2026-03-10"
    ).get_json()
    assert [(p["start"], p["minutes"]) for p in body["items"]] == [
        ("2026-02-23", 60),
        ("2026-03-02", 65),
        ("2026-03-09", 30),
    ]
    assert body["items"][-1]["moving_average"] == round((60 + 65 + 30) / 3, 1)
    assert alice_api.get("/api/v1/stats/timeseries?bucket=year").status_code == 422


def test_the_breakdown_needs_a_dimension(alice_api, logged):
    assert alice_api.get("/api/v1/stats/breakdown").status_code == 422
    body = alice_api.get("/api/v1/stats/breakdown?by=instrument").get_json()
    assert body["items"] == [
        {
            "id": None,
            "label": "No instrument",
            "minutes": 155,
            "sessions": 4,
            "average_quality": None,
            "average_enjoyment": None,
        }
    ]


def test_quiet_mode_answers_null_streaks_and_no_badges(alice_api, logged):
    logged.profile.motivation_mode = "quiet"
    db.session.flush()
    summary = alice_api.get("/api/v1/stats/summary").get_json()
    assert summary["current_streak"] is None
    assert summary["consistency"] is None
    assert summary["total_minutes"] == 155
    assert set(alice_api.get("/api/v1/stats/streaks").get_json().values()) == {None}
    assert alice_api.get("/api/v1/badges").get_json() == {"items": [], "next_cursor": None}


def test_every_statistic_needs_a_signed_in_caller(client):
    for path in ("stats/summary", "stats/heatmap", "badges", "skip-days"):
        assert client.get(f"/api/v1/{path}").status_code == 401


def test_bob_sees_none_of_alices_numbers(bob_api, logged):
    assert bob_api.get("/api/v1/stats/summary").get_json()["total_minutes"] == 0
    assert bob_api.get("/api/v1/stats/heatmap?year=2026").get_json() == {"items": []}


def test_skip_days_are_created_idempotently_and_change_the_streak(alice_api, logged):
    import uuid

    period_id = str(uuid.uuid4())
    body = {"id": period_id, "start_date": "2026-03-02", "end_date": "2026-03-06", "reason": "ill"}
    first = alice_api.post("/api/v1/skip-days", json=body)
    assert first.status_code == 201, first.get_json()
    assert alice_api.post("/api/v1/skip-days", json=body).status_code == 200
    listed = alice_api.get("/api/v1/skip-days").get_json()
    assert [p["id"] for p in listed["items"]] == [period_id]
    # 1 March, then five days off, then 7–9 March: one streak of four.
    assert alice_api.get("/api/v1/stats/streaks").get_json()["current_streak"] == 4

    response = alice_api.patch(
        f"/api/v1/skip-days/{period_id}",
        json={"end_date": "2026-03-01"},
        headers={"If-Match": first.headers["ETag"]},
    )
    assert response.status_code == 422
    assert field_errors(response) == {"end_date": "The end date is before the start date."}
    stale = alice_api.patch(
        f"/api/v1/skip-days/{period_id}", json={"reason": "flu"}, headers={"If-Match": '"v9"'}
    )
    assert stale.status_code == 412
    assert alice_api.delete(f"/api/v1/skip-days/{period_id}").status_code == 204
    assert alice_api.get("/api/v1/stats/streaks").get_json()["current_streak"] == 3


def test_a_skip_period_must_be_in_order_and_at_most_a_year(alice_api, logged):
    response = alice_api.post(
        "/api/v1/skip-days", json={"start_date": "2026-03-02", "end_date": "2026-03-01"}
    )
    assert field_errors(response) == {"end_date": "The end date is before the start date."}
    response = alice_api.post(
        "/api/v1/skip-days", json={"start_date": "2024-03-02", "end_date": "2026-03-01"}
    )
    assert field_errors(response) == {"end_date": "Mark at most a year at a time."}


def test_bob_cannot_see_or_change_alices_skip_days(alice_api, bob_api, logged):
    created = alice_api.post(
        "/api/v1/skip-days", json={"start_date": "2026-03-02", "end_date": "2026-03-03"}
    ).get_json()
    url = f"/api/v1/skip-days/{created['id']}"
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, json={"reason": "mine"}).status_code == 404
    assert bob_api.delete(url).status_code == 404
    assert alice_api.get(url).get_json()["reason"] == ""
    assert bob_api.get("/api/v1/skip-days").get_json()["items"] == []


def test_a_skipped_plan_occurrence_is_a_day_off_for_the_streak(alice_api, logged):
    import sqlalchemy as sa

    from tests.factories import make_plan
    from woodshed.plans.models import PlanOccurrence
    from woodshed.plans.services import skip

    log_session(logged.profile, datetime(2026, 3, 5, 17, 0, tzinfo=UTC), 25)
    plan = make_plan(
        logged.profile, {"kind": "single", "start": "2026-03-06T18:00", "duration_minutes": 30}
    )
    occurrence = db.session.scalars(
        sa.select(PlanOccurrence).where(PlanOccurrence.plan_id == plan.id)
    ).one()
    # 5 March, nothing on the 6th, then 7–9 March: the gap breaks the run.
    assert alice_api.get("/api/v1/stats/streaks").get_json()["current_streak"] == 3
    skip(logged.profile, occurrence, "a cold")
    db.session.flush()
    # Skipping the planned practice of the 6th excuses that day: one run of four.
    assert alice_api.get("/api/v1/stats/streaks").get_json()["current_streak"] == 4
