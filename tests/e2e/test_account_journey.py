"""A musician's first visit, in a real browser: register, set up the profile, sign out and
in, reset a forgotten password from the email, and erase the account."""

from __future__ import annotations

import logging
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

EMAIL = "hana@example.org"
FIRST_PASSWORD = "slow practice is fast practice"
SECOND_PASSWORD = "scales before breakfast, always"


def sign_in(page, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


# The whole journey with the offline service worker, as every person's browser has it.
@pytest.mark.service_worker
def test_a_musician_registers_sets_up_resets_and_leaves(browser_page, live_server, caplog):
    page = browser_page
    caplog.set_level(logging.INFO, logger="werkzeug")

    # Register: the browser's time zone is already chosen.
    page.goto("/")
    screenshot(page, "01-landing")
    page.get_by_role("link", name="Create your account").click()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")
    page.get_by_label("Your name").fill("Hana")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(FIRST_PASSWORD)
    screenshot(page, "02-register")
    page.get_by_role("button", name="Create account").click()

    # Registering signs in (mode open) and lands on the dashboard's first steps.
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    expect(page.get_by_role("heading", name="Hello, Hana")).to_be_visible()
    expect(page.get_by_role("link", name="Log your first session")).to_be_visible()
    screenshot(page, "03-dashboard")

    # Profile: time zone, rollover hour, and an instrument.
    page.goto("/settings/profile")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("A practice day starts at").select_option("2")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
    expect(page.get_by_label("A practice day starts at")).to_have_value("2")

    add = page.locator("form[action='/settings/instruments']")
    add.get_by_label("Name").fill("Shakuhachi")
    add.get_by_label("Level").select_option("intermediate")
    add.get_by_label("Playing since").fill("2019-04-01")
    add.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Instrument added.")).to_be_visible()
    expect(page.locator("#instruments input[value='Shakuhachi']")).to_be_visible()
    screenshot(page, "04-profile")

    # Sign out, then back in.
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    sign_in(page, FIRST_PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Hana")).to_be_visible()
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    # Signing out first deletes this account's offline data (static/js/offline.js), then
    # submits: a navigation started before that would be cut short by the sign-out's.
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    # Forgot the password: the link comes by email.
    live_server.mailbox.clear()
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    [message] = live_server.mailbox.to(EMAIL)
    link = re.search(r"http://\S+/reset/confirm\?token=\S+", live_server.mailbox.text(message))[0]
    assert link.startswith(live_server.url)
    page.goto(link)
    page.get_by_label("New password").fill(SECOND_PASSWORD)
    screenshot(page, "05-reset")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()

    sign_in(page, FIRST_PASSWORD)
    expect(page.get_by_text("The email or password is not right.").first).to_be_visible()
    sign_in(page, SECOND_PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Hana")).to_be_visible()

    # Sessions page, then erase the account by typing the address.
    page.goto("/settings/security")
    expect(page.get_by_text("this browser")).to_be_visible()
    screenshot(page, "06-security")
    page.get_by_role("link", name="Delete my account…").click()
    page.get_by_label("Type your email address to confirm").fill(EMAIL)
    screenshot(page, "07-delete")
    page.get_by_role("button", name="Erase my account for good").click()
    expect(page.get_by_text("Your account and everything in it are erased.")).to_be_visible()

    sign_in(page, SECOND_PASSWORD)
    expect(page.get_by_text("The email or password is not right.").first).to_be_visible()

    token = link.split("token=")[1]
    assert "/reset/confirm?token=[redacted]" in caplog.text  # the server's access log
    assert token not in caplog.text
