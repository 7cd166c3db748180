"""Objects alice owns, for the comments' cells of the route access matrix."""

from tests.access.journal_builders import _session
from tests.factories import make_piece


def _section(alice):
    return make_piece(alice.profile, "Matrix nocturne", sections=[("B", 9, 16)]).sections[0]


BUILDERS = {"session_id": _session, "section_id": _section}
