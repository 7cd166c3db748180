"""Plans and their occurrences: create/edit plans, generate occurrences lazily, check in,
skip, reschedule and undo. Every path that changes a plan or an occurrence comes here."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import attributes, contains_eager, selectinload

from woodshed import events, policy, search
from woodshed.api.keyset import keyset_page
from woodshed.core.dashboard import shared_by_panels
from woodshed.db import bookkeeping, db, insert_ignore, new_id, rowcount, utcnow
from woodshed.errors import Conflict, DomainError
from woodshed.journal import services as journal
from woodshed.journal.models import PracticeSession
from woodshed.journal.schemas import SessionIn
from woodshed.plans import schedule as sched
from woodshed.plans.models import Plan, PlanItem, PlanOccurrence
from woodshed.plans.schemas import (
    OccurrenceQuery,
    PlanIn,
    PlanItemIn,
    PlanQuery,
    RescheduleIn,
    ScheduleIn,
)
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire import subjects
from woodshed.timeutil import local_to_utc

log = logging.getLogger(__name__)

HORIZON_DAYS = 90
MAX_ACTIVE_PLANS = 50
PLAN_FIELDS = ("title", "description", "notes", "kind", "instrument_id")


# --- plans ------------------------------------------------------------------------------------


def _items(profile: MusicianProfile, items: list[PlanItemIn], errors: dict) -> list[PlanItem]:
    rows = []
    for i, item in enumerate(items):
        subject = subjects.resolve(
            profile, item.piece_id, item.section_id, item.skill_id, errors, f"items.{i}"
        )
        rows.append(
            PlanItem(
                position=i,
                piece_id=subject.piece_id,
                section_id=subject.section_id,
                skill_id=subject.skill_id,
                target_minutes=item.target_minutes,
                target_tempo_bpm=item.target_tempo_bpm,
            )
        )
    return rows


def _check_active_limit(profile: MusicianProfile, excluding: uuid.UUID | None = None) -> None:
    stmt = sa.select(sa.func.count()).where(Plan.profile_id == profile.id, Plan.status == "active")
    if excluding is not None:
        stmt = stmt.where(Plan.id != excluding)
    if db.session.execute(stmt).scalar_one() >= MAX_ACTIVE_PLANS:
        raise DomainError(
            {
                "_form": f"You have {MAX_ACTIVE_PLANS} active plans, the most Woodshed keeps; "
                "archive one first."
            },
            "Too many active plans.",
        )


def search_document(plan: Plan) -> search.Doc:
    """A plan is found by its title, description and notes."""
    return search.Doc(
        "plan",
        plan.id,
        plan.profile_id,
        plan.title,
        [plan.description, plan.notes],
        dated=plan.created_at.date(),
    )


def create_plan(profile: MusicianProfile, data: PlanIn) -> tuple[Plan, bool]:
    """Create a plan and its first 90 days of occurrences; a known client id returns it."""
    existing = policy.existing_for_client_id(Plan, data.id, profile)
    if existing is not None:
        return existing, False
    _check_active_limit(profile)
    errors: dict[str, str] = {}
    policy.referenced(Instrument, data.instrument_id, profile, field="instrument_id", errors=errors)
    items = _items(profile, data.items, errors)
    if errors:
        raise DomainError(errors)
    plan = Plan(
        id=data.id or new_id(),
        profile_id=profile.id,
        schedule=data.schedule.model_dump(mode="json"),
        **{f: getattr(data, f) for f in PLAN_FIELDS},
    )
    plan.items = items
    plan, created = policy.insert_or_existing(plan, profile)
    if created:
        search.index(search_document(plan))
        ensure_occurrences(profile, [plan])
        _plans_changed(profile)
    return plan, created


def update_plan(profile: MusicianProfile, plan: Plan, changes: dict) -> Plan:
    """Apply changed fields; a new schedule regenerates future scheduled occurrences."""
    errors: dict[str, str] = {}
    if "instrument_id" in changes:
        policy.referenced(
            Instrument, changes["instrument_id"], profile, field="instrument_id", errors=errors
        )
    items = None
    if "items" in changes:
        items = _items(profile, [PlanItemIn.model_validate(i) for i in changes["items"]], errors)
    if errors:
        raise DomainError(errors)
    status = changes.get("status", plan.status)
    if status == "active" and plan.status != "active":
        _check_active_limit(profile, excluding=plan.id)
    for name in PLAN_FIELDS:
        if name in changes:
            setattr(plan, name, changes[name])
    if items is not None:
        plan.items = items
    new_schedule = changes.get("schedule")
    if new_schedule is not None:
        # Stored as JSON with every default spelled out, like a created plan's.
        new_schedule = ScheduleIn.model_validate(new_schedule).model_dump(mode="json")
    schedule_changed = new_schedule is not None and new_schedule != plan.schedule
    status_changed = status != plan.status
    plan.status = status
    if schedule_changed and new_schedule is not None:
        plan.schedule = new_schedule
    if schedule_changed or status_changed:
        _regenerate(profile, plan)
    db.session.flush()
    search.index(search_document(plan))
    _plans_changed(profile)
    return plan


def _regenerate(profile: MusicianProfile, plan: Plan) -> None:
    """Drop future scheduled occurrences (completed and skipped ones stay) and start again."""
    now = utcnow()
    db.session.execute(
        sa.delete(PlanOccurrence)
        .where(
            PlanOccurrence.plan_id == plan.id,
            PlanOccurrence.status == "scheduled",
            PlanOccurrence.scheduled_start > now,
        )
        .execution_options(synchronize_session=False)
    )
    plan.generate_from = now
    plan.generated_until = None
    db.session.flush()
    if plan.status == "active":
        ensure_occurrences(profile, [plan])


def delete_plan(profile: MusicianProfile, plan: Plan) -> None:
    """Delete a plan with its occurrences; journal entries checked in from it stay."""
    search.unindex("plan", [plan.id])
    db.session.delete(plan)
    db.session.flush()
    _plans_changed(profile)


def _plans_changed(profile: MusicianProfile) -> None:
    """Announce it: reminders before occurrences subscribe (`events.plans_changed`)."""
    events.plans_changed.send(profile)


# --- occurrences ------------------------------------------------------------------------------


def ensure_occurrences(
    profile: MusicianProfile, plans: list[Plan] | None = None, now: datetime | None = None
) -> int:
    """Create missing occurrences up to 90 days ahead (idempotent; safe when raced)."""
    now = now or utcnow()
    horizon = profile.today(now) + timedelta(days=HORIZON_DAYS)
    if plans is None:
        plans = list(
            db.session.scalars(
                sa.select(Plan).where(
                    Plan.profile_id == profile.id,
                    Plan.status == "active",
                    sa.or_(Plan.generated_until.is_(None), Plan.generated_until < horizon),
                )
            )
        )
    created = 0
    for plan in plans:
        if plan.status != "active" or (plan.generated_until and plan.generated_until >= horizon):
            continue
        rows = []
        for slot in sched.expand(plan.schedule, profile.timezone, horizon):
            if plan.generated_until and slot.local_start.date() <= plan.generated_until:
                continue
            if plan.generate_from and slot.start < plan.generate_from:
                continue
            rows.append(_occurrence_row(profile, plan, slot))
        insert_ignore(PlanOccurrence, rows, ["plan_id", "recurrence_key"])
        created += len(rows)
        # Bookkeeping, not an edit: no version bump, so ETags of the plan stay valid, and
        # the time it was last updated stays what the musician did.
        db.session.execute(
            sa.update(Plan)
            .where(Plan.id == plan.id)
            .values(generated_until=horizon, updated_at=Plan.updated_at)
            .execution_options(synchronize_session=False)
        )
        attributes.set_committed_value(plan, "generated_until", horizon)
    return created


def _occurrence_row(profile: MusicianProfile, plan: Plan, slot: sched.Slot) -> dict:
    day, start, end = sched.window(
        slot.start,
        plan.schedule.get("flexibility", "same_day"),
        profile.timezone,
        profile.day_rollover_hour,
        profile.week_start_index,
    )
    key = "single" if plan.schedule["kind"] == "single" else slot.key
    return {
        "id": new_id(),
        "plan_id": plan.id,
        "profile_id": profile.id,
        "recurrence_key": key,
        "scheduled_start": slot.start,
        "scheduled_end": slot.end,
        "practice_date": day,
        "window_start": start,
        "window_end": end,
        "status": "scheduled",
        "skip_reason": "",
        "rescheduled": False,
        "updated_at": utcnow(),
    }


def expire_overdue(profile: MusicianProfile | None = None, now: datetime | None = None) -> int:
    """Occurrences whose window has closed without a check-in become expired."""
    stmt = sa.update(PlanOccurrence).where(
        PlanOccurrence.status == "scheduled", PlanOccurrence.window_end <= (now or utcnow())
    )
    if profile is not None:
        stmt = stmt.where(PlanOccurrence.profile_id == profile.id)
    result = db.session.execute(
        stmt.values(status="expired").execution_options(synchronize_session=False)
    )
    return rowcount(result)


def refresh(profile: MusicianProfile) -> None:
    """Bring occurrences up to date before showing them (generate, expire).

    Bookkeeping (`db.bookkeeping`): when a read request loses the race for the write lock,
    the page shows what exists instead of failing. Done once per request.
    """
    done = g.setdefault("plans_refreshed", set())
    if profile.id in done:
        return
    done.add(profile.id)
    with bookkeeping(f"occurrence refresh for {profile.id}"):
        ensure_occurrences(profile)
        expire_overdue(profile)
    # The bulk updates bypassed the identity map: reload occurrences, keep everything else.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, PlanOccurrence):
            db.session.expire(obj)


PLAN_ORDER = ((Plan.created_at, True), (Plan.id, True))
OCCURRENCE_ORDER = ((PlanOccurrence.scheduled_start, False), (PlanOccurrence.id, False))


def list_plans(profile: MusicianProfile, query: PlanQuery) -> tuple[list[Plan], str | None]:
    """One page of plans, newest first."""
    stmt = sa.select(Plan).where(Plan.profile_id == profile.id)
    if query.status:
        stmt = stmt.where(Plan.status == query.status)
    return keyset_page(stmt, PLAN_ORDER, query)


def list_occurrences(
    profile: MusicianProfile, plan: Plan, query: OccurrenceQuery
) -> tuple[list[PlanOccurrence], str | None]:
    """One page of a plan's occurrences (brought up to date first), earliest first."""
    refresh(profile)
    return keyset_page(occurrences(profile, plan, query.from_, query.to), OCCURRENCE_ORDER, query)


