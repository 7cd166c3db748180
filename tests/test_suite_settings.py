"""The suite's own settings, which every property test relies on."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.test_schemathesis import HYPOTHESIS


def test_no_property_test_depends_on_the_wall_clock():
    # tests/conftest.py's profile; a `settings(...)` made later inherits it.
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check
    assert HYPOTHESIS.deadline is None
