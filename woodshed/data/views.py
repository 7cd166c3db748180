"""Settings → Your data: download everything, import a spreadsheet or an export."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from woodshed import policy
from woodshed.data import services
from woodshed.data.api import CSV_FILES
from woodshed.data.models import PendingImport
from woodshed.data.spreadsheet import DATE_ORDERS, FIELDS, Problem
from woodshed.data.uploads import read_upload
from woodshed.errors import Conflict, DomainError

bp = Blueprint("data", __name__, url_prefix="/settings/data")


def _index(errors: dict | None = None, status: int = 200):
    profile = policy.signed_in_profile()
    return render_template(
        "data/index.html",
        pending=services.pending_imports(profile),
        csv_files=CSV_FILES,
        errors=errors or {},
    ), status


@bp.get("")
@login_required
def index():
    return _index()


@bp.post("/import")
@login_required
def upload():
    profile = policy.signed_in_profile()
    try:
        filename, raw = read_upload(archives=True)
        pending = services.start_import(profile, filename, raw)
    except DomainError as exc:
        return _index(exc.messages, 422)
    return redirect(url_for("data.pending", import_id=pending.id))


def _choices(form) -> tuple[dict[str, str] | None, str | None, bool]:
    """The mapping form: `column-<n>` holds the field for the n-th column header."""
    if "date_order" not in form:
        return None, None, True
    headers = form.getlist("header")
    mapping = {
        header: form.get(f"column-{i}", "")
        for i, header in enumerate(headers)
        if form.get(f"column-{i}", "") in FIELDS
    }
    order = form.get("date_order") if form.get("date_order") in DATE_ORDERS else None
    return mapping, order, form.get("save_mapping") == "true"


def _count(n: int, noun: str) -> str:
    """ "1 session", "2 sessions" (the nouns here take an s)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _exported_at(value: str | None) -> datetime | None:
    """The file's export time, for the date filter (a time it does not name: None)."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo is not None else None


#: What the preview calls the counts `restore.summary` gives (the rest: the part's key).
CONTENT_LABELS = {
    "status_history": "status changes",
    "files": "stored files listed",
    "files_in_zip": "files in the ZIP",
}


def _preview_page(profile, pending: PendingImport, status: int = 200, problems=None):
    mapping, order, save = _choices(request.form)
    try:
        result = services.preview_import(
            profile, services.pending_content(profile, pending), pending.filename, mapping, order
        )
    except DomainError as exc:
        result = services.Preview(pending.kind)
        result.problems = [Problem(e.message, field=e.field) for e in exc.errors]
    if problems is not None:
        result.problems = problems
    return render_template(
        "data/preview.html",
        pending=pending,
        result=result,
        exported_at=_exported_at(result.exported_at),
        content_labels=CONTENT_LABELS,
        fields=FIELDS,
        save_mapping=save,
    ), status


@bp.route("/imports/<uuid:import_id>", methods=["GET", "POST"])
@login_required
def pending(import_id: uuid.UUID):
    profile = policy.signed_in_profile()
    return _preview_page(profile, policy.owned_or_404(PendingImport, import_id, profile))


@bp.post("/imports/<uuid:import_id>/commit")
@login_required
def commit(import_id: uuid.UUID):
    profile = policy.signed_in_profile()
    pending = policy.owned_or_404(PendingImport, import_id, profile)
    mapping, order, save = _choices(request.form)
    try:
        result = services.commit_pending(profile, pending, mapping, order, save)
    except (DomainError, Conflict) as exc:
        problems: list[Problem] | None = [
            Problem(e.message, field=e.field) for e in exc.errors
        ] or [Problem(exc.detail, field="file")]
        if pending.kind == "csv" and isinstance(exc, DomainError):
            problems = None  # the preview lists them by row and column
        return _preview_page(profile, pending, exc.status, problems)
    created = result.created
    if result.kind == "csv":
        skipped = created.get("skipped", 0)
        flash(
            f"Imported {_count(created['sessions'], 'session')}"
            + (f"; {skipped} rows were imported before and skipped." if skipped else "."),
            "success",
        )
    elif result.kind == "zip":
        flash(
            f"Restored {_count(created.get('sessions', 0), 'session')} and everything else, "
            f"with the files of {_count(created.get('files', 0), 'recording')} (being "
            "prepared to play).",
            "success",
        )
    else:
        restored = _count(created.get("sessions", 0), "session")
        flash(f"Restored {restored} and everything else.", "success")
    return redirect(url_for("journal.index"))


@bp.post("/imports/<uuid:import_id>/delete")
@login_required
def cancel(import_id: uuid.UUID):
    profile = policy.signed_in_profile()
    services.discard(profile, policy.owned_or_404(PendingImport, import_id, profile))
    flash("The upload was removed.", "info")
    return redirect(url_for("data.index"))