def occurrences(
    profile: MusicianProfile, plan: Plan | None, start: date | None, end: date | None
) -> sa.Select:
    stmt = sa.select(PlanOccurrence).where(PlanOccurrence.profile_id == profile.id)
    if plan is not None:
        stmt = stmt.where(PlanOccurrence.plan_id == plan.id)
    if start is not None:
        stmt = stmt.where(PlanOccurrence.practice_date >= start)
    if end is not None:
        stmt = stmt.where(PlanOccurrence.practice_date <= end)
    return stmt


@dataclass
class Bucket:
    name: str
    title: str
    groups: dict[uuid.UUID, list[PlanOccurrence]] = field(default_factory=dict)

    def add(self, occ: PlanOccurrence) -> None:
        self.groups.setdefault(occ.plan_id, []).append(occ)

    @property
    def empty(self) -> bool:
        return not self.groups


def planning(profile: MusicianProfile, days_ahead: int = 14) -> tuple[list[Bucket], list[Plan]]:
    """Occurrences for the Planning view: overdue → today → upcoming, grouped by plan."""
    refresh(profile)
    now = utcnow()
    today = profile.today(now)
    rows = db.session.scalars(
        occurrences(profile, None, today - timedelta(days=7), today + timedelta(days=days_ahead))
        .join(Plan, Plan.id == PlanOccurrence.plan_id)
        .where(Plan.status == "active")
        .order_by(PlanOccurrence.scheduled_start)
        .options(selectinload(PlanOccurrence.session))
    ).all()
    overdue = Bucket("overdue", "Overdue")
    today_bucket = Bucket("today", "Today")
    upcoming = Bucket("upcoming", "Upcoming")
    for occ in rows:
        if occ.practice_date == today:
            today_bucket.add(occ)
        elif occ.practice_date > today and occ.status in ("scheduled", "skipped"):
            upcoming.add(occ)
        elif occ.practice_date < today and occ.status == "scheduled":
            overdue.add(occ)
    plans = list(
        db.session.scalars(
            sa.select(Plan)
            .where(Plan.profile_id == profile.id)
            .order_by(Plan.status, Plan.title)
            .options(selectinload(Plan.items))
        )
    )
    return [overdue, today_bucket, upcoming], plans


