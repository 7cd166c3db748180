"""Comments in a real browser: a musician comments on an item of a session, replies in the
thread, and comments on a passage from the piece page."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import log_session, make_persona, make_piece


def test_a_musician_comments_on_a_session_and_a_passage(browser_page, live_server):
    page = browser_page

    def seed():
        nell = make_persona("nell")
        piece = make_piece(nell.profile, "Arabesque", sections=[("Opening", 1, 8)])
        session = log_session(
            nell.profile,
            started_at=datetime(2026, 1, 10, 17, 0, tzinfo=UTC),
            items=[{"section_id": piece.sections[0].id, "bars": "1-4", "minutes": 10}],
        )
        return SimpleNamespace(password=nell.password, session=session.id, piece=piece.id)

    made = live_server.seed(seed)
    sign_in(page, live_server.url, "nell@example.org", made.password, then=None)

    page.goto(f"/journal/{made.session}")
    page.get_by_label("About").select_option(label="Arabesque › Opening")
    page.get_by_label("Add a comment").fill("Bar 3 *still* rushes")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Comment added.")).to_be_visible()
    expect(page.locator(".comment-body em", has_text="still")).to_be_visible()
    expect(page.get_by_text("about Arabesque › Opening")).to_be_visible()

    page.locator(".comment-reply-form summary").click()
    page.get_by_label("Your reply").fill("Better with the metronome at 60")
    page.get_by_role("button", name="Reply", exact=True).click()
    expect(page.locator(".comment-reply", has_text="metronome at 60")).to_be_visible()
    page.locator("#comments").scroll_into_view_if_needed()
    screenshot(page, "comments-01-session-1280")
    page.set_viewport_size({"width": 360, "height": 800})
    page.locator("#comments").scroll_into_view_if_needed()
    screenshot(page, "comments-02-session-360")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"/repertoire/{made.piece}")
    passage = page.locator(".section-comments")
    expect(passage.locator("> summary")).to_have_text("Comments (1)")
    expect(passage.get_by_text("Bar 3")).to_be_visible()
    passage.get_by_label("Add a comment").fill("Lift the pedal at bar 5")
    passage.get_by_role("button", name="Add comment").click()
    expect(page.locator(".section-comments > summary")).to_have_text("Comments (2)")
    screenshot(page, "comments-03-piece")
