"""Objects of alice's for the family's cells of the route access matrix: her child, a
second guardian's request waiting for her, one of her sessions."""

from tests.access.journal_builders import _session
from tests.factories import make_persona
from tests.family.helpers import make_child
from woodshed.family import services


def _child(alice):
    return make_child(alice, "Matrix child")


def _request(alice):
    """A grown-up's request to be alice's child's second guardian (alice accepts it)."""
    child = make_child(alice, "Matrix child")
    _invite, code = services.invite_guardian(alice.user, child)
    return services.redeem_guardian_code(make_persona("gus").user, code)


BUILDERS = {"child_id": _child, "link_id": _request, "session_id": _session}