@shared_by_panels
def due_now(profile: MusicianProfile, now: datetime | None = None) -> list[PlanOccurrence]:
    """Scheduled occurrences of today and overdue ones whose window is still open."""
    now = now or utcnow()
    refresh(profile)
    today = profile.today(now)
    return list(
        db.session.scalars(
            occurrences(profile, None, None, today)
            .join(Plan, Plan.id == PlanOccurrence.plan_id)
            .where(
                Plan.status == "active",
                PlanOccurrence.status == "scheduled",
                PlanOccurrence.window_end > now,
            )
            .order_by(PlanOccurrence.scheduled_start)
            # The plan's title, link and items (the card says what to practise).
            .options(contains_eager(PlanOccurrence.plan).selectinload(Plan.items))
            .limit(20)
        )
    )


def prefill(profile: MusicianProfile, occ: PlanOccurrence, now: datetime | None = None) -> dict:
    """The journal entry a check-in proposes: start, duration, instrument, items, targets."""
    now = now or utcnow()
    duration = max(
        1, min(600, round((occ.scheduled_end - occ.scheduled_start).total_seconds() / 60))
    )
    if occ.scheduled_end <= now and occ.practice_date == profile.today(now):
        started = occ.scheduled_start
    else:
        started = now - timedelta(minutes=duration)
    items = [
        {
            "piece_id": i.piece_id,
            "section_id": i.section_id,
            "skill_id": i.skill_id,
            "minutes": i.target_minutes,
            "target_tempo_bpm": i.target_tempo_bpm,
        }
        for i in occ.plan.items
        if i.piece_id or i.section_id or i.skill_id
    ]
    return {
        "started_at": started.replace(second=0, microsecond=0),
        "duration_minutes": duration,
        "instrument_id": occ.plan.instrument_id,
        "items": items,
    }


