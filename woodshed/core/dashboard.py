"""The dashboard is assembled from panels that features register in `create_app`.

A panel is a template plus a function that builds its context for the acting profile
(returning None hides the panel). "What next" suggestions come from providers the same
way, so plans, goals and repertoire each add their own reasons without the dashboard
knowing about them. Reads that several panels make (today's plan, the active pieces, the
goals due) are marked `@shared_by_panels` and run once per dashboard.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, g

from woodshed.profiles.models import MusicianProfile


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable[[MusicianProfile], dict | None]
    order: int = 50


@dataclass(frozen=True)
class Suggestion:
    """One line of "What next": what to do, why, where to go, and how urgent (higher first)."""

    title: str
    reason: str
    url: str | None = None
    urgency: int = 50


SuggestionProvider = Callable[[MusicianProfile, date], list[Suggestion]]


def register_panel(app: Flask, panel: Panel) -> None:
    app.extensions.setdefault("woodshed.dashboard_panels", []).append(panel)


def register_suggestions(app: Flask, provider: SuggestionProvider) -> None:
    app.extensions.setdefault("woodshed.what_next", []).append(provider)


def panels_for(profile: MusicianProfile) -> list[tuple[Panel, dict]]:
    """Each registered panel with its context, in order; hidden panels left out."""
    result = []
    g.setdefault(SHARED, {})
    try:
        for panel in sorted(
            current_app.extensions.get("woodshed.dashboard_panels", []),
            key=lambda p: (p.order, p.name),
        ):
            context = panel.context(profile)
            if context is not None:
                result.append((panel, context))
    finally:
        g.pop(SHARED, None)
    return result


SHARED = "woodshed.dashboard_shared"
P = ParamSpec("P")
T = TypeVar("T")


def shared_by_panels(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a read that several dashboard panels make: while the dashboard is built, the
    same call (same positional arguments) runs once and every panel gets its answer.
    Elsewhere the function runs as usual. Callers must not change what it returns."""

    @functools.wraps(fn)
    def read(*args: P.args, **kwargs: P.kwargs) -> T:
        memo = g.get(SHARED)
        if memo is None or kwargs:
            return fn(*args, **kwargs)
        key = (fn, args)
        if key not in memo:
            memo[key] = fn(*args)  # type: ignore[call-arg]  # no kwargs here
        return memo[key]

    return read


def what_next(profile: MusicianProfile, today: date, limit: int = 10) -> list[Suggestion]:
    """Suggestions from every provider, most urgent first."""
    suggestions: list[Suggestion] = []
    for provider in current_app.extensions.get("woodshed.what_next", []):
        suggestions.extend(provider(profile, today))
    suggestions.sort(key=lambda s: -s.urgency)
    return suggestions[:limit]
