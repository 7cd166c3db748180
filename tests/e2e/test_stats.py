"""The stats page in a real browser: heatmap, Chart.js charts over their tables, CSV."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import log_session, make_persona
from woodshed.db import db

pytestmark = pytest.mark.e2e
VENDOR = Path(__file__).parents[2] / "woodshed" / "static" / "vendor" / "chart.umd.min.js"


@pytest.fixture
def musician(live_server):
    app, base = live_server.app, live_server.url
    with app.app_context():
        persona = make_persona(f"stats-{secrets.token_hex(4)}", timezone="Europe/Berlin")
        now = datetime.now(UTC)
        for day in range(1, 40, 2):
            log_session(persona.profile, now - timedelta(days=day), 20 + day, tags=["scales"])
        db.session.commit()
        return persona.email, persona.password, base


def test_the_stats_page_draws_charts_over_their_tables_and_downloads_csv(page, musician):
    email, password, base = musician
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, email, password, then="/stats")
    assert page.locator("svg.heatmap-svg rect.heat").count() >= 300
    assert page.locator("svg.heatmap-svg a").count() == 20
    assert page.locator("#chart-time table[data-chart-table] tbody tr").count() > 0
    if VENDOR.exists():
        assert page.evaluate("typeof window.Chart") == "function"
        page.wait_for_selector("#chart-time canvas")
        assert page.locator("[data-chart] canvas").count() >= 3
        # The table stays in the page for screen readers, folded under the chart.
        assert page.locator("#chart-time details.chart-data").get_attribute("open") is None
    assert errors == []
    with page.expect_download() as download:
        page.locator("#chart-time .csv-link a").click()
    content = Path(download.value.path()).read_text()
    assert content.splitlines()[0].startswith("Week,Minutes")


def test_without_javascript_the_tables_are_the_charts(musician, new_tab):
    email, password, base = musician
    page = new_tab(java_script_enabled=False)
    sign_in(page, base, email, password, then="/stats")
    assert page.locator("canvas").count() == 0
    assert page.locator("#chart-time details.chart-data[open] table").is_visible()
