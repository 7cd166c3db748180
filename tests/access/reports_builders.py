"""A week for the report routes (a value, not a row): this week, in alice's terms — her
first, since the matrix's alice is new (a week before a musician's first is a 404)."""

from types import SimpleNamespace


def _week(alice):
    return SimpleNamespace(id=alice.profile.today().isoformat())


BUILDERS = {"week_start": _week}
