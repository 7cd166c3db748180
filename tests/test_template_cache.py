"""Compiled templates are kept on disk and shared by the processes (and apps) that serve."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import render_template

from tests.clients import WebClient


def without_token(page: str) -> str:
    return re.sub(r'name="csrf-token" content="[^"]*"', "", page)


def cached(folder: Path) -> dict[str, int]:
    """The cache's files by name, with the inode each has now (a rewrite makes a new one)."""
    return {path.name: path.stat().st_ino for path in folder.glob("jinja-*/*.cache")}


def test_a_second_app_takes_the_compiled_template_instead_of_compiling_it(make_app, tmp_path):
    folder = tmp_path / "templates"
    first = make_app(TEMPLATE_CACHE_PATH=str(folder))
    with first.test_request_context():
        page = render_template("errors/error.html", status=404, title="Not found", detail="gone")
    written = cached(folder)
    assert written, "the first app wrote what it compiled"

    second = make_app(TEMPLATE_CACHE_PATH=str(folder))
    with second.test_request_context():
        again = render_template("errors/error.html", status=404, title="Not found", detail="gone")
    assert without_token(again) == without_token(page)
    # Jinja writes a template's code only after compiling it; the files are the same ones.
    assert cached(folder) == written


def test_a_cache_folder_that_cannot_be_made_costs_the_cache_not_the_page(
    make_app, tmp_path, caplog
):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="woodshed.templating"):
        app = make_app(TEMPLATE_CACHE_PATH=str(blocked / "templates"))
    client: WebClient = app.test_client()
    response = client.get("/login")
    assert response.status_code == 200
    assert "Sign in" in response.text
    assert "templates are compiled by each process" in caplog.text


def test_a_cache_folder_others_may_write_is_not_loaded_from(make_app, tmp_path, caplog):
    """Its files would run as code: Jinja refuses such a folder for its own default cache."""
    folder = tmp_path / "templates"
    make_app(TEMPLATE_CACHE_PATH=str(folder))
    (shared,) = folder.glob("jinja-*")
    shared.chmod(0o777)
    with caplog.at_level(logging.WARNING, logger="woodshed.templating"):
        app = make_app(TEMPLATE_CACHE_PATH=str(folder))
    assert app.test_client().get("/login").status_code == 200
    assert "not this user's alone" in caplog.text
    assert cached(folder) == {}, "nothing was written there either"


def test_a_cache_folder_removed_while_serving_costs_the_cache_not_the_page(
    make_app, tmp_path, caplog
):
    folder = tmp_path / "templates"
    app = make_app(TEMPLATE_CACHE_PATH=str(folder))
    (versioned,) = folder.glob("jinja-*")
    versioned.rmdir()
    versioned.write_text("now a file")  # writing into it fails from here on
    with caplog.at_level(logging.WARNING, logger="woodshed.templating"):
        response = app.test_client().get("/login")
    assert response.status_code == 200
    assert "compiled template not cached" in caplog.text
