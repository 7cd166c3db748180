"""Settings pages for the musician profile and instruments."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from woodshed import policy
from woodshed.db import check_version
from woodshed.errors import FormErrors
from woodshed.profiles import services
from woodshed.profiles.models import Instrument
from woodshed.profiles.schemas import (
    GUARDIANS_FIELDS,
    LEVEL_LABELS,
    WEEKDAY_LABELS,
    InstrumentFields,
    InstrumentIn,
    ProfileFields,
)
from woodshed.timeutil import timezone_names
from woodshed.validation import form_version, parse_form

bp = Blueprint("profiles", __name__, url_prefix="/settings")


def _page(errors: dict | None = None, form=None, status: int = 200, instrument_errors=None):
    profile = policy.signed_in_profile()
    if form is None:
        form = ProfileFields.model_validate(profile).model_dump() | {"version": profile.version}
    return render_template(
        "profiles/profile.html",
        profile=profile,
        form=form,
        errors=errors or {},
        instrument_errors=instrument_errors or {},
        timezones=timezone_names(),
        levels=LEVEL_LABELS,
        weekdays=WEEKDAY_LABELS,
    ), status


@bp.get("")
@login_required
def index():
    """`/settings` typed by hand opens the first settings page."""
    return redirect(url_for(".profile"))


@bp.get("/profile")
@login_required
def profile():
    return _page()


@bp.post("/profile")
@login_required
def update_profile():
    profile = policy.signed_in_profile()
    form = request.form.copy()
    if profile.is_child:  # its time zone, week and language are the guardian's
        for name in GUARDIANS_FIELDS:
            form[name] = str(getattr(profile, name))
    try:
        data = parse_form(ProfileFields, form, lists=("rest_weekdays",))
        check_version(profile, form_version(request.form))
    except FormErrors as exc:
        return _page(exc.messages, _sticky(request.form), 422)
    services.update_profile(profile, data.model_dump())
    flash("Profile saved.", "success")
    return redirect(url_for("profiles.profile"))


def _sticky(form) -> dict:
    """The submitted form as a dict the template can read, lists kept as lists."""
    data = form.to_dict()
    data["rest_weekdays"] = form.getlist("rest_weekdays")
    return data


@bp.post("/instruments")
@login_required
def add_instrument():
    profile = policy.signed_in_profile()
    try:
        services.add_instrument(profile, parse_form(InstrumentIn, request.form))
    except FormErrors as exc:
        return _page(instrument_errors={"new": exc.messages, "new_form": request.form}, status=422)
    flash("Instrument added.", "success")
    return redirect(url_for("profiles.profile") + "#instruments")


@bp.post("/instruments/<uuid:instrument_id>")
@login_required
def update_instrument(instrument_id: uuid.UUID):
    profile = policy.signed_in_profile()
    instrument = policy.owned_or_404(Instrument, instrument_id, profile)
    try:
        # The form shows every field, so a cleared one means "no value", not "unchanged".
        data = parse_form(InstrumentFields, request.form)
        check_version(instrument, form_version(request.form))
        services.update_instrument(instrument, data.model_dump())
    except FormErrors as exc:
        key = str(instrument_id)
        return _page(instrument_errors={key: exc.messages, f"{key}_form": request.form}, status=422)
    flash("Instrument saved.", "success")
    return redirect(url_for("profiles.profile") + "#instruments")


@bp.post("/instruments/<uuid:instrument_id>/delete")
@login_required
def delete_instrument(instrument_id: uuid.UUID):
    profile = policy.signed_in_profile()
    services.delete_instrument(policy.owned_or_404(Instrument, instrument_id, profile))
    flash("Instrument removed.", "success")
    return redirect(url_for("profiles.profile") + "#instruments")
