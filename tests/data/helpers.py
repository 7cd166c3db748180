"""Shared helpers for the data tests: a full account, exporting it, comparing exports."""

from __future__ import annotations

import json
import re

from tests.everything import fill_account  # noqa: F401 (re-exported for the data tests)
from woodshed.data.export import export_document

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Fields an export may differ in after a round trip (docs/export-format.md, "Round trips").
VOLATILE = ("exported_at", "account", "files")


def export_of(profile) -> dict:
    """The profile's export, parsed (through the same stream the API sends)."""
    return json.loads("".join(export_document(profile)))


def canonical(doc: dict) -> dict:
    """The export with volatile fields dropped and ids replaced by their order of appearance."""
    names: dict[str, str] = {}

    def walk(value):
        if isinstance(value, str) and UUID.match(value):
            return names.setdefault(value, f"id-{len(names)}")
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return walk({k: v for k, v in doc.items() if k not in VOLATILE})
