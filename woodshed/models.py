"""Imports every feature's models so the metadata is complete (for Alembic and tests)."""

from woodshed import (
    outbox,  # noqa: F401
    search,  # noqa: F401
)
from woodshed.accounts import models as accounts_models  # noqa: F401
from woodshed.api import models as api_models  # noqa: F401
from woodshed.assignments import models as assignments_models  # noqa: F401
from woodshed.comments import models as comments_models  # noqa: F401
from woodshed.data import models as data_models  # noqa: F401
from woodshed.db import Base
from woodshed.family import models as family_models  # noqa: F401
from woodshed.goals import models as goals_models  # noqa: F401
from woodshed.journal import models as journal_models  # noqa: F401
from woodshed.library import models as library_models  # noqa: F401
from woodshed.notify import models as notify_models  # noqa: F401
from woodshed.plans import models as plans_models  # noqa: F401
from woodshed.profiles import models as profiles_models  # noqa: F401
from woodshed.recordings import models as recordings_models  # noqa: F401
from woodshed.repertoire import models as repertoire_models  # noqa: F401
from woodshed.stats import models as stats_models  # noqa: F401
from woodshed.sync import models as sync_models  # noqa: F401
from woodshed.teaching import models as teaching_models  # noqa: F401

metadata = Base.metadata
