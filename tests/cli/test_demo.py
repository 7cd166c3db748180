"""`woodshed demo`: a full year for a newcomer, rebuilt with --reset."""

import re

import sqlalchemy as sa

from tests.clients import page_text
from woodshed.accounts.models import User
from woodshed.db import Clock, db
from woodshed.demo import DEMO_EMAIL
from woodshed.goals.models import Goal
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.library.models import Resource
from woodshed.repertoire.models import Piece, PieceStatusChange, Section, Skill


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _demo(app, *args):
    result = app.test_cli_runner().invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.output).group(1)
    return result.output, password


def test_the_demo_then_again_then_reset(app, client):
    """One demo build (a year of simulation is the expensive part) checked for everything it
    promises, then run again (kept) and with --reset (rebuilt)."""
    output, password = _demo(app)
    assert "Created demo@example.org" in output
    _has_a_full_year_and_a_full_dashboard(client, password)
    _has_plans_reminders_notifications_and_badges_dated_by_its_history()
    _running_it_again_keeps_the_data_and_reset_rebuilds_it(app)


def _has_a_full_year_and_a_full_dashboard(client, password: str) -> None:
    user = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAIL))
    profile = user.profile
    assert [i.name for i in profile.instruments] == ["Piano", "Guitar"]
    sessions = _count(PracticeSession, PracticeSession.profile_id == profile.id)
    assert sessions > 200
    days = db.session.scalars(
        sa.select(PracticeSession.practice_date).where(PracticeSession.profile_id == profile.id)
    ).all()
    assert (max(days) - min(days)).days >= 350
    assert _count(Piece, Piece.profile_id == profile.id) >= 6
    # Every piece has its length, so its page draws the bar strip; no passage runs past it.
    for piece in db.session.scalars(sa.select(Piece).where(Piece.profile_id == profile.id)):
        assert piece.length_bars, piece.title
        assert all(s.bar_end <= piece.length_bars for s in piece.sections), piece.title
    assert _count(Section, Section.profile_id == profile.id) >= 20
    assert _count(PieceStatusChange) > _count(Piece, Piece.profile_id == profile.id)
    assert _count(Skill, Skill.profile_id == profile.id) >= 5
    assert _count(Resource, Resource.profile_id == profile.id) >= 5
    assert _count(SessionItem, SessionItem.tempo_bpm.is_not(None)) > 200
    targets = set(
        db.session.scalars(sa.select(Goal.target_type).where(Goal.profile_id == profile.id))
    )
    assert {"minutes_per_week", "days_per_week", "tempo", "checklist"} <= targets
    statuses = set(db.session.scalars(sa.select(Goal.status).where(Goal.profile_id == profile.id)))
    assert {"in_progress", "completed", "archived"} <= statuses
    assert Clock.frozen is None  # the simulation gives the clock back

    # The newcomer signs in and sees a full dashboard.
    client.post(
        "/login",
        data={"email": DEMO_EMAIL, "password": password, "csrf_token": client.csrf_token()},
    )
    response = client.get("/")
    html, text = response.get_data(as_text=True), page_text(response)
    pickup = text[text.index("Pick up where you left off") : text.index("What next")]
    assert "Piano" in pickup
    assert "Guitar" in pickup
    assert "Start with" in pickup
    assert "Recent passages" in pickup
    assert html.count('<li class="suggestion') >= 3


def _has_plans_reminders_notifications_and_badges_dated_by_its_history() -> None:
    from woodshed.notify.models import Notification, Reminder
    from woodshed.plans.models import Plan, PlanOccurrence
    from woodshed.stats.models import EarnedBadge

    profile = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAIL)).profile
    assert _count(Plan, Plan.profile_id == profile.id) >= 1
    statuses = set(
        db.session.scalars(
            sa.select(PlanOccurrence.status).where(PlanOccurrence.profile_id == profile.id)
        )
    )
    assert {"completed", "skipped", "scheduled"} <= statuses
    checked_in = db.session.scalars(
        sa.select(PlanOccurrence).where(
            PlanOccurrence.profile_id == profile.id, PlanOccurrence.status == "completed"
        )
    ).all()
    assert all(o.session_id is not None for o in checked_in)
    assert _count(Reminder, Reminder.profile_id == profile.id) >= 3
    mine = Notification.profile_id == profile.id
    kinds = set(db.session.scalars(sa.select(Notification.kind).where(mine)))
    assert {"badge", "reminder"} <= kinds
    earned = db.session.scalars(
        sa.select(EarnedBadge.earned_at).where(EarnedBadge.profile_id == profile.id)
    ).all()
    assert len(earned) >= 5
    # Earned on the days the history earned them: spread over the year, not all just now.
    days = {e.date() for e in earned}
    assert len(days) >= 4
    assert (max(days) - min(days)).days > 100
    # What the demo said about a passage is that passage's own note.
    assert _count(SessionItem, SessionItem.note != "") > 100


def _running_it_again_keeps_the_data_and_reset_rebuilds_it(app) -> None:
    first = db.session.scalar(sa.select(User.id).where(User.email == DEMO_EMAIL))
    sessions = _count(PracticeSession)
    output, _ = _demo(app)
    assert "exists already" in output
    assert db.session.scalar(sa.select(User.id).where(User.email == DEMO_EMAIL)) == first
    assert _count(PracticeSession) == sessions
    output, _ = _demo(app, "--reset")
    assert "Created" in output
    db.session.expire_all()
    second = db.session.scalar(sa.select(User.id).where(User.email == DEMO_EMAIL))
    assert second != first
    assert _count(PracticeSession) == sessions  # the old year is gone, a new one made
    assert _count(User, User.email == DEMO_EMAIL) == 1
