"""Objects owned by alice for the plans/reminders rows of the access matrix."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.factories import make_plan, make_reminder
from woodshed.db import db, new_id, utcnow


def _plan(alice):
    # A single session an hour from now, checkable all week: check-in pages answer 200.
    local = (utcnow() + timedelta(hours=1)).astimezone(ZoneInfo(alice.profile.timezone))
    return make_plan(
        alice.profile,
        {
            "kind": "single",
            "start": local.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 30,
            "flexibility": "same_week",
        },
    )


def _occurrence(alice):
    from woodshed.plans.models import PlanOccurrence

    plan = _plan(alice)
    return db.session.scalars(
        sa.select(PlanOccurrence).where(PlanOccurrence.plan_id == plan.id)
    ).one()


def _template(alice):
    from woodshed.plans.sharing import save_as_template

    return save_as_template(alice.profile, _plan(alice))


def _notification(alice):
    from woodshed.notify.services import notify

    return notify(alice.profile, "reminder", "Time to practise")


def _delivery(alice):
    from woodshed.notify.models import Delivery

    delivery = Delivery(
        key=f"test:{new_id()}",
        profile_id=alice.profile.id,
        kind="daily",
        due_at=utcnow(),
        status="failed",
        attempts=5,
        last_error="SMTP refused",
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


BUILDERS = {
    "plan_id": _plan,
    "occurrence_id": _occurrence,
    "template_id": _template,
    "notification_id": _notification,
    "reminder_id": lambda alice: make_reminder(alice.profile),
    "delivery_id": _delivery,
}
