"""Static files with content-hashed names, compressed, cached for a year (PERF-PAGE).

At start-up `init_app` copies `woodshed/static/` into the instance folder under names
that carry a hash of their content (`css/app.3f2a9c1b7e4d.css`), rewriting references
between them first (ES module imports between `js/` files, `url()` in CSS), and writes a
gzip and a brotli copy of each text file beside it (WhiteNoise's compressor). WhiteNoise
then serves that folder: the hashed names as immutable, with a one-year lifetime, each in
the encoding the browser accepts. `url_for('static', filename='css/app.css')` answers the
hashed name, so pages always ask for the current content.

Any file added under `static/` (a new page's module, a vendored library) gets the same
treatment without further work. The build is kept per content hash (in the instance
folder, or STATIC_BUILD_PATH), so processes that start together share it, and a change to
any file makes a new one (brotli at its best level takes a few seconds, once). With `--debug` (the
reloader) files are served as they are, unhashed, for editing.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import tempfile
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

#: A hashed name: `<stem>.<12 hex digits>.<extension>`.
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
#: Relative specifiers of ES module imports and re-exports (static and dynamic).
JS_IMPORT = re.compile(
    r"""(?P<head>\bimport\s*\(\s*|\bfrom\s*|\bimport\s+)(?P<q>["'])(?P<ref>\.{1,2}/[^"']+)(?P=q)"""
)
CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<ref>(?!data:|https?:|/|#)[^"')]+)(?P=q)\s*\)""")
MANIFEST = "manifest.json"
YEAR = 365 * 24 * 3600
UNHASHED_MAX_AGE = 60  # seconds, for a page that still names a file without its hash


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def hashed_name(name: str, data: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{_digest(data)}.{ext}" if dot else f"{name}.{_digest(data)}"


def _sources(source: Path) -> dict[str, bytes]:
    return {
        path.relative_to(source).as_posix(): path.read_bytes()
        for path in sorted(source.rglob("*"))
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(source).parts)
    }


def _references(name: str, text: str) -> list[tuple[re.Pattern, str]]:
    if name.endswith((".js", ".mjs")):
        return [(JS_IMPORT, m["ref"]) for m in JS_IMPORT.finditer(text)]
    if name.endswith(".css"):
        return [(CSS_URL, m["ref"]) for m in CSS_URL.finditer(text)]
    return []


def _resolve(name: str, ref: str) -> str:
    path = ref.split("?", 1)[0].split("#", 1)[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(name), path))


def plan(files: dict[str, bytes]) -> tuple[dict[str, str], dict[str, bytes]]:
    """Hashed names for every file, and the rewritten content of those that refer to
    others. A file's hash covers the hashed names it refers to, so a change deep in an
    import chain renames every file above it (no stale module is ever served)."""
    names: dict[str, str] = {}
    contents: dict[str, bytes] = {}

    def visit(name: str, trail: tuple[str, ...]) -> str:
        if name in names:
            return names[name]
        if name in trail:
            raise ValueError(f"static files import each other in a circle: {' → '.join(trail)}")
        data = files[name]
        if name.endswith((".js", ".mjs", ".css")):
            text = data.decode("utf-8")
            targets = {
                ref: _resolve(name, ref)
                for _, ref in _references(name, text)
                if _resolve(name, ref) in files
            }
            hashed = {ref: visit(target, (*trail, name)) for ref, target in targets.items()}

            def swap(m: re.Match) -> str:
                ref = m["ref"]
                if ref not in hashed:
                    return m.group(0)
                new_ref = posixpath.relpath(hashed[ref], posixpath.dirname(name) or ".")
                new_ref = new_ref if new_ref.startswith(".") else f"./{new_ref}"
                return m.group(0).replace(ref, new_ref, 1)

            text = JS_IMPORT.sub(swap, text) if name.endswith((".js", ".mjs")) else text
            text = CSS_URL.sub(swap, text) if name.endswith(".css") else text
            data = text.encode("utf-8")
        contents[name] = data
        names[name] = hashed_name(name, data)
        return names[name]

    for name in files:
        visit(name, ())
    return names, contents


def build(source: Path, cache: Path) -> tuple[Path, dict[str, str]]:
    """The folder to serve for the current content of `source` (built once) and the
    manifest: each file's name → its hashed name."""
    files = _sources(source)
    digest = _digest(b"".join(n.encode() + b"\0" + _digest(d).encode() for n, d in files.items()))
    target = cache / digest
    manifest_path = target / MANIFEST
    if manifest_path.exists():
        return target / "files", json.loads(manifest_path.read_text(encoding="utf-8"))
    names, contents = plan(files)
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=cache))
    compressor = Compressor(quiet=True)
    for name, data in contents.items():
        path = staging / "files" / names[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        encoded = compressor.compress(str(path)) if compressor.should_compress(name) else []
        # The original name too, for a page cached before a deploy (short lifetime).
        original = staging / "files" / name
        for written in (str(path), *encoded):
            shutil.copyfile(written, str(original) + written[len(str(path)) :])
    (staging / MANIFEST).write_text(json.dumps(names, indent=1, sort_keys=True), encoding="utf-8")
    try:
        os.replace(staging, target)  # atomic: processes starting together share one build
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another process finished first
    _forget_old_builds(cache, keep=target)
    return target / "files", names


def _forget_old_builds(cache: Path, keep: Path, kept: int = 3) -> None:
    builds = sorted(
        (p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[kept:]:
        shutil.rmtree(old, ignore_errors=True)


def _immutable(_path: str, url: str) -> bool:
    return HASHED.search(url) is not None


def init_app(app: Flask, headers: dict[str, str]) -> None:
    """Serve static files hashed and compressed (not in the `--debug` reloader).

    `headers` are the security headers every response carries; WhiteNoise answers before
    Flask, so it adds them itself.
    """
    if app.debug or app.static_folder is None:
        return
    built, names = build(Path(app.static_folder), Path(app.config["STATIC_BUILD_PATH"]))
    app.extensions["woodshed.static_manifest"] = names

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in names:
            values["filename"] = names[values["filename"]]

    def add_headers(response_headers, _path: str, _url: str) -> None:
        for key, value in headers.items():
            response_headers[key] = value

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(built),
        prefix=app.static_url_path,
        max_age=UNHASHED_MAX_AGE,
        allow_all_origins=False,
        immutable_file_test=_immutable,
        add_headers_function=add_headers,
    )
