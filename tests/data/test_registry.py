"""The export registry covers every table, and its schema and docs keep up with it."""

import json
import re
from pathlib import Path

import pytest

from woodshed.data.sections import EXCLUDED, PARTS, all_parts, json_schema
from woodshed.models import metadata

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "woodshed" / "data" / "export.schema.json"
DOC_FILE = ROOT / "docs" / "export-format.md"


def exported_tables() -> set[str]:
    tables = set()
    for part in all_parts():
        tables.add(part.table.name)
        tables.update(link.table.name for link in part.links)
    return tables


def test_every_table_is_exported_or_excluded_with_a_reason():
    exported = exported_tables()
    missing = sorted(set(metadata.tables) - exported - set(EXCLUDED))
    assert not missing, (
        f"Tables neither exported nor excluded: {missing}. Add a Part to "
        "woodshed/data/sections.py, or a line to EXCLUDED saying why it stays out."
    )
    assert not exported & set(EXCLUDED), "A table cannot be both exported and excluded."
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert set(EXCLUDED) <= set(metadata.tables), "EXCLUDED names a table that does not exist."


@pytest.mark.parametrize("part", list(all_parts()), ids=lambda p: p.key)
def test_every_foreign_key_of_an_exported_table_is_accounted_for(part):
    exported = exported_tables()
    for column in part.table.columns:
        for fk in column.foreign_keys:
            handled = (
                column.name in ("profile_id", part.parent)
                or column.name in part.codecs
                or column.name in part.omit
                or fk.column.table.name in exported
            )
            assert handled, (
                f"{part.table.name}.{column.name} refers to {fk.column.table.name}, which is "
                "not exported: give the column a Codec or omit it."
            )


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.key)
def test_top_level_parts_belong_to_a_profile(part):
    assert "profile_id" in part.table.c
    assert "id" in part.table.c


def test_the_shipped_json_schema_is_the_generated_one():
    shipped = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert shipped == json_schema(), (
        "woodshed/data/export.schema.json is out of date: run "
        "`woodshed export-schema > woodshed/data/export.schema.json`."
    )


def test_the_schema_reads_enumerations_and_ranges_from_the_tables():
    defs = json_schema()["$defs"]
    session = defs["ExportPracticeSession"]["properties"]
    assert session["mode"]["enum"] == ["normal", "slow", "performance"]
    assert (session["duration_minutes"]["minimum"], session["duration_minutes"]["maximum"]) == (
        1,
        600,
    )
    assert session["mood"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 5}
    assert defs["ExportGoal"]["properties"]["target_type"]["anyOf"][0]["enum"] == [
        "minutes_per_week",
        "days_per_week",
        "tempo",
        "checklist",
    ]
    assert defs["ExportPracticeSession"]["additionalProperties"] is False


def _documented_section(text: str, key: str) -> str:
    match = re.search(rf"^#+ `{re.escape(key)}`.*?(?=^#+ )", text, re.S | re.M)
    assert match, f"docs/export-format.md has no section headed `{key}`"
    return match.group(0)


@pytest.mark.parametrize("part", list(all_parts()), ids=lambda p: p.key)
def test_the_format_document_describes_every_field(part):
    text = DOC_FILE.read_text(encoding="utf-8")
    section = _documented_section(text, part.key)
    fields = [part.doc_key(c) for c in part.columns]
    fields += [child.key for child in part.children] + [link.key for link in part.links]
    undocumented = [f for f in fields if f"| `{f}` |" not in section]
    assert not undocumented, f"docs/export-format.md, `{part.key}`: describe {undocumented}"


def test_the_format_document_describes_the_top_level_and_the_profile():
    text = DOC_FILE.read_text(encoding="utf-8")
    schema = json_schema()
    top = _documented_section(text, "woodshed-export")
    for key in schema["properties"]:
        assert f"| `{key}` |" in top, f"describe the top-level `{key}`"
    profile = _documented_section(text, "profile")
    for key in schema["$defs"]["ExportProfile"]["properties"]:
        assert f"| `{key}` |" in profile, f"describe profile `{key}`"
