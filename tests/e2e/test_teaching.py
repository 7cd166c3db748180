"""In a browser: a teacher invites, the student joins by code, the teacher reads the
student's journal read-only and the studio shows the student (1280 px and 360 px)."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import log_session, make_persona
from tests.teaching.helpers import make_teacher
from woodshed.db import db, utcnow

pytestmark = pytest.mark.e2e


def test_invite_join_and_read_the_students_journal(live_server, page, new_tab):
    with live_server.app.app_context():
        tara = make_teacher("tara", timezone="Europe/London")
        sam = make_persona("sam", timezone="Europe/London")
        log_session(sam.profile, started_at=utcnow() - timedelta(hours=2), notes="Scales in G")
        log_session(
            sam.profile, started_at=utcnow() - timedelta(hours=1), notes="Diary", private=True
        )
        db.session.commit()
        teacher, student = (tara.email, tara.password), (sam.email, sam.password)

    sign_in(page, live_server.url, *teacher, then=None)
    page.goto(f"{live_server.url}/studio")
    page.get_by_role("button", name="Make a code").click()
    code = page.locator(".invite-code").inner_text()
    expect(page.locator(".invite-qr svg")).to_be_visible()
    screenshot(page, "teaching-invite-1280")

    tab = new_tab(viewport={"width": 360, "height": 780})
    sign_in(tab, live_server.url, *student, then=None)
    tab.goto(f"{live_server.url}/join")
    tab.get_by_label("Invitation code").fill(code.lower())
    tab.get_by_role("button", name="Continue").click()
    expect(tab.get_by_role("heading", name="Tara invites you")).to_be_visible()
    screenshot(tab, "teaching-join-360")
    tab.get_by_role("button", name="Accept and share").click()
    expect(tab.get_by_text("Tara is now your teacher.")).to_be_visible()

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


def test_the_whole_loop_invite_join_log_comment_assign_what_next_report(live_server, page, new_tab):
    """Teacher invites → student joins → student logs → the teacher sees it in the studio,
    comments and sets an assignment → the student sees it in What next → the report."""

    def build():
        tara = make_teacher("lee", timezone="Europe/London")
        sam = make_persona("samuel", timezone="Europe/London")
        from tests.factories import make_piece

        make_piece(sam.profile, "Clair de lune")
        return (tara.email, tara.password), (sam.email, sam.password), str(sam.profile.id)

    teacher, student, pid = live_server.seed(build)
    url = live_server.url

    sign_in(page, url, *teacher, then=None)
    page.goto(f"{url}/studio")
    page.get_by_role("button", name="Make a code").click()
    code = page.locator(".invite-code").inner_text()

    tab = new_tab(viewport={"width": 360, "height": 780})
    sign_in(tab, url, *student, then=None)
    tab.goto(f"{url}/join")
    tab.get_by_label("Invitation code").fill(code)
    tab.get_by_role("button", name="Continue").click()
    tab.get_by_role("button", name="Accept and share").click()
    expect(tab.get_by_text("Lee is now your teacher.")).to_be_visible()
    # The student logs a session.
    tab.goto(f"{url}/journal/new")
    tab.fill("#f-duration_minutes", "25")
    # Started now, not 25 minutes ago (the form's default): between 04:00 and 04:25 London
    # time that was the day before, and the assignment set next counts from today.
    now_in_london = datetime.now(ZoneInfo("Europe/London"))
    tab.fill("#f-started_at", now_in_london.strftime("%Y-%m-%dT%H:%M"))
    tab.select_option("#f-items-0-piece_id", label="Clair de lune")
    tab.fill("#f-notes", "Middle section hands apart")
    tab.get_by_role("button", name="Save entry").click()
    expect(tab.locator(".flash-success")).to_contain_text("Logged.")

    # The teacher sees it on the dashboard, reads the session and comments on it.
    page.goto(f"{url}/studio")
    row = page.locator("tr", has_text="Samuel")
    expect(row).to_contain_text("25 min")
    row.get_by_role("link", name="Samuel").click()
    expect(page.get_by_text("Middle section hands apart")).to_be_visible()

    def logged_id():
        import sqlalchemy as sa

        from woodshed.journal.models import PracticeSession

        return db.session.scalar(
            sa.select(PracticeSession.id).where(PracticeSession.profile_id == uuid.UUID(pid))
        )

    page.goto(f"{url}/students/{pid}/journal/{live_server.seed(logged_id)}")
    page.get_by_label("Add a comment").fill("Lovely — now hands together at 60")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Lovely — now hands together at 60")).to_be_visible()

    # ... and sets an assignment.
    page.goto(f"{url}/students/{pid}/assignments/new")
    page.get_by_label("Title").fill("Clair de lune, middle")
    page.get_by_label("Due").fill((utcnow() + timedelta(days=5)).date().isoformat())
    page.select_option("#f-items-0-kind", value="piece")
    page.select_option("#f-items-0-piece_id", label="Clair de lune")
    page.fill("#f-items-0-minutes_per_week", "60")
    page.get_by_role("button", name="Set assignment").click()
    expect(page.get_by_text("Clair de lune, middle").first).to_be_visible()

    # The student sees the comment's notification and the assignment in What next.
    tab.goto(f"{url}/")
    what_next = tab.locator(".what-next")
    expect(what_next).to_contain_text("Assigned by Lee")
    expect(what_next).to_contain_text("35 min to go")
    screenshot(tab, "teaching-loop-what-next-360")

    # The weekly report, as the teacher reads it.
    page.goto(f"{url}/students/{pid}/reports")
    expect(page.get_by_role("heading", name="Weekly reports")).to_be_visible()
    expect(page.locator("main")).to_contain_text("25 min on 1 day")
