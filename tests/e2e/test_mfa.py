"""Two-factor sign-in in a real browser: an administrator without it is sent to set it up,
scans (reads) the secret, confirms with a code, keeps the recovery codes, then signs in
with a code — and once with a recovery code."""

from __future__ import annotations

import secrets
from types import SimpleNamespace

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import make_persona
from woodshed.accounts import mfa
from woodshed.db import utcnow


def _code(secret: str, offset: int = 0) -> str:
    return mfa.code_at(secret, mfa.step_at(utcnow()) + offset)


def _password_step(page, persona) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(persona.email)
    page.get_by_label("Password").fill(persona.password)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_sets_up_two_factor_sign_in_and_uses_it(browser_page, live_server):
    page = browser_page
    # The served database is shared by every e2e test: a name no other test has taken.
    name = f"mira-{secrets.token_hex(4)}"
    mira = live_server.seed(lambda: make_persona(name, is_admin=True))
    admin = SimpleNamespace(email=f"{name}@example.org", password=mira.password)

    _password_step(page, admin)
    page.goto("/admin/users")
    expect(page).to_have_url(live_server.url + "/settings/security#mfa")
    expect(page.get_by_text("Set up two-factor sign-in before using")).to_be_visible()
    page.get_by_role("button", name="Set up two-factor sign-in").click()

    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("code.mfa-secret").inner_text().strip()
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "mfa-01-setup-360")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "mfa-02-setup-1280")

    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("not right or was already used").first).to_be_visible()
    page.get_by_label("Code from the app").fill(_code(secret, -1))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = [c.strip() for c in page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    screenshot(page, "mfa-03-recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("10 of 10 recovery codes left")).to_be_visible()
    page.goto("/admin/users")
    expect(page.get_by_role("heading", name="Accounts on this instance")).to_be_visible()

    # Sign out and in again: the code is asked for after the password.
    page.locator(".user-menu summary").click()
    page.locator(".user-menu").get_by_role("button", name="Sign out").click()
    # Signing out first deletes this account's offline data (static/js/offline.js), then
    # submits: going to /login before that is done would race the sign-out.
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    _password_step(page, admin)
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    screenshot(page, "mfa-04-sign-in-code")
    page.get_by_label("Code").fill(_code(secret, +1))
    page.get_by_role("button", name="Sign in").click()
    page.goto("/settings/security")
    expect(
        page.get_by_text("Teachers and administrators keep two-factor sign-in on.")
    ).to_be_visible()

    # Once more, with a recovery code; it is then spent.
    page.locator(".user-menu summary").click()
    page.locator(".user-menu").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    _password_step(page, admin)
    page.get_by_label("Code").fill(codes[0].lower())
    page.get_by_role("button", name="Sign in").click()
    page.goto("/settings/security")
    expect(page.get_by_text("9 of 10 recovery codes left")).to_be_visible()
