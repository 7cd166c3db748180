"""In a browser: a guardian creates two children, switches to one from the menu and logs
for her, sets a PIN, hands the device over in kid mode, leaves it with the PIN (a wrong
one first), links the other child to a teacher with consent, sees the teacher on the
child's page, and signs off the item the teacher assigned, answering her question; the
teacher sees "signed off by guardian"."""

from datetime import timedelta

import pytest
from flask import current_app
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import log_session, make_persona, make_piece
from tests.teaching.helpers import make_teacher
from woodshed.accounts.models import User
from woodshed.assignments.schemas import AssignmentIn
from woodshed.assignments.services import create_assignment
from woodshed.db import db, utcnow
from woodshed.family import services as family
from woodshed.teaching import services as teaching

QUESTION = "Did Leo play bars 9-16 hands together?"

pytestmark = pytest.mark.e2e


def _add_child(page, url, name, instruments):
    page.goto(f"{url}/family/children/new")
    page.get_by_label("Name (a nickname is enough)").fill(name)
    page.get_by_label("Instruments").fill(instruments)
    page.get_by_label("As the child’s parent or guardian I agree to this.").check()
    page.get_by_role("button", name="Create the profile").click()
    expect(page.get_by_text(f"{name}'s profile is ready.")).to_be_visible()


def _assign_and_practise(gina_id, tamsin_id):
    """Tamsin sets Leo a passage with a question; Leo practised it (his guardian logged it)."""
    gina, tamsin = db.session.get(User, gina_id), db.session.get(User, tamsin_id)
    (leo,) = [c for c in family.children_of(gina) if c.display_name == "Leo"]
    piece = make_piece(leo, "Minuet in G", sections=[("A", 9, 16)])
    section = piece.sections[0]
    item = {"kind": "passage", "piece_id": piece.id, "section_id": section.id}
    body = {"title": "Minuet", "due_on": utcnow().date() + timedelta(days=7)}
    with current_app.test_request_context():  # it links the student's notice to the page
        create_assignment(
            tamsin,
            leo,
            AssignmentIn.model_validate(body | {"items": [item | {"question": QUESTION}]}),
        )
    session = log_session(leo, items=[{"piece_id": piece.id, "section_id": section.id}])
    return leo.id, session.id


def test_a_guardian_creates_children_switches_logs_and_uses_kid_mode(live_server, page, new_tab):
    with live_server.app.app_context():
        gina = make_persona("gina", timezone="Europe/Berlin")
        tamsin = make_teacher("tamsin")
        _invite, code = teaching.create_invite(tamsin.user)
        db.session.commit()
        guardian = (gina.email, gina.password)
        teacher = (tamsin.email, tamsin.password)
        ids = (gina.user.id, tamsin.user.id)
    url = live_server.url
    sign_in(page, url, *guardian, then=None)

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
    page.get_by_role("article", name="Mia").get_by_role("button", name="Kid mode").click()
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
    page.get_by_role("article", name="Leo").get_by_role("link", name="Link a teacher").click()
    page.get_by_label("Invitation code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("This links")).to_contain_text("Leo")
    page.get_by_role("button", name="Accept and share").click()
    expect(page.get_by_text("consent", exact=False).first).to_be_visible()
    page.get_by_label("I agree that this teacher sees").check()
    page.get_by_role("button", name="Accept and share").click()
    expect(page.get_by_text("Tamsin is now Leo's teacher.")).to_be_visible()

    # Leo's page says who sees him and what she may do.
    page.goto(f"{url}/family")
    page.get_by_role("article", name="Leo").get_by_role("link", name="Leo", exact=True).click()
    expect(page.locator("[data-child-teachers]")).to_contain_text("Tamsin")
    expect(page.locator("[data-child-teachers]")).to_contain_text("set them assignments")

    # Tamsin's assignment asks a question; the guardian answers it, signing the item off.
    leo_id, session_id = live_server.seed(lambda: _assign_and_practise(*ids))
    page.goto(f"{url}/children/{leo_id}/journal/{session_id}")
    page.get_by_label(QUESTION).fill("Yes, twice")
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Signed off.", exact=True)).to_be_visible()

    # The teacher sees who signed off the item, and the answer.
    tab = new_tab(viewport={"width": 1200, "height": 900})
    sign_in(tab, url, *teacher, then=None)
    tab.goto(f"{url}/students/{leo_id}/journal/{session_id}")
    signed = tab.locator("[data-signoff]")
    expect(signed).to_contain_text("Signed off by guardian")
    expect(signed).to_contain_text("Yes, twice")


def test_a_childs_profile_tab_at_360_px_is_the_childs_and_points_to_the_guardians(
    live_server, page
):
    with live_server.app.app_context():
        gwen = make_persona("gwen", timezone="Europe/Berlin")
        db.session.commit()
        login = (gwen.email, gwen.password)
    url = live_server.url
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, url, *login, then=None)
    _add_child(page, url, "Mia", "Piano")
    with live_server.app.app_context():
        (mia,) = family.children_of(db.session.get(User, gwen.user.id))
        mia_id = mia.id

    page.goto(f"{url}/children/{mia_id}/settings/profile")
    expect(page.get_by_role("heading", name="About Mia")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_count(0)
    expect(page.get_by_label("Weeks start on")).to_have_count(0)
    expect(page.get_by_label("Language code")).to_have_count(0)
    expect(page.get_by_label("Display name")).to_have_value("Mia")
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert wide is False  # nothing sideways at 360 px
    screenshot(page, "child-profile-360")

    page.get_by_role("link", name="your Profile settings").click()
    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_be_visible()
    assert page.url == f"{url}/settings/profile"
