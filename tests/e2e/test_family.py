"""In a browser: a guardian creates two children, switches to one from the menu and logs
for her, sets a PIN, hands the device over in kid mode, leaves it with the PIN, and
links the other child to a teacher with consent."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import make_persona
from tests.teaching.helpers import make_teacher
from woodshed.db import db
from woodshed.teaching import services as teaching

pytestmark = pytest.mark.e2e


def _sign_in(page, url, email, password):
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _add_child(page, url, name, instruments):
    page.goto(f"{url}/family/children/new")
    page.get_by_label("Name (a nickname is enough)").fill(name)
    page.get_by_label("Instruments").fill(instruments)
    page.get_by_label("As the child’s parent or guardian I agree to this.").check()
    page.get_by_role("button", name="Create the profile").click()
    expect(page.get_by_text(f"{name}'s profile is ready.")).to_be_visible()


def test_a_guardian_creates_children_switches_logs_and_uses_kid_mode(live_server, page):
    with live_server.app.app_context():
        gina = make_persona("gina", timezone="Europe/Berlin")
        tamsin = make_teacher("tamsin")
        _invite, code = teaching.create_invite(tamsin.user)
        db.session.commit()
        guardian = (gina.email, gina.password)
    url = live_server.url
    _sign_in(page, url, *guardian)

    # Without consent, nothing is created and what was typed stays.
    page.goto(f"{url}/family/children/new")
    page.get_by_label("Name (a nickname is enough)").fill("Mia")
    page.get_by_role("button", name="Create the profile").click()
    expect(page.get_by_text("consent", exact=False).first).to_be_visible()
    expect(page.get_by_label("Name (a nickname is enough)")).to_have_value("Mia")

    _add_child(page, url, "Mia", "Piano")
    _add_child(page, url, "Leo", "Cello")
    screenshot(page, "family-1280")

    # Switch to Mia from the header menu and log a quick session for her.
    page.goto(f"{url}/")
    page.locator("details.user-menu summary").click()
    page.locator("details.user-menu").get_by_role("link", name="Mia").click()
    expect(page.locator(".child-banner")).to_contain_text("You are acting for Mia")
    page.goto(page.url.rstrip("/") + "/journal/timer")
    expect(page.locator(".child-banner")).to_contain_text("Mia")

    # A PIN, then kid mode for Mia.
    page.goto(f"{url}/family")
    page.get_by_label("PIN (4 to 8 digits)").fill("48a1")
    page.get_by_role("button", name="Set the PIN").click()
    expect(page.get_by_text("A PIN is 4 to 8 digits").first).to_be_visible()
    page.get_by_label("PIN (4 to 8 digits)").fill("4821")
    page.get_by_role("button", name="Set the PIN").click()
    expect(page.get_by_text("Your kid-mode PIN is set.")).to_be_visible()
    page.get_by_role("row", name="Mia").get_by_role("button", name="Kid mode").click()
    expect(page.get_by_role("heading", name="Hi Mia!")).to_be_visible()
    page.get_by_role("button", name="I played 15 minutes").click()
    expect(page.get_by_role("heading", name="Hi Mia!")).to_be_visible()
    expect(page.locator(".sticker")).to_contain_text("First session")
    screenshot(page, "family-kid-mode-1280")

    # The guardian's pages are closed in kid mode.
    response = page.goto(f"{url}/family")
    assert response.status == 403
    page.go_back()
    # Leave with the PIN.
    expect(page.get_by_role("heading", name="Hi Mia!")).to_be_visible()
    page.get_by_role("link", name="Grown-ups: leave kid mode").click()
    page.get_by_label("Guardian’s PIN").fill("1111")
    page.get_by_role("button", name="Leave kid mode").click()
    expect(page.get_by_text("That is not the PIN.").first).to_be_visible()
    page.get_by_label("Guardian’s PIN").fill("4821")
    page.get_by_role("button", name="Leave kid mode").click()
    expect(page.get_by_text("You left kid mode")).to_be_visible()

    # Leo joins a teacher: the consent box is required.
    page.goto(f"{url}/family")
    page.get_by_role("row", name="Leo").get_by_role("link", name="Link a teacher").click()
    page.get_by_label("Invitation code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("This links")).to_contain_text("Leo")
    page.get_by_role("button", name="Accept and share").click()
    expect(page.get_by_text("consent", exact=False).first).to_be_visible()
    page.get_by_label("I agree that this teacher sees").check()
    page.get_by_role("button", name="Accept and share").click()
    expect(page.get_by_text("Tamsin is now Leo's teacher.")).to_be_visible()