def _conflict_reason(occ: PlanOccurrence) -> str:
    return {
        "completed": "This occurrence is already checked in.",
        "skipped": "This occurrence was skipped; undo the skip to check it in.",
        "expired": "This occurrence has expired; log the practice in the journal instead.",
    }.get(occ.status, "This occurrence has expired; log the practice in the journal instead.")


def check_in(
    profile: MusicianProfile,
    occ: PlanOccurrence,
    data: SessionIn,
    editor_id: uuid.UUID | None = None,
) -> tuple[PracticeSession, bool]:
    """Log the practice as a journal entry linked to the occurrence, which becomes completed.

    The status moves with a conditional UPDATE, so two check-ins racing for the same
    occurrence produce one entry and one 409 — unless they carry the same client id for the
    entry: a re-sent check-in answers the entry it made (created False).
    """
    resent = _checked_in_as(profile, occ, data.id)
    if resent is not None:
        return resent, False
    now = utcnow()
    claimed = rowcount(
        db.session.execute(
            sa.update(PlanOccurrence)
            .where(
                PlanOccurrence.id == occ.id,
                PlanOccurrence.status == "scheduled",
                PlanOccurrence.window_end > now,
            )
            .values(status="completed", completed_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if claimed != 1:
        db.session.refresh(occ)
        resent = _checked_in_as(profile, occ, data.id)
        if resent is not None:
            return resent, False
        raise Conflict(_conflict_reason(occ))
    session, _ = journal.create_session(profile, data, editor_id=editor_id)
    db.session.execute(
        sa.update(PlanOccurrence)
        .where(PlanOccurrence.id == occ.id)
        .values(session_id=session.id)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(occ)
    db.session.flush()
    return session, True


def _checked_in_as(
    profile: MusicianProfile, occ: PlanOccurrence, session_id: uuid.UUID | None
) -> PracticeSession | None:
    """The entry this occurrence was checked in as, when a check-in names it again."""
    if session_id is None or occ.session_id != session_id:
        return None
    return policy.existing_for_client_id(PracticeSession, session_id, profile)


def skip(profile: MusicianProfile, occ: PlanOccurrence, reason: str = "") -> PlanOccurrence:
    """Skip a planned practice; its day then counts as a skip day for streaks."""
    if occ.status not in ("scheduled", "expired"):
        raise Conflict(_conflict_reason(occ) if occ.status != "skipped" else "Already skipped.")
    occ.status = "skipped"
    occ.skip_reason = reason
    db.session.flush()
    return occ


def reschedule(profile: MusicianProfile, occ: PlanOccurrence, data: RescheduleIn) -> PlanOccurrence:
    """Move one occurrence to another local time (the rest of the plan stays)."""
    if occ.status not in ("scheduled", "expired"):
        raise Conflict(_conflict_reason(occ))
    now = utcnow()
    start = local_to_utc(datetime.fromisoformat(data.start), profile.timezone)
    minutes = data.duration_minutes or round(
        (occ.scheduled_end - occ.scheduled_start).total_seconds() / 60
    )
    day, win_start, win_end = sched.window(
        start,
        occ.plan.schedule.get("flexibility", "same_day"),
        profile.timezone,
        profile.day_rollover_hour,
        profile.week_start_index,
    )
    if win_end <= now:
        raise DomainError({"start": "Choose a time whose practice day has not passed."})
    occ.scheduled_start, occ.scheduled_end = start, start + timedelta(minutes=minutes)
    occ.practice_date, occ.window_start, occ.window_end = day, win_start, win_end
    occ.status = "scheduled"
    occ.rescheduled = True
    db.session.flush()
    _plans_changed(profile)
    return occ


def undo(
    profile: MusicianProfile, occ: PlanOccurrence, delete_session: bool = False
) -> PlanOccurrence:
    """Undo a check-in (unlink; delete the entry only if asked) or a skip."""
    if occ.status == "completed":
        session = db.session.get(PracticeSession, occ.session_id) if occ.session_id else None
        occ.session_id = None
        occ.completed_at = None
        if delete_session and session is not None:
            journal.delete_session(session)
    elif occ.status == "skipped":
        occ.skip_reason = ""
    else:
        raise Conflict("Only a checked-in or skipped occurrence can be undone.")
    occ.status = "expired" if occ.window_end <= utcnow() else "scheduled"
    db.session.flush()
    return occ


def skipped_days(profile: MusicianProfile, start: date, end: date) -> sa.Select:
    """Practice dates of skipped occurrences in [start, end] — skip days for streaks — as
    a select of (first, last) day pairs, to combine with other days off in one statement."""
    day = PlanOccurrence.practice_date
    return sa.select(day, day).where(
        PlanOccurrence.profile_id == profile.id,
        PlanOccurrence.status == "skipped",
        day >= start,
        day <= end,
    )


def occurrence_for_session(profile: MusicianProfile, session_id: uuid.UUID):
    """The plan occurrence a journal entry was checked in from, if any."""
    return db.session.scalar(
        sa.select(PlanOccurrence).where(
            PlanOccurrence.profile_id == profile.id, PlanOccurrence.session_id == session_id
        )
    )
