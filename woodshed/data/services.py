"""Own your data: the operations the Settings pages and the API share.

Exports stream; imports are previewed, then committed all-or-nothing. An upload waits in
storage (`imports/<id>.<kind>` under the profile) between the preview and the commit and
is removed after the commit, when cancelled, or a day later.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO

import sqlalchemy as sa
from flask import Response, stream_with_context

from woodshed.data import csv_import, restore
from woodshed.data.archive import Archive, ArchiveFiles, export_archive, is_archive
from woodshed.data.csv_export import CSV_EXPORTS
from woodshed.data.export import export_document
from woodshed.data.models import PendingImport
from woodshed.data.spreadsheet import Problem, TableError, read_table
from woodshed.db import db, new_id, utcnow
from woodshed.errors import DomainError
from woodshed.profiles.models import MusicianProfile
from woodshed.storage import CHUNK, storage

STALE_AFTER = timedelta(days=1)
log = logging.getLogger(__name__)


# --- export -----------------------------------------------------------------------------------


#: Bytes gathered before the first one is sent: an export that fails within them fails as
#: a whole (the server answers 500), which covers every account of ordinary size.
FIRST_BYTES = 256 * 1024


def _download(write, profile: MusicianProfile, mimetype: str, filename: str) -> Response:
    """A streamed download of `write(profile)` that never looks complete when it is not.

    The body is produced after the view has returned and its database session is gone, so
    the generator loads the profile again in the session it streams from. Nothing is sent
    until FIRST_BYTES are ready (or the whole file): a failure before then is an error
    status. A failure after it is raised on, so the server drops the connection without
    the last chunk of its chunked encoding, and the browser or client reports a failed
    download instead of saving a cut-off file (tests/concurrency/test_streamed_export.py).
    """
    profile_id = profile.id

    def chunks():
        parts = write(db.session.get(MusicianProfile, profile_id))
        head: list = []
        size = 0
        for chunk in parts:
            head.append(chunk)
            size += len(chunk)
            if size >= FIRST_BYTES:
                break
        yield head[0][:0].join(head) if head else b""
        try:
            yield from parts
        except Exception:
            log.exception("The download %s failed after its first bytes were sent", filename)
            raise

    response = Response(stream_with_context(chunks()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_response(profile: MusicianProfile) -> Response:
    """The whole account as one JSON document, streamed."""
    day = utcnow().date().isoformat()
    return _download(export_document, profile, "application/json", f"woodshed-export-{day}.json")


def archive_response(profile: MusicianProfile) -> Response:
    """The JSON document and the original recordings as one ZIP, streamed."""
    day = utcnow().date().isoformat()
    return _download(export_archive, profile, "application/zip", f"woodshed-export-{day}.zip")


def csv_response(profile: MusicianProfile, name: str) -> Response:
    day = utcnow().date().isoformat()
    return _download(
        CSV_EXPORTS[name], profile, "text/csv; charset=utf-8", f"woodshed-{name}-{day}.csv"
    )


# --- previews and commits ------------------------------------------------------------------------


@dataclass
class Preview:
    """What an import would do (or did), for the page and the API alike."""

    kind: str
    committed: bool = False
    columns: list[str] = field(default_factory=list)
    samples: dict[str, list[str]] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    rows: int = 0
    duplicates: int = 0
    preview: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    creates: dict[str, list[str]] = field(default_factory=dict)
    contents: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    exported_at: str | None = None


#: What an upload to import is: the content read (JSON, CSV), or a ZIP export spooled to
#: a file by the server (it holds recordings: far more than an import's limit in memory).
Upload = bytes | IO[bytes]


def detect_kind(raw: bytes, filename: str = "") -> str:
    if is_archive(raw):
        return "zip"
    head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if head.startswith(b"{") or filename.lower().endswith(".json") else "csv"


def _csv_plan(profile, raw: bytes, mapping, date_order) -> tuple[Preview, csv_import.Plan | None]:
    try:
        table = read_table(raw)
    except TableError as exc:
        return Preview("csv", problems=[Problem(str(exc), field="file")]), None
    guessed, saved_order = csv_import.default_mapping(profile, table)
    mapping = guessed if mapping is None else mapping
    date_order = date_order or saved_order
    plan = csv_import.plan_import(profile, table, mapping, date_order)
    samples = {
        h: [cells[i] for _n, cells in table.rows[:3] if i < len(cells)]
        for i, h in enumerate(table.headers)
    }
    preview = Preview(
        "csv",
        columns=table.headers,
        samples=samples,
        mapping=plan.mapping,
        date_order=date_order,
        rows=len(table.rows),
        duplicates=len(plan.duplicates),
        preview=csv_import.preview_rows(plan),
        problems=plan.problems,
        creates=plan.creates(),
    )
    return preview, plan


def _json_preview(profile, raw: bytes) -> tuple[Preview, dict]:
    doc = restore.read_document(raw)  # an unknown format or version is refused outright
    return _document_preview(profile, doc, Preview("json"))[0], doc


def _archive_preview(profile, stream: IO[bytes]) -> Preview:
    archive = Archive(stream)
    doc = archive.read_document()
    preview, plan = _document_preview(profile, doc, Preview("zip"))
    preview.contents["files_in_zip"] = len(archive.files)
    if plan is not None:
        try:
            ArchiveFiles(archive).check(restore.expected_files(plan))
        except DomainError as exc:
            preview.problems += [Problem(e.message, field=e.field) for e in exc.errors]
    return preview


def _document_preview(profile, doc: dict, preview: Preview) -> tuple[Preview, restore.Plan | None]:
    """The preview of a restore, and its checked plan (None when the document is not)."""
    preview.contents = restore.summary(doc)
    preview.exported_at = doc.get("exported_at")
    found = restore.existing_content(profile)
    if found:
        held = ", ".join(f"{n} {key}" for key, n in found.items())
        preview.problems.append(
            Problem(
                f"Your account already holds data ({held}). A restore goes into an empty "
                "account: create a new account and import the file there.",
                field="file",
            )
        )
    try:
        plan = restore.check_document(doc)
    except DomainError as exc:
        preview.problems += [Problem(e.message, field=e.field) for e in exc.errors]
        return preview, None
    return preview, plan


def preview_import(
    profile: MusicianProfile,
    raw: Upload,
    filename: str = "",
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
) -> Preview:
    """What importing this file would do; nothing is written."""
    if not isinstance(raw, bytes):
        return _archive_preview(profile, raw)
    if detect_kind(raw, filename) == "json":
        return _json_preview(profile, raw)[0]
    return _csv_plan(profile, raw, mapping, date_order)[0]


def commit_import(
    profile: MusicianProfile,
    raw: Upload,
    filename: str = "",
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    save_mapping: bool = True,
) -> Preview:
    """Import the file, all or nothing; DomainError (422) / Conflict (409) on problems."""
    if not isinstance(raw, bytes):
        archive = Archive(raw)
        doc = archive.read_document()
        created = restore.restore_document(profile, doc, ArchiveFiles(archive))
        contents = {**restore.summary(doc), "files_in_zip": len(archive.files)}
        return Preview("zip", committed=True, contents=contents, created=created)
    if detect_kind(raw, filename) == "json":
        doc = restore.read_document(raw)
        created = restore.restore_document(profile, doc)
        return Preview("json", committed=True, contents=restore.summary(doc), created=created)
    preview, plan = _csv_plan(profile, raw, mapping, date_order)
    if plan is None or preview.problems:
        raise DomainError(
            csv_import.problem_errors(preview.problems),
            "The file has problems; nothing was imported.",
        )
    preview.created = csv_import.commit(profile, plan)
    preview.committed = True
    if save_mapping:
        csv_import.save_mapping(profile, plan.mapping, plan.date_order)
    return preview


# --- uploads waiting for confirmation -------------------------------------------------------------


def start_import(profile: MusicianProfile, filename: str, raw: Upload) -> PendingImport:
    """Keep an upload until it is previewed and committed (or cancelled). A ZIP export
    (as large as a storage quota) replaces one still waiting, so uploads cannot pile up."""
    discard_stale(profile)
    kind = detect_kind(raw, filename) if isinstance(raw, bytes) else "zip"
    if kind == "zip":
        for waiting in pending_imports(profile):
            if waiting.kind == "zip":
                discard(profile, waiting)
    pending = PendingImport(id=new_id(), profile_id=profile.id, kind=kind, filename=filename[:255])
    pending.stored_name = f"imports/{pending.id}.{kind}"
    pending.size = storage().save(profile, pending.stored_name, raw).size
    db.session.add(pending)
    db.session.flush()
    return pending


def pending_content(profile: MusicianProfile, pending: PendingImport) -> Upload:
    """The upload waiting for confirmation: its content, or a ZIP as a file to seek in."""
    try:
        stream = storage().open(profile, pending.stored_name)
    except FileNotFoundError:
        raise DomainError({"file": "The uploaded file is gone; upload it again."}) from None
    if pending.kind != "zip":
        with stream:
            return stream.read()
    if stream.seekable():
        return stream
    # ZIP members are found from the end of the file: an object store's stream is
    # copied to a file that can seek.
    with stream:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller reads it, then it goes
        shutil.copyfileobj(stream, spool, CHUNK)
    spool.seek(0)
    return spool


def discard(profile: MusicianProfile, pending: PendingImport) -> None:
    storage().delete(profile, pending.stored_name)
    db.session.delete(pending)
    db.session.flush()


def discard_stale(profile: MusicianProfile) -> None:
    stale = db.session.scalars(
        sa.select(PendingImport).where(
            PendingImport.profile_id == profile.id,
            PendingImport.created_at < utcnow() - STALE_AFTER,
        )
    )
    for pending in stale:
        discard(profile, pending)


def pending_imports(profile: MusicianProfile) -> list[PendingImport]:
    return list(
        db.session.scalars(
            sa.select(PendingImport)
            .where(PendingImport.profile_id == profile.id)
            .order_by(PendingImport.created_at.desc())
        )
    )


def commit_pending(
    profile: MusicianProfile,
    pending: PendingImport,
    mapping: dict[str, str] | None,
    date_order: str | None,
    save_mapping: bool,
) -> Preview:
    result = commit_import(
        profile,
        pending_content(profile, pending),
        pending.filename,
        mapping,
        date_order,
        save_mapping,
    )
    discard(profile, pending)
    return result


# --- erasure --------------------------------------------------------------------------------


def forget_files_on_erasure(sender, user, **_extra) -> None:
    """`account_erasing` receiver: the account's files go once the erasure is committed
    (a rolled-back erasure keeps them)."""
    from sqlalchemy import event

    from woodshed.storage import backend_for

    if user.profile is None:
        return
    files = backend_for(sender.config)
    profile_id = user.profile.id
    armed = [True]

    def delete_files(_session) -> None:
        if armed[0]:
            armed[0] = False
            files.delete_all(profile_id)

    def keep_files(_session, previous) -> None:
        if previous.parent is None:
            armed[0] = False

    session = db.session()
    event.listen(session, "after_commit", delete_files)
    event.listen(session, "after_soft_rollback", keep_files)
