"""Objects for the path parameters of the statistics routes (see tests/access/stats.toml)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from woodshed.db import db
from woodshed.stats.models import SkipPeriod


def make_skip_period(alice) -> SkipPeriod:
    period = SkipPeriod(
        profile_id=alice.profile.id,
        start_date=date(2026, 1, 5),
        end_date=date(2026, 1, 9),
        reason="holiday",
    )
    db.session.add(period)
    db.session.flush()
    return period


BUILDERS = {
    "period_id": make_skip_period,
    # Not an object: the name of a chart, the same for everyone.
    "chart": lambda alice: SimpleNamespace(id="time"),
}
