"""`/plans`, `/occurrences`, `/templates` and `/me/calendar` in the JSON API."""

from __future__ import annotations

import uuid

from pydantic import ValidationError

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import ListQuery, Page
from woodshed.db import check_version
from woodshed.journal.schemas import SessionIn, SessionOut
from woodshed.plans import calendar, services, sharing
from woodshed.plans.models import Plan, PlanOccurrence, PlanTemplate
from woodshed.plans.schemas import (
    AdoptIn,
    CalendarOut,
    CheckInIn,
    OccurrenceOut,
    OccurrenceQuery,
    PlanIn,
    PlanOut,
    PlanQuery,
    PlanUpdate,
    PublishOut,
    RescheduleIn,
    SharedQuery,
    SharedTemplateOut,
    SkipIn,
    TemplateOut,
    UndoIn,
)
from woodshed.validation import validation_problem

api = ApiBlueprint("plans_api", __name__, tag="Plans")


@api.operation(
    "GET", "/plans", summary="Your plans, newest first", query=PlanQuery, response=Page[PlanOut]
)
def list_plans(profile, query: PlanQuery):
    rows, cursor = services.list_plans(profile, query)
    return Page(items=rows, next_cursor=cursor)


@api.operation(
    "POST",
    "/plans",
    summary="Create a plan",
    body=PlanIn,
    response=PlanOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="Schedules are `single` or `recurring` (RRULE subset FREQ DAILY/WEEKLY/"
    "MONTHLY, INTERVAL, BYDAY, COUNT, UNTIL), read in your time zone. At most 50 active plans.",
)
def create_plan(profile, body: PlanIn):
    plan, created = services.create_plan(profile, body)
    return Reply(plan, status=201 if created else 200, version=plan.version)


@api.operation("GET", "/plans/<uuid:plan_id>", summary="One plan", response=PlanOut, etag=True)
def get_plan(profile, plan_id: uuid.UUID):
    plan = policy.owned_or_404(Plan, plan_id, profile)
    return Reply(plan, version=plan.version)


@api.operation(
    "PATCH",
    "/plans/<uuid:plan_id>",
    summary="Edit or archive a plan",
    body=PlanUpdate,
    response=PlanOut,
    etag=True,
    description="A new schedule regenerates future scheduled occurrences; completed and "
    "skipped ones stay.",
)
def patch_plan(profile, plan_id: uuid.UUID, body):
    plan = policy.owned_or_404(Plan, plan_id, profile)
    check_version(plan, if_match_version())
    services.update_plan(profile, plan, body.model_dump(exclude_unset=True))
    return Reply(plan, version=plan.version)


@api.operation("DELETE", "/plans/<uuid:plan_id>", summary="Delete a plan", status=204, etag=True)
def delete_plan(profile, plan_id: uuid.UUID):
    plan = policy.owned_or_404(Plan, plan_id, profile)
    check_version(plan, if_match_version())
    services.delete_plan(profile, plan)


@api.operation(
    "GET",
    "/plans/<uuid:plan_id>/occurrences",
    summary="A plan's occurrences by practice date",
    query=OccurrenceQuery,
    response=Page[OccurrenceOut],
)
def plan_occurrences(profile, plan_id: uuid.UUID, query: OccurrenceQuery):
    plan = policy.owned_or_404(Plan, plan_id, profile)
    rows, cursor = services.list_occurrences(profile, plan, query)
    return Page(items=rows, next_cursor=cursor)


def _occurrence(profile, occurrence_id) -> PlanOccurrence:
    return policy.owned_or_404(PlanOccurrence, occurrence_id, profile)


@api.operation(
    "GET", "/occurrences/<uuid:occurrence_id>", summary="One occurrence", response=OccurrenceOut
)
def get_occurrence(profile, occurrence_id: uuid.UUID):
    services.refresh(profile)
    return _occurrence(profile, occurrence_id)


@api.operation(
    "POST",
    "/occurrences/<uuid:occurrence_id>/check-in",
    summary="Check in: log the planned practice as a journal entry",
    body=CheckInIn,
    response=SessionOut,
    status=201,
    etag=True,
    idempotent_create=True,
    extra_responses={409: "Already checked in, skipped or expired."},
    description="The entry is prefilled from the occurrence (start, duration, instrument, "
    "items with target minutes and tempo); fields in the body override the prefill. "
    "The occurrence becomes `completed` and links to the entry. Re-sending a check-in with "
    "the same entry `id` answers that entry with 200.",
)
def check_in(user, profile, occurrence_id: uuid.UUID, body):
    occ = _occurrence(profile, occurrence_id)
    merged = services.prefill(profile, occ) | body.model_dump(exclude_unset=True)
    try:
        data = SessionIn.model_validate(merged)
    except ValidationError as exc:
        raise validation_problem(exc) from exc
    session, created = services.check_in(profile, occ, data, editor_id=user.id)
    return Reply(session, status=201 if created else 200, version=session.version)


@api.operation(
    "POST",
    "/occurrences/<uuid:occurrence_id>/skip",
    summary="Skip one occurrence (it counts as a skip day for streaks)",
    body=SkipIn,
    response=OccurrenceOut,
    extra_responses={409: "Already checked in or skipped."},
)
def skip(profile, occurrence_id: uuid.UUID, body: SkipIn):
    return services.skip(profile, _occurrence(profile, occurrence_id), body.reason)


