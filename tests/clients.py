"""Test clients: each request runs in its own application context, as in production.

The test itself runs inside an app context (for factories and assertions); without care a
request would reuse it and share `g`, the signed-in user cache and the database session.
"""

from __future__ import annotations

import contextvars
import re
import secrets

from flask import Flask, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from woodshed.db import db


class _InContext:
    """An iterable whose every step runs in the given contextvars context."""

    def __init__(self, context: contextvars.Context, iterable) -> None:
        self.context = context
        self.iterator = iter(iterable)
        self.iterable = iterable

    def __iter__(self):
        while True:
            try:
                yield self.context.run(next, self.iterator)
            except StopIteration:
                return

    def close(self) -> None:
        if hasattr(self.iterable, "close"):
            self.context.run(self.iterable.close)

    # A body never read is closed when dropped, still in its own context.
    __del__ = close


class WebClient(FlaskClient):
    """A browser: cookies, CSRF tokens taken from the session like a rendered form would."""

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if response.is_streamed:
            # A streamed body (stream_with_context) runs when read: in the request's context.
            response.response = _InContext(context, response.response)
        if has_app_context():
            db.session.expire_all()  # the test's own objects see what the request wrote
        return response

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if raw is None:
                raw = sess["csrf_token"] = secrets.token_hex(20)
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        """POST a form the way the page would, CSRF token included."""
        form = dict(data or {})
        form.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=form, **kwargs)

    def sign_in(self, persona, password: str | None = None):
        response = self.submit(
            "/login", {"email": persona.email, "password": password or persona.password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if persona.totp_secret and "/login/mfa" in response.headers["Location"]:
            response = self.submit("/login/mfa", {"code": persona.next_code()})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response


class ApiClient:
    """Calls the JSON API with a bearer token."""

    def __init__(self, app: Flask, token: str | None) -> None:
        self.client = app.test_client()
        self.token = token

    @classmethod
    def for_user(cls, app: Flask, user) -> ApiClient:
        from woodshed.accounts.services import issue_api_token

        raw, _ = issue_api_token(user, "tests")
        db.session.flush()
        return cls(app, raw)

    def _headers(self, headers: dict | None) -> dict:
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def request(self, method: str, url: str, json=None, headers=None, **kwargs):
        return self.client.open(
            url, method=method, json=json, headers=self._headers(headers), **kwargs
        )

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, json=None, **kw):
        return self.request("POST", url, json=json, **kw)

    def patch(self, url, json=None, **kw):
        return self.request("PATCH", url, json=json, **kw)

    def put(self, url, json=None, **kw):
        return self.request("PUT", url, json=json, **kw)

    def delete(self, url, json=None, **kw):
        return self.request("DELETE", url, json=json, **kw)


def field_errors(response) -> dict[str, str]:
    """{field: message} from a problem+json response."""
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


def page_text(response) -> str:
    """The visible text of an HTML response, tags stripped and whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
