"""Alembic environment: the connection comes from the application (see woodshed.migrate)."""

from alembic import context

from woodshed.db import UTCDateTime
from woodshed.migrate import include_name
from woodshed.models import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always run through woodshed.migrate
    raise RuntimeError("Run migrations with `woodshed db upgrade`.")


def render_item(kind, obj, _autogen_context):
    """Migrations stay free of application types: UTCDateTime is a timestamptz column."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
    render_item=render_item,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
