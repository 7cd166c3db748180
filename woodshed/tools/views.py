"""The practice tools page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from woodshed import policy
from woodshed.journal.queries import quick_log_context

bp = Blueprint("tools", __name__)


@bp.get("/tools")
@login_required
def index():
    """Metronome, ramps, tuner, drone and tap-along; runs during the timer feed the log."""
    return render_template(
        "tools/index.html", context=quick_log_context(policy.signed_in_profile())
    )
