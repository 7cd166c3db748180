"""Imports every feature's models so the metadata is complete (for Alembic and tests)."""

from woodshed.accounts import models as accounts_models  # noqa: F401
from woodshed.db import Base
from woodshed.profiles import models as profiles_models  # noqa: F401

metadata = Base.metadata
