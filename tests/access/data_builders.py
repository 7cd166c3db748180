"""Objects of alice's that the data routes' path parameters name."""

from tests.factories import make_pending_import

BUILDERS = {"import_id": lambda alice: make_pending_import(alice.profile)}