@api.operation(
    "POST",
    "/occurrences/<uuid:occurrence_id>/reschedule",
    summary="Move one occurrence to another local time",
    body=RescheduleIn,
    response=OccurrenceOut,
    extra_responses={409: "Already checked in or skipped."},
)
def reschedule(profile, occurrence_id: uuid.UUID, body: RescheduleIn):
    return services.reschedule(profile, _occurrence(profile, occurrence_id), body)


@api.operation(
    "POST",
    "/occurrences/<uuid:occurrence_id>/undo",
    summary="Undo a check-in (the entry stays unless delete_session) or a skip",
    body=UndoIn,
    response=OccurrenceOut,
    extra_responses={409: "Nothing to undo."},
)
def undo(profile, occurrence_id: uuid.UUID, body: UndoIn):
    return services.undo(profile, _occurrence(profile, occurrence_id), body.delete_session)


# --- templates ------------------------------------------------------------------------------


@api.operation(
    "POST",
    "/plans/<uuid:plan_id>/template",
    summary="Save a plan as a template (private notes are not copied)",
    response=TemplateOut,
    status=201,
)
def save_template(profile, plan_id: uuid.UUID):
    return sharing.save_as_template(profile, policy.owned_or_404(Plan, plan_id, profile))


@api.operation(
    "GET",
    "/templates",
    summary="Your plan templates",
    query=ListQuery,
    response=Page[TemplateOut],
    tags=["Templates"],
)
def list_templates(profile, query: ListQuery):
    rows, cursor = sharing.list_templates(profile, query)
    return Page(items=rows, next_cursor=cursor)


@api.operation(
    "GET",
    "/templates/shared",
    summary="A template someone shared with you by link",
    query=SharedQuery,
    response=SharedTemplateOut,
    tags=["Templates"],
)
def shared_template(query: SharedQuery):
    template = policy.shared_by_link_or_404(PlanTemplate, query.token)
    return {
        "title": template.title,
        "description": template.description,
        "kind": template.kind,
        "pattern": template.pattern,
        "slots": template.slots,
        "author": template.author.display_name,
    }


@api.operation(
    "POST",
    "/templates/adopt",
    summary="Adopt a template: a copy becomes your own plan",
    body=AdoptIn,
    response=PlanOut,
    status=201,
    tags=["Templates"],
    description="Give a share `token` or your own `template_id`; `choices` fill the "
    "template's slots with your pieces, sections or skills; `days` picks the weekdays.",
)
def adopt(profile, body: AdoptIn):
    if body.token is not None:
        template = policy.shared_by_link_or_404(PlanTemplate, body.token)
    else:
        template = policy.owned_or_404(PlanTemplate, body.template_id, profile)
    plan = sharing.adopt(profile, template, body)
    return Reply(plan, status=201, version=plan.version)


@api.operation(
    "GET",
    "/templates/<uuid:template_id>",
    summary="One of your templates",
    response=TemplateOut,
    tags=["Templates"],
)
def get_template(profile, template_id: uuid.UUID):
    return policy.owned_or_404(PlanTemplate, template_id, profile)


@api.operation(
    "DELETE",
    "/templates/<uuid:template_id>",
    summary="Delete a template",
    status=204,
    tags=["Templates"],
)
def delete_template(profile, template_id: uuid.UUID):
    sharing.delete_template(policy.owned_or_404(PlanTemplate, template_id, profile))


@api.operation(
    "POST",
    "/templates/<uuid:template_id>/publish",
    summary="Publish a template by a new secret link (shown once)",
    response=PublishOut,
    tags=["Templates"],
)
def publish_template(profile, template_id: uuid.UUID):
    template = policy.owned_or_404(PlanTemplate, template_id, profile)
    return {"url": sharing.publish(template)}


@api.operation(
    "DELETE",
    "/templates/<uuid:template_id>/publish",
    summary="Stop sharing a template (its link stops working)",
    status=204,
    tags=["Templates"],
)
def unpublish_template(profile, template_id: uuid.UUID):
    sharing.unpublish(policy.owned_or_404(PlanTemplate, template_id, profile))


# --- calendar feed ----------------------------------------------------------------------------


@api.operation(
    "GET",
    "/me/calendar",
    summary="Whether your calendar feed is on",
    response=CalendarOut,
    tags=["Calendar"],
    description="The address itself is only returned by POST (it is stored hashed).",
)
def get_calendar(profile):
    feed = calendar.feed_of(profile)
    return {"url": None, "active": feed is not None, "created_at": feed and feed.created_at}


@api.operation(
    "POST",
    "/me/calendar",
    summary="Create a new secret calendar address (the old one stops working)",
    response=CalendarOut,
    tags=["Calendar"],
)
def regenerate_calendar(profile):
    feed, url = calendar.regenerate(profile)
    return {"url": url, "active": True, "created_at": feed.created_at}


@api.operation(
    "DELETE", "/me/calendar", summary="Turn the calendar feed off", status=204, tags=["Calendar"]
)
def revoke_calendar(profile):
    calendar.revoke(profile)
