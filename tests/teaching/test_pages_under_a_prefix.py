"""Every link and form the app shows on another profile's pages opens for the one looking.

A teacher reads a student's pages under `/students/<id>/`, a guardian acts for a child
under `/children/<id>/`. The pages are the musician's own views, so every button the
musician has was shown there too: "Edit", "Add a piece", "Delete piece", the library tab,
the settings tab "Password, sessions & API" — each a 404 (a GET) or a 403 (a form) for
the one looking. These walk the pages from the menu, following every link that stays
under the prefix, with one of every kind of object in the profile.
"""

from __future__ import annotations

import re
from html import unescape
from types import SimpleNamespace
from urllib.parse import urlsplit

from tests.everything import NOW, fill_account
from tests.family.helpers import make_child
from tests.teaching.helpers import make_link, make_teacher
from woodshed import policy

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)')
FORM = re.compile(r'<form\b[^>]*\bmethod="post"[^>]*\baction="([^"]*)"', re.IGNORECASE)
#: Downloads, not pages (their links are checked for status all the same).
DOWNLOADS = (".csv", ".ics", "/media/", "/export")


def _walk(app, web, prefix: str, starts: list[str], limit: int = 120):
    """(links that answered 4xx, form actions) found on the pages under `prefix`."""
    queue, seen, broken, actions = list(starts), set(starts), {}, {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        response = web.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html = response.get_data(as_text=True)
        for action in FORM.findall(html):
            actions.setdefault(unescape(action), path)
        for href in map(unescape, HREF.findall(html)):
            url = urlsplit(href)
            if url.scheme or not href.startswith(prefix) or href in seen:
                continue
            seen.add(href)
            status = web.get(href).status_code
            if status >= 400:
                broken[href] = (status, path)
            elif status == 200 and not any(d in url.path for d in DOWNLOADS):
                queue.append(href)
    return broken, actions


def _endpoint(app, prefix: str, action: str) -> str:
    path = urlsplit(action).path.removeprefix(prefix)
    endpoint, _args = app.url_map.bind("localhost").match(path, method="POST")
    return endpoint


def test_a_teacher_on_a_students_pages_is_shown_only_what_opens(app, alice):
    fill_account(alice)
    tess = make_teacher("tess")
    make_link(tess, alice)
    web = app.test_client()
    web.sign_in(tess)
    prefix = f"/students/{alice.profile.id}"
    starts = [
        f"{prefix}{p}"
        for p in ("/journal", "/repertoire", "/skills", "/goals", "/stats", "/recordings")
    ]

    broken, actions = _walk(app, web, prefix, starts)

    assert broken == {}
    refused = {
        action: page
        for action, page in actions.items()
        if action.startswith(prefix)
        and not policy.writable(tess.user, alice.profile, _endpoint(app, prefix, action))
    }
    assert refused == {}
    assert any("/comments" in a for a in actions)  # the teacher's own comment form stays


def test_a_guardian_on_a_childs_pages_is_shown_only_what_opens(app, alice):
    child = make_child(alice, "Mia")
    fill_account(SimpleNamespace(profile=child, user=alice.user), NOW, guardian=alice.user)
    web = app.test_client()
    web.sign_in(alice)
    prefix = f"/children/{child.id}"
    starts = [f"{prefix}{p}" for p in ("/", "/settings/profile", "/settings/data", "/stats")]

    broken, actions = _walk(app, web, prefix, starts)

    assert broken == {}  # was: the settings tab "Password, sessions & API" (404)
    account_only = {
        action: page
        for action, page in actions.items()
        if action.startswith(prefix)
        and policy.ACCOUNT_BLUEPRINTS & {_endpoint(app, prefix, action).rpartition(".")[0]}
    }
    assert account_only == {}
    settings = web.get(f"{prefix}/settings/profile").get_data(as_text=True)
    assert "Password, sessions" not in settings
    assert "Your data" in settings  # the child's own tabs stay
