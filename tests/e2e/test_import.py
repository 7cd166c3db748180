"""In a real browser: upload a spreadsheet, fix the mapping in the preview, import it;
download everything."""

import json
import secrets
from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

LOG = (
    "Day,Practice length,Piece,Notes\n"
    "2024-03-05,45,Nocturne,Slow hands\n"
    "2024-03-06,1h30m,Nocturne,Run-through\n"
)


def register(page, base: str) -> None:
    """Create an account, as a person would: registering signs in (mode open)."""
    email, password = f"erin-{secrets.token_hex(4)}@example.org", "erin-plays-the-long-game"
    page.goto(f"{base}/register")
    page.fill("#f-display_name", "Erin")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.select_option("#f-timezone", "Europe/Berlin")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_csv_is_previewed_fixed_and_imported(page, live_server):
    base = live_server.url
    register(page, base)
    page.goto(f"{base}/settings/data")
    page.set_input_files(
        "#f-file", {"name": "log.csv", "mimeType": "text/csv", "buffer": LOG.encode()}
    )
    page.click("text=Upload and preview")
    page.wait_for_url(f"{base}/settings/data/imports/*")

    # "Practice length" is not recognised: the preview says Duration is missing.
    problems = page.locator(".import-problems")
    assert "Map a column to Duration" in problems.inner_text()
    screenshot(page, "import-preview-problem")

    page.get_by_label("Practice length").select_option("duration_minutes")
    page.click("text=Update preview")
    assert page.locator(".import-problems").count() == 0
    preview = page.locator(".import-preview")
    assert "Nocturne" in preview.inner_text()
    assert "90" in preview.inner_text()
    screenshot(page, "import-preview-fixed")

    page.click("text=Import 2 sessions")
    page.wait_for_load_state()
    assert "Imported 2 sessions." in page.locator(".flashes").inner_text()

    page.goto(f"{base}/journal")
    assert page.get_by_text("Slow hands").count() >= 1
    sessions = page.request.get(f"{base}/api/v1/sessions").json()["items"]
    assert sorted(s["duration_minutes"] for s in sessions) == [45, 90]
    assert {s["practice_date"] for s in sessions} == {"2024-03-05", "2024-03-06"}


@pytest.mark.parametrize(
    ("path", "link"),
    [
        ("/settings/data", "Download everything (JSON)"),
        ("/settings/delete", "download everything as JSON"),
    ],
)
def test_everything_downloads_as_json_while_signed_in(page, live_server, path, link):
    base = live_server.url
    register(page, base)
    page.goto(f"{base}{path}")
    with page.expect_download() as download:
        page.click(f"text={link}")
    assert download.value.failure() is None
    document = json.loads(Path(download.value.path()).read_text())
    assert document["format"] == "woodshed-export"
    assert document["profile"]["display_name"] == "Erin"
