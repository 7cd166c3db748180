"""Every main page works on a 360 px phone and from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

PASSWORD = "a quiet hour with the metronome"
PUBLIC_PAGES = ["/", "/login", "/register", "/reset", "/api/docs", "/no-such-page"]
PRIVATE_PAGES = [
    "/",
    "/settings/profile",
    "/settings/security",
    "/settings/data",
    "/settings/delete",
    "/family",
]


def register_and_sign_in(page, email: str) -> None:
    response = page.request.post(
        "/api/v1/auth/register",
        data={"email": email, "password": PASSWORD, "display_name": "Kofi", "timezone": "UTC"},
    )
    assert response.status == 201
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Kofi")).to_be_visible()


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def slug(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_fit_a_360px_screen(phone, path):
    phone.goto(path)
    screenshot(phone, f"360-public-{slug(path)}")
    assert horizontal_overflow(phone) == 0


def test_signed_in_pages_fit_a_360px_screen(phone):
    register_and_sign_in(phone, "kofi.phone@example.org")
    phone.goto("/settings/profile")
    phone.locator("form[action='/settings/instruments']").get_by_label("Name").fill(
        "Kora with a rather long name for a small screen"
    )
    phone.get_by_role("button", name="Add").click()
    # A child with its actions and forms (without one the Family page had nothing to wrap).
    phone.goto("/family/children/new")
    phone.locator("[name=display_name]").fill("Anastasia-Wilhelmina")
    phone.locator("[name=consent]").check()
    phone.locator("form[action='/family/children/new'] button[type=submit]").click()
    expect(phone.get_by_role("link", name="Anastasia-Wilhelmina", exact=True)).to_be_visible()
    for path in PRIVATE_PAGES:
        phone.goto(path)
        screenshot(phone, f"360-private-{slug(path)}")
        assert horizontal_overflow(phone) == 0, path
    phone.locator(".user-menu summary").click()
    expect(phone.get_by_role("button", name="Sign out")).to_be_in_viewport()


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                id: el.id,
                tag: el.tagName.toLowerCase(),
                text: (el.innerText || el.value || '').trim().slice(0, 40),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                shadow: style.boxShadow !== 'none',
            };
        }"""
    )


def tab_until(page, wanted: str, limit: int = 30) -> list[dict]:
    """Press Tab until the element with id `wanted` has focus; return what was visited."""
    visited = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)
        visited.append(current)
        if current["id"] == wanted:
            return visited
    pytest.fail(f"Tab never reached #{wanted}: {visited}")


def test_the_keyboard_reaches_the_sign_in_fields_with_a_visible_focus(browser_page):
    page = browser_page
    page.goto("/login")
    visited = tab_until(page, "f-email")
    assert visited[0]["text"] == "Skip to content"  # the first stop skips the navigation
    assert all(v["outline"] or v["shadow"] for v in visited), visited
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "f-password"
    assert focused(page)["outline"]
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Sign in"
    assert focused(page)["outline"]
    screenshot(page, "keyboard-login")


def test_the_keyboard_reaches_the_profile_form(browser_page):
    page = browser_page
    register_and_sign_in(page, "kofi.keys@example.org")
    page.goto("/settings/profile")
    visited = tab_until(page, "f-display_name")
    assert all(v["outline"] or v["shadow"] for v in visited), visited
    for expected in ("f-timezone", "f-day_rollover_hour", "f-week_start"):
        page.keyboard.press("Tab")
        assert focused(page)["id"] == expected
        assert focused(page)["outline"]
    screenshot(page, "keyboard-profile")


def test_the_skip_link_moves_focus_to_the_content(browser_page):
    page = browser_page
    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
