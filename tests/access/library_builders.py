"""Objects of alice's for the library routes' path parameters (see library.toml)."""

from tests.factories import make_resource


def resource(alice):
    return make_resource(alice.profile, kind="note", title="Matrix note", text="Pedal", url=None)


BUILDERS = {"resource_id": resource}
