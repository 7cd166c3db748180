"""A streamed download over real HTTP: complete, or visibly failed — never cut off quietly.

The export is produced after the response has started; a failure in the middle cannot
change the status any more. It must then end the chunked body without its last chunk, so
that every HTTP client (a browser's download, `requests`, curl) reports an error instead
of a complete-looking file; a failure within the first bytes is an error status.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from woodshed.data import export, services


@pytest.fixture
def exporter(served, caller):
    """The caller's account, holding a reminder (a time of day) and a session."""
    from tests.factories import log_session, make_reminder
    from woodshed.db import db
    from woodshed.profiles.models import MusicianProfile

    def build():
        profile = db.session.get(MusicianProfile, uuid.UUID(caller.profile_id))
        make_reminder(profile, kind="daily", time="18:00")
        log_session(profile, duration_minutes=20, notes="Scales")

    served.seed(build)
    return caller


def _download(caller) -> requests.Response:
    return requests.get(
        f"{caller.served.url}/api/v1/export",
        headers={"Authorization": f"Bearer {caller.token}"},
        stream=True,
        timeout=60,
    )


def test_an_account_with_a_reminder_downloads_completely(exporter):
    response = _download(exporter)
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["reminders"][0]["time_of_day"] == "18:00:00"
    assert len(doc["sessions"]) == 1


def _break_reminders(monkeypatch):
    real = export.documents

    def documents(part, rows, scope, ctx):
        if part.key == "reminders":
            raise TypeError("Object of type time is not JSON serializable")
        return real(part, rows, scope, ctx)

    monkeypatch.setattr(export, "documents", documents)


def test_a_failure_within_the_first_bytes_is_an_error_status(exporter, monkeypatch):
    _break_reminders(monkeypatch)
    response = _download(exporter)
    assert response.status_code == 500
    assert "attachment" not in response.headers.get("Content-Disposition", "")


def test_a_failure_after_the_first_bytes_breaks_the_download(exporter, monkeypatch):
    monkeypatch.setattr(services, "FIRST_BYTES", 1)
    _break_reminders(monkeypatch)
    response = _download(exporter)
    assert response.status_code == 200  # already sent when the export failed …
    assert response.headers.get("Transfer-Encoding") == "chunked"
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        # … so the body ends without its last chunk: a failed download
        b"".join(response.iter_content(4096))


def _download_zip(caller) -> requests.Response:
    return requests.get(
        f"{caller.served.url}/api/v1/export.zip",
        headers={"Authorization": f"Bearer {caller.token}"},
        stream=True,
        timeout=60,
    )


def test_the_zip_export_downloads_completely(exporter):
    import io
    import zipfile

    response = _download_zip(exporter)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as zipped:
        doc = json.loads(zipped.read("export.json"))
    assert len(doc["sessions"]) == 1


def test_a_zip_export_failing_after_the_first_bytes_breaks_the_download(exporter, monkeypatch):
    from woodshed.data import archive

    monkeypatch.setattr(services, "FIRST_BYTES", 1)
    monkeypatch.setattr(archive, "SEND_AT", 1)  # every piece of the ZIP goes out at once
    _break_reminders(monkeypatch)
    response = _download_zip(exporter)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        b"".join(response.iter_content(4096))
