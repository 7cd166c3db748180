"""Plan templates: save a plan's shape, publish it by a secret link, adopt a copy.

Adopting copies everything into the adopter's own plan (their own pieces fill the piece
slots; skill slots use one of their skills or a new one with the slot's name). Nothing is
shared afterwards, and the author's private plan notes are never in a template.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from pydantic import ValidationError

from woodshed.api.keyset import keyset_page
from woodshed.api.pagination import ListQuery
from woodshed.config import base_url
from woodshed.db import db, utcnow
from woodshed.errors import DomainError
from woodshed.plans import schedule as sched
from woodshed.plans import services
from woodshed.plans.models import Plan, PlanTemplate
from woodshed.plans.schemas import AdoptIn, PlanIn
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.services import skill_by_name
from woodshed.tokens import generate_token, hash_token
from woodshed.validation import validation_problem

MAX_TEMPLATES = 100


def _pattern(schedule: dict) -> dict:
    if schedule["kind"] == "single":
        at = datetime.fromisoformat(schedule["start"])
        return {
            "kind": "single",
            "time_of_day": at.strftime("%H:%M"),
            "duration_minutes": schedule["duration_minutes"],
            "flexibility": schedule.get("flexibility", "same_day"),
        }
    rule = sched.parse_rrule(schedule["rrule"])
    start = date.fromisoformat(schedule["start_date"])
    ends = []
    if schedule.get("end_date"):
        ends.append(date.fromisoformat(schedule["end_date"]))
    if rule.until is not None:
        ends.append(rule.until.date() if isinstance(rule.until, datetime) else rule.until)
        rule = sched.Rule(rule.freq, rule.interval, rule.byday, rule.count, None)
    return {
        "kind": "recurring",
        "rrule": rule.text(),
        "time_of_day": schedule["time_of_day"],
        "duration_minutes": schedule["duration_minutes"],
        "flexibility": schedule.get("flexibility", "same_day"),
        "length_days": (min(ends) - start).days if ends else None,
    }


def save_as_template(profile: MusicianProfile, plan: Plan) -> PlanTemplate:
    """Snapshot a plan as a template (slots instead of the author's own pieces)."""
    count = db.session.execute(
        sa.select(sa.func.count()).where(PlanTemplate.profile_id == profile.id)
    ).scalar_one()
    if count >= MAX_TEMPLATES:
        raise DomainError({"_form": f"You have {MAX_TEMPLATES} templates; delete one first."})
    slots = []
    for item in plan.items:
        if item.skill is not None:
            slots.append(
                {"kind": "skill", "label": item.skill.name, "target_minutes": item.target_minutes}
            )
        elif item.piece is not None or item.section is not None:
            slots.append(
                {
                    "kind": "piece",
                    "label": item.label,
                    "target_minutes": item.target_minutes,
                    "target_tempo_bpm": item.target_tempo_bpm,
                }
            )
    template = PlanTemplate(
        profile_id=profile.id,
        title=plan.title,
        description=plan.description,
        kind=plan.kind,
        pattern=_pattern(plan.schedule),
        slots=slots,
    )
    db.session.add(template)
    db.session.flush()
    return template


def share_url(token: str) -> str:
    return f"{base_url()}/plans/templates/shared?token={token}"


def publish(template: PlanTemplate) -> str:
    """A new secret link (any earlier link stops working); only its hash is stored."""
    token = generate_token()
    template.share_token_hash = hash_token(token)
    template.published_at = utcnow()
    db.session.flush()
    return share_url(token)


TEMPLATE_ORDER = ((PlanTemplate.created_at, True), (PlanTemplate.id, True))


def list_templates(
    profile: MusicianProfile, query: ListQuery
) -> tuple[list[PlanTemplate], str | None]:
    """One page of the musician's templates, newest first."""
    stmt = sa.select(PlanTemplate).where(PlanTemplate.profile_id == profile.id)
    return keyset_page(stmt, TEMPLATE_ORDER, query)


def unpublish(template: PlanTemplate) -> None:
    template.share_token_hash = None
    template.published_at = None
    db.session.flush()


def delete_template(template: PlanTemplate) -> None:
    db.session.delete(template)
    db.session.flush()


def adopt_schedule(template: PlanTemplate, data: AdoptIn) -> dict:
    """The adopter's schedule: their start date, time and weekdays on the template's rhythm."""
    pattern = template.pattern
    at = data.time_of_day or pattern["time_of_day"]
    common = {
        "duration_minutes": pattern["duration_minutes"],
        "flexibility": pattern.get("flexibility", "same_day"),
    }
    if pattern["kind"] == "single":
        return {"kind": "single", "start": f"{data.start_date.isoformat()}T{at}", **common}
    rule = sched.parse_rrule(pattern["rrule"])
    if data.days and rule.freq in ("DAILY", "WEEKLY"):
        days = tuple((None, d) for d in sched.WEEKDAYS if d in data.days)
        interval = rule.interval if rule.freq == "WEEKLY" else 1
        rule = sched.Rule("WEEKLY", interval, days, rule.count, None)
    length = pattern.get("length_days")
    return {
        "kind": "recurring",
        "rrule": rule.text(),
        "start_date": data.start_date.isoformat(),
        "end_date": (data.start_date + timedelta(days=length)).isoformat()
        if length is not None
        else None,
        "time_of_day": at,
        **common,
    }


def adopt(profile: MusicianProfile, template: PlanTemplate, data: AdoptIn) -> Plan:
    """Create the adopter's own plan from a template (a copy; nothing stays shared)."""
    chosen = {c.slot: c for c in data.choices}
    errors: dict[str, str] = {}
    items = []
    for i, slot in enumerate(template.slots):
        choice = chosen.get(i)
        targets = {"target_minutes": slot.get("target_minutes")}
        if slot["kind"] == "piece":
            if choice is None or (choice.piece_id is None and choice.section_id is None):
                continue  # the adopter left this slot out
            if choice.skill_id is not None:
                errors[f"choices.{i}"] = "Fill a piece slot with a piece or section."
                continue
            targets["target_tempo_bpm"] = slot.get("target_tempo_bpm")
            items.append({"piece_id": choice.piece_id, "section_id": choice.section_id} | targets)
        else:
            skill_id = choice.skill_id if choice is not None else None
            if skill_id is None:
                # The musician's skill of that name, or a new one.
                skill_id = skill_by_name(profile, slot["label"][:200]).id
            items.append({"skill_id": skill_id} | targets)
    unknown = [c.slot for c in data.choices if c.slot >= len(template.slots)]
    for slot in unknown:
        errors["choices"] = f"The template has no slot {slot}."
    if errors:
        raise DomainError(errors)
    try:
        plan_in = PlanIn.model_validate(
            {
                "title": data.title or template.title,
                "description": template.description,
                "kind": template.kind,
                "schedule": adopt_schedule(template, data),
                "items": items,
            }
        )
    except ValidationError as exc:
        raise validation_problem(exc) from exc
    plan, _ = services.create_plan(profile, plan_in)
    return plan
