"""Analytics and progress: totals, streaks, heatmap, charts, progress stages and badges."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Keep the rollups current on every database session; add the panel and the command."""
    from woodshed.core.dashboard import Panel, register_panel
    from woodshed.stats import heatmap, upkeep
    from woodshed.stats.cli import stats_group
    from woodshed.stats.views import dashboard_panel

    upkeep.register()
    app.jinja_env.globals["heatmap_svg"] = heatmap.svg
    app.jinja_env.globals["heatmap_day_rows"] = heatmap.day_rows
    app.cli.add_command(stats_group)
    register_panel(
        app, Panel(name="stats", template="stats/_panel.html", context=dashboard_panel, order=15)
    )
