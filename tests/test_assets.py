"""PERF-PAGE: static files are served compressed under content-hashed names, cached for a
year, and pages (and modules importing each other) always name the current content."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from woodshed import assets


def test_pages_name_static_files_by_their_content_hash(app, alice_web):
    html = alice_web.get("/").get_data(as_text=True)
    names = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert "css/app.css" not in names
    assert names, html[:500]
    assert all(assets.HASHED.search(name) for name in names), names
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == (
            "/static/" + app.extensions["woodshed.static_manifest"]["css/app.css"]
        )


@pytest.mark.parametrize(("accept", "encoding"), [("br, gzip", "br"), ("gzip", "gzip"), ("", None)])
def test_a_hashed_file_is_compressed_and_cached_for_good(app, client, accept, encoding):
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    response = client.get(url, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache
    assert int(re.search(r"max-age=(\d+)", cache)[1]) >= 365 * 24 * 3600
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    if encoding is None:
        assert response.data.startswith(b"/*") or b"{" in response.data[:2000]


def test_an_unhashed_name_still_works_but_is_not_kept_for_long(client):
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" not in response.headers["Cache-Control"]


def test_module_imports_and_css_urls_point_at_hashed_names(tmp_path):
    source = tmp_path / "static"
    (source / "js" / "lib").mkdir(parents=True)
    (source / "css").mkdir()
    (source / "img").mkdir()
    (source / "js" / "lib" / "util.js").write_text("export const two = 2;\n")
    (source / "js" / "app.js").write_text(
        "import { two } from \"./lib/util.js\";\nexport { two } from './lib/util.js';\n"
        'const later = () => import("./lib/util.js");\nimport "./missing.js";\n'
    )
    (source / "js" / "page.js").write_text('import { two } from "./app.js";\n')
    (source / "img" / "dot.svg").write_text("<svg/>")
    (source / "css" / "app.css").write_text(
        'a { background: url("../img/dot.svg"); } b { background: url(data:x) }'
    )
    built, names = assets.build(source, tmp_path / "cache")
    util, app_js = names["js/lib/util.js"], names["js/app.js"]
    text = (built / app_js).read_text()
    leaf = util.rpartition("/")[2]
    assert text.count(f"./lib/{leaf}") == 3
    assert '"./missing.js"' in text  # not ours to rename
    assert f'"./{app_js.rpartition("/")[2]}"' in (built / names["js/page.js"]).read_text()
    assert (
        f'url("../img/{names["img/dot.svg"].rpartition("/")[2]}")'
        in (built / names["css/app.css"]).read_text()
    )
    assert (built / (app_js + ".gz")).exists()

    # A change deep down renames every file that imports it, directly or not.
    (source / "js" / "lib" / "util.js").write_text("export const two = 3 - 1;\n")
    _, again = assets.build(source, tmp_path / "cache")
    assert again["js/lib/util.js"] != util
    assert again["js/app.js"] != app_js
    assert again["js/page.js"] != names["js/page.js"]
    assert again["css/app.css"] == names["css/app.css"]


def test_files_importing_each_other_in_a_circle_are_refused(tmp_path):
    source = tmp_path / "static"
    source.mkdir()
    (source / "a.js").write_text('import "./b.js";')
    (source / "b.js").write_text('import "./a.js";')
    with pytest.raises(ValueError, match="circle"):
        assets.build(source, tmp_path / "cache")


def test_the_debug_reloader_serves_files_as_they_are(make_app):
    app = make_app(DEBUG=True)
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == "/static/css/app.css"
