"""URL builders are compiled once per process (woodshed/routing.py) and build what Werkzeug's
own rules build."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.routing import Map
from werkzeug.routing import Rule as WerkzeugRule

from tests import conftest
from woodshed import create_app


@pytest.fixture(scope="module")
def two_apps(tmp_path_factory) -> tuple[Flask, Flask]:
    """Two apps built in one process (no database is opened to build one)."""
    folder: Path = tmp_path_factory.mktemp("routing")
    config = conftest.test_config(f"sqlite:///{folder / 'unused.db'}", folder, None)
    return create_app(config), create_app(config)


@pytest.fixture(scope="module")
def plain_map(two_apps) -> Map:
    """The second app's rules as Werkzeug's own rules (each compiles its builders)."""
    rules = two_apps[1].url_map.iter_rules()
    return Map([WerkzeugRule(r.rule, endpoint=r.endpoint, methods=r.methods) for r in rules])


def test_a_second_app_binds_the_builders_the_first_compiled(two_apps):
    first, second = ({rule.endpoint: rule for rule in app.url_map.iter_rules()} for app in two_apps)
    assert first.keys() == second.keys()
    for endpoint, rule in first.items():
        other = second[endpoint]
        assert other is not rule
        assert other._build.__func__ is rule._build.__func__, endpoint
        assert other._build_unknown.__func__ is rule._build_unknown.__func__, endpoint
        assert rule._build.__self__ is rule
        assert other._build.__self__ is other


def _value(converter: str, text: str, number: int):
    return {
        "UUIDConverter": uuid.UUID(int=number),
        "PathConverter": f"{text}/{text}",
    }.get(converter, text)


@settings(max_examples=60)
@given(
    text=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/"), min_size=1),
    number=st.integers(0, 2**128 - 1),
    extra=st.none() | st.text(min_size=1),
)
def test_every_url_is_the_one_a_plain_werkzeug_rule_builds(
    two_apps, plain_map, text, number, extra
):
    """Oracle: the same rules in a map of Werkzeug's own rules."""
    app = two_apps[1]
    ours, theirs = app.url_map.bind("woodshed.test"), plain_map.bind("woodshed.test")
    for rule in app.url_map.iter_rules():
        values = {
            name: _value(type(converter).__name__, text, number)
            for name, converter in rule._converters.items()
        }
        if extra is not None:
            values["q"] = extra  # an unknown argument: the builder that appends a query
        method = next(iter(rule.methods - {"HEAD", "OPTIONS"}), None)
        built = ours.build(rule.endpoint, values, method=method)
        assert built == theirs.build(rule.endpoint, values, method=method), rule.rule
