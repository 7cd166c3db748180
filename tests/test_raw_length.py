"""Every documented length limit counts what was sent (`validation.raw_length`).

Schemas strip surrounding whitespace before their own checks, so a limit checked there
would pass a value padded past it: the OpenAPI document says `maxLength`, the server
accepted more (schemathesis found it on a list's cursor). This holds every string field of
every input schema, read from the schema's own JSON Schema, to the rule.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from pydantic import ValidationError

import woodshed
from woodshed.validation import Schema

#: Fields whose length the domain's service checks on the trimmed text, in its own words,
#: for the page and the API alike (`text_rules(..., length_by_service=True)`).
LENGTH_BY_SERVICE = {("SignoffIn", "note"), ("SignoffIn", "answer")}


def _schemas() -> list[type[Schema]]:
    for module in pkgutil.walk_packages(woodshed.__path__, "woodshed."):
        if module.name.rsplit(".", 1)[-1] in ("schemas", "sections", "pagination"):
            importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted(
        {c for c in below(Schema) if not c.__pydantic_generic_metadata__["parameters"]},
        key=lambda c: (c.__module__, c.__name__),
    )


def _limited_fields() -> list[tuple[type[Schema], str, int]]:
    found = []
    for model in _schemas():
        properties = model.model_json_schema(mode="validation").get("properties", {})
        for name, prop in properties.items():
            limits = [
                option["maxLength"]
                for option in (prop, *prop.get("anyOf", ()))
                if option.get("type") == "string" and "maxLength" in option
            ]
            if limits and (model.__name__, name) not in LENGTH_BY_SERVICE:
                found.append((model, name, limits[0]))
    return found


FIELDS = _limited_fields()


def test_the_fields_are_found():
    names = {(model.__name__, name) for model, name, _ in FIELDS}
    assert {("ListQuery", "cursor"), ("Registration", "email"), ("ScheduleIn", "rrule")} <= names
    assert len(FIELDS) > 50


@pytest.mark.parametrize(
    ("model", "name", "limit"), FIELDS, ids=[f"{m.__name__}.{n}" for m, n, _ in FIELDS]
)
def test_a_value_padded_past_the_limit_is_too_long(model, name, limit):
    padded = "a" + "\u00a0" * limit  # stripped, it would be "a"
    with pytest.raises(ValidationError) as caught:
        model.model_validate({name: padded})
    kinds = [e["type"] for e in caught.value.errors() if e["loc"][:1] == (name,)]
    assert "string_too_long" in kinds, kinds
