"""The operator's documents describe exactly the settings the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from woodshed.config import SETTINGS, settings_markdown

ROOT = Path(__file__).resolve().parents[1]
NAMES = {f"WOODSHED_{s.name}" for s in SETTINGS}


def test_the_readme_configuration_table_is_generated_from_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- settings:start[^>]*-->\n(.*?)\n<!-- settings:end -->", readme, re.S)
    assert table, "README.md lost its <!-- settings:start --> … <!-- settings:end --> markers"
    assert table.group(1) == settings_markdown(), (
        "The README table is out of date; replace it with the output of\n"
        '.venv/bin/python -c "from woodshed.config import settings_markdown as t; print(t())"'
    )
    assert set(re.findall(r"^\| `(WOODSHED_\w+)`", table.group(1), re.M)) == NAMES


def test_env_example_lists_every_setting_and_nothing_else():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = re.findall(r"^#? ?(WOODSHED_\w+)=", text, re.M)
    assert sorted(listed) == sorted(NAMES)


def test_the_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_section = readme.split("\n## ")[1]
    assert first_section.startswith("Two commands")
    assert "make run" in first_section
    assert "make test" in first_section


def test_every_command_in_the_readme_exists(app):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("db upgrade", "run", "serve", "create-admin", "check-deploy"):
        assert f"`woodshed {command}" in readme
        group, _, sub = command.partition(" ")
        found = app.cli.get_command(None, group)
        assert found is not None, command
        if sub:
            assert found.get_command(None, sub) is not None, command


def test_documents_link_only_to_files_that_exist():
    documents = [ROOT / name for name in ("README.md", "ARCHITECTURE.md", "CONTRIBUTING.md")]
    for doc in [*documents, *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"
