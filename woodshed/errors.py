"""Errors: one exception family, rendered as problem+json for the API and as pages for people.

Services raise `DomainError` for rules that need the database; both front ends turn it into
a message next to the field (forms) or a 422 with `errors[].field` (API).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from http import HTTPStatus

from flask import Flask, Response, current_app, json, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
security_log = logging.getLogger("woodshed.security")

PROBLEM_JSON = "application/problem+json"


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class Problem(Exception):
    """An error with an HTTP status that the API renders as RFC 9457 problem details."""

    status: int
    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    title: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)
        if not self.title:
            self.title = HTTPStatus(self.status).phrase

    def to_dict(self) -> dict:
        body = {
            "type": f"about:blank#{self.title.lower().replace(' ', '-')}"
            if self.status != 422
            else "about:blank#validation-error",
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body

    @property
    def messages(self) -> dict[str, str]:
        """Per-field messages for a form; a problem without fields goes to `_form`."""
        if self.errors:
            return {e.field: e.message for e in self.errors}
        return {"_form": self.detail or self.title}


class DomainError(Problem):
    """A business rule refused the input; carries per-field messages."""

    def __init__(self, errors: dict[str, str] | list[FieldError], detail: str = "") -> None:
        items = (
            [FieldError(k, v) for k, v in errors.items()] if isinstance(errors, dict) else errors
        )
        super().__init__(422, detail or "The input could not be accepted.", items)


class NotFound(Problem):
    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(404, detail)


class Conflict(Problem):
    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(409, detail, errors or [])


class PreconditionFailed(Problem):
    """A write based on a stale read. The API adds the object as it is now (`current`)
    so a client can merge its change into it and send it again."""

    def __init__(
        self,
        detail: str = "This was changed elsewhere since you opened it. "
        "Reload to see the current version, then make your change again.",
        stale_object=None,
    ) -> None:
        super().__init__(412, detail)
        self.stale_object = stale_object
        self.current: dict | None = None

    def to_dict(self) -> dict:
        body = super().to_dict()
        if self.current is not None:
            body["current"] = self.current
        return body


#: What a form handler catches: bad input and stale writes both re-render the form.
FormErrors = (DomainError, PreconditionFailed)


class TooManyRequests(Problem):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            f"Too many attempts. Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


def wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def problem_response(problem: Problem) -> Response:
    resp = Response(json.dumps(problem.to_dict()), status=problem.status, mimetype=PROBLEM_JSON)
    for k, v in problem.headers.items():
        resp.headers[k] = v
    return resp


def _html_error(status: int, detail: str = "", headers: dict | None = None) -> Response:
    phrase = HTTPStatus(status).phrase
    body = render_template("errors/error.html", status=status, title=phrase, detail=detail)
    resp = Response(body, status=status, mimetype="text/html")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


#: The database could not answer (unreachable, a lock or a statement past its timeout, no
#: free connection): the request answers 503 with Retry-After, never 500 or a hang.
DATABASE_UNAVAILABLE = (OperationalError, PoolTimeout)
RETRY_AFTER_SECONDS = 10


def database_unavailable(exc: Exception) -> bool:
    """Whether this error means the database is unavailable rather than a bug."""
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def unavailable_response(exc: Exception) -> Response:
    """503 + Retry-After; a page offers to send the form again with what was typed."""
    # The request's transaction is rolled back by commit_request (status >= 400).
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    detail = "The database is busy or unreachable. Please try again in a few seconds."
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_problem_json():
        return problem_response(Problem(503, detail, headers=headers))
    typed = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if "password" not in name  # a password is never sent back in a page
    ]
    try:
        body = render_template(
            "errors/error.html",
            status=503,
            title=HTTPStatus(503).phrase,
            detail=detail,
            resend=typed,
        )
    except Exception:
        body = f"<!doctype html><title>503</title><h1>503 · Service Unavailable</h1><p>{detail}"
    resp = Response(body, status=503, mimetype="text/html")
    resp.headers.update(headers)
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def handle_database(exc: Exception):
        return unavailable_response(exc)

    @app.errorhandler(Problem)
    def handle_problem(exc: Problem):
        if wants_problem_json():
            return problem_response(exc)
        return _html_error(exc.status, exc.detail, exc.headers)

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        security_log.warning("form refused: %s", exc.description)
        return handle_http(exc)

    @app.errorhandler(StaleDataError)
    def handle_stale(_exc):
        return handle_problem(PreconditionFailed())

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        if wants_problem_json():
            detail = exc.description or HTTPStatus(status).phrase
            problem = Problem(status, detail)
            resp = problem_response(problem)
            if status == 405 and (allowed := getattr(exc, "valid_methods", None)):
                resp.headers["Allow"] = ", ".join(allowed)
            return resp
        resp = _html_error(status, (exc.description or "") if status in (400, 413) else "")
        if status == 405 and (allowed := getattr(exc, "valid_methods", None)):
            resp.headers["Allow"] = ", ".join(allowed)
        return resp

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if database_unavailable(exc):
            return unavailable_response(exc)
        if current_app.testing:
            raise exc
        log.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_problem_json():
            return problem_response(Problem(500, "Something went wrong on our side."))
        return _html_error(500)
