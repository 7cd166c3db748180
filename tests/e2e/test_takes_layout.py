"""Takes on the session, passage and piece pages fit a 360 px phone (issue 16)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_layout import horizontal_overflow, register_and_sign_in

pytestmark = pytest.mark.e2e


LONG_TITLE = "Coda, bars 33–40, slow with the metronome and a rather long title for a phone"


def _seed(email: str):
    import sqlalchemy as sa

    from tests.factories import log_session, make_piece
    from tests.recordings.media import make_recording
    from woodshed.accounts.models import User
    from woodshed.db import db
    from woodshed.recordings import services
    from woodshed.recordings.schemas import CommentIn

    user = db.session.scalar(sa.select(User).where(User.email == email))
    profile = user.profile
    piece = make_piece(profile, "Ballade no. 1 in G minor", sections=[("Coda", 33, 40)])
    coda = piece.sections[0]
    session = log_session(
        profile, items=[{"piece_id": str(piece.id), "section_id": str(coda.id), "minutes": 10}]
    )
    take = make_recording(profile, session_id=session.id, section_id=coda.id, title=LONG_TITLE)
    services.add_comment(
        user,
        profile,
        take,
        CommentIn.model_validate(
            {"at_seconds": 0.5, "bar_start": 35, "bar_end": 36, "body": "Rushed the turn"}
        ),
    )
    return str(piece.id), str(session.id), str(coda.id)


def test_takes_on_the_session_passage_and_piece_pages_fit_a_360px_screen(phone, live_server):
    email = "kofi.takes@example.org"
    register_and_sign_in(phone, email)
    piece_id, session_id, coda_id = live_server.seed(lambda: _seed(email))

    phone.goto(f"/journal/{session_id}")
    expect(phone.locator("#takes").get_by_role("link", name=LONG_TITLE)).to_be_visible()
    screenshot(phone, "360-session-takes")
    assert horizontal_overflow(phone) == 0

    phone.goto(f"/repertoire/{piece_id}")
    passage = phone.locator(f"#section-{coda_id}")
    expect(passage.get_by_role("link", name=LONG_TITLE, exact=True)).to_be_visible()
    expect(passage.get_by_text("Rushed the turn")).to_be_visible()
    expect(phone.locator("#takes").get_by_role("link", name=LONG_TITLE)).to_be_visible()
    screenshot(phone, "360-piece-takes")
    assert horizontal_overflow(phone) == 0
