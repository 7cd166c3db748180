"""The secret iCalendar feed of planned practice (Google, Apple and Thunderbird subscribe).

Times are written in UTC (no VTIMEZONE needed), UIDs are stable per plan and recurrence
key, so a calendar updates an event instead of duplicating it. The token is in the query
string (`?token=`), which the access logs leave out or redact; only its hash is stored.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from icalendar import Calendar, Event
from sqlalchemy.orm import joinedload

from woodshed import policy
from woodshed.config import base_url
from woodshed.db import bookkeeping, db, utcnow
from woodshed.plans import services
from woodshed.plans.models import CalendarFeed, Plan, PlanItem, PlanOccurrence
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Section
from woodshed.tokens import generate_token, hash_token

PAST_DAYS = 30


def item_loads():
    """Eager loads for showing occurrences with their plan's item labels (no N+1)."""
    return (
        joinedload(PlanOccurrence.plan)
        .selectinload(Plan.items)
        .joinedload(PlanItem.section)
        .joinedload(Section.piece)
    )


def feed_url(token: str) -> str:
    return f"{base_url()}/calendar/feed.ics?token={token}"


def feed_of(profile: MusicianProfile) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.profile_id == profile.id))


def regenerate(profile: MusicianProfile) -> tuple[CalendarFeed, str]:
    """A new secret feed address; the previous one stops working."""
    token = generate_token()
    feed = feed_of(profile)
    if feed is None:
        # One feed per profile: a first request racing this one may have stored it.
        stored, created = policy.insert_or_existing(
            CalendarFeed(profile_id=profile.id, token_hash=hash_token(token)),
            profile,
            key=("profile_id",),
        )
        if created:
            return stored, feed_url(token)
        feed = stored
    feed.token_hash = hash_token(token)
    feed.created_at = utcnow()
    feed.last_used_at = None
    db.session.flush()
    return feed, feed_url(token)


def revoke(profile: MusicianProfile) -> None:
    feed = feed_of(profile)
    if feed is not None:
        db.session.delete(feed)
        db.session.flush()


def profile_for_token(token: str | None) -> MusicianProfile:
    """The profile whose feed this secret address is (the policy decides: 404 otherwise)."""
    feed = policy.shared_by_link_or_404(CalendarFeed, token, CalendarFeed.token_hash)
    with bookkeeping("a calendar feed's last use"):
        feed.last_used_at = utcnow()
    return db.session.get_one(MusicianProfile, feed.profile_id)


def ics(profile: MusicianProfile) -> bytes:
    """The feed: occurrences from 30 days ago to 90 days ahead, items in the description."""
    services.refresh(profile)
    today = profile.today()
    rows = db.session.scalars(
        services.occurrences(
            profile,
            None,
            today - timedelta(days=PAST_DAYS),
            today + timedelta(days=services.HORIZON_DAYS),
        )
        .join(Plan, Plan.id == PlanOccurrence.plan_id)
        .where(Plan.status == "active", PlanOccurrence.status != "expired")
        .order_by(PlanOccurrence.scheduled_start)
        .options(item_loads())
    ).all()
    base = base_url()
    host = base.split("://", 1)[-1].split("/", 1)[0] or "woodshed"
    cal = Calendar()
    cal.add("prodid", "-//Woodshed//Practice plans//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Woodshed: {profile.display_name}'s practice")
    cal.add("x-wr-caldesc", "Planned practice from Woodshed")
    cal.add("x-published-ttl", "PT1H")
    stamp = utcnow().replace(microsecond=0)
    for occ in rows:
        plan = occ.plan
        event = Event()
        key = occ.recurrence_key.replace(":", "").replace("-", "")
        event.add("uid", f"plan-{plan.id}-{key}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", occ.scheduled_start)
        event.add("dtend", occ.scheduled_end)
        event.add("summary", plan.title)
        lines = [f"- {i.label}" + _targets(i) for i in plan.items]
        if plan.description:
            lines = [plan.description, "", *lines]
        url = f"{base}/plans/occurrences/{occ.id}/check-in"
        lines += ["", f"Check in: {url}"]
        event.add("description", "\n".join(lines).strip())
        event.add("url", url)
        event.add("status", "CANCELLED" if occ.status == "skipped" else "CONFIRMED")
        event.add("last-modified", occ.updated_at.replace(microsecond=0))
        cal.add_component(event)
    return cal.to_ical()


def _targets(item) -> str:
    parts = []
    if item.target_minutes:
        parts.append(f"{item.target_minutes} min")
    if item.target_tempo_bpm:
        parts.append(f"target {item.target_tempo_bpm} bpm")
    return f" ({', '.join(parts)})" if parts else ""
