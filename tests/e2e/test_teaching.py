"""In a browser: a teacher invites, the student joins by code, the teacher reads the
student's journal read-only and the studio shows the student (1280 px and 360 px)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import log_session, make_persona
from tests.teaching.helpers import make_teacher
from woodshed.db import db, utcnow

pytestmark = pytest.mark.e2e


def _sign_in(page, url, email, password):
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_invite_join_and_read_the_students_journal(live_server, page, chromium_browser):
    with live_server.app.app_context():
        tara = make_teacher("tara", timezone="Europe/London")
        sam = make_persona("sam", timezone="Europe/London")
        log_session(sam.profile, started_at=utcnow() - timedelta(hours=2), notes="Scales in G")
        log_session(
            sam.profile, started_at=utcnow() - timedelta(hours=1), notes="Diary", private=True
        )
        db.session.commit()
        teacher, student = (tara.email, tara.password), (sam.email, sam.password)

    _sign_in(page, live_server.url, *teacher)
    page.goto(f"{live_server.url}/studio")
    page.get_by_role("button", name="Make a code").click()
    code = page.locator(".invite-code").inner_text()
    expect(page.locator(".invite-qr svg")).to_be_visible()
    screenshot(page, "teaching-invite-1280")

    student_context = chromium_browser.new_context(viewport={"width": 360, "height": 780})
    tab = student_context.new_page()
    _sign_in(tab, live_server.url, *student)
    tab.goto(f"{live_server.url}/join")
    tab.get_by_label("Invitation code").fill(code.lower())
    tab.get_by_role("button", name="Continue").click()
    expect(tab.get_by_role("heading", name="Tara invites you")).to_be_visible()
    screenshot(tab, "teaching-join-360")
    tab.get_by_role("button", name="Accept and share").click()
    expect(tab.get_by_text("Tara is now your teacher.")).to_be_visible()
    student_context.close()

    page.goto(f"{live_server.url}/studio")
    page.get_by_role("link", name="Sam").click()
    expect(page.locator(".student-banner")).to_contain_text("Sam")
    expect(page.get_by_text("Scales in G")).to_be_visible()
    expect(page.get_by_text("Diary")).to_have_count(0)
    expect(page.get_by_role("link", name="Log a session")).to_have_count(0)
    screenshot(page, "teaching-student-journal-1280")
    page.goto(f"{live_server.url}/studio")
    screenshot(page, "teaching-studio-1280")
    page.set_viewport_size({"width": 360, "height": 780})
    screenshot(page, "teaching-studio-360")
