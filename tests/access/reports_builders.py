"""A week for the report routes (a value, not a row): last week, in alice's terms."""

from datetime import timedelta
from types import SimpleNamespace


def _week(alice):
    return SimpleNamespace(id=(alice.profile.today() - timedelta(days=7)).isoformat())


BUILDERS = {"week_start": _week}
