"""An account holding one of every kind of object the app can store.

`fill_account(persona)` builds it through the services (and a few rows written directly,
as an import would): every table in the export registry gets at least one row —
instruments, tags, skills, pieces with sections and status history, goals with a
checklist, resources, sessions with items, tags, goals, evidence and revisions, plans
with items and occurrences (one checked in, one skipped, the rest upcoming), a template,
reminders of every kind with a time of day, notification settings with quiet hours, days
off, an earned badge, notifications, an import mapping, a processed recording with a
pinned comment and a reply (its original stored in the profile's files), and what a
child's profile holds besides: a guardian's sign-off answering an assignment's question
and a consent on record (by `guardian`, an account; none: as a restored file leaves them).
`tests/data/test_export.py` fails when a registry part is left empty, so a new table
makes this account grow with it. Use it for round trips, erasure, search rebuilds —
anything that must hold "for everything".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from tests.data.rows import make_goal, make_piece, make_section, make_skill
from tests.factories import (
    log_session,
    make_instrument,
    make_plan,
    make_reminder,
    make_resource,
)
from woodshed.db import db, utcnow

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def fill_account(persona, now: datetime | None = None, guardian=None):
    """One of everything an account can hold, including an edited session; `guardian` (a
    User) is who signed off and consented, for a child's profile."""
    from woodshed.assignments.models import Assignment, AssignmentItem
    from woodshed.comments.models import Comment
    from woodshed.data.models import ImportMapping
    from woodshed.family.models import NOTICE_VERSION, Consent, Signoff
    from woodshed.goals.models import GoalChecklistItem
    from woodshed.journal import services as journal
    from woodshed.journal.models import Evidence
    from woodshed.notify.services import notify
    from woodshed.repertoire.models import PieceStatusChange

    profile = persona.profile
    now = now or datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    piano = make_instrument(profile, "Piano", level="intermediate", since=date(2015, 9, 1))
    piece = make_piece(
        profile,
        "Nocturne op. 9/2",
        composer="Chopin",
        instrument_id=piano.id,
        difficulty=6,
        target_tempo_bpm=72,
        started_on=date(2026, 1, 5),
    )
    section = make_section(piece, "A section", 1, 12, target_tempo_bpm=72)
    make_section(piece, "Coda", 29, 34, status="not_started")
    db.session.add(
        PieceStatusChange(
            piece_id=piece.id,
            from_status="wishlist",
            to_status="learning",
            changed_at=now - timedelta(days=60),
        )
    )
    scales = make_skill(profile, "Scales", category="scale", description="All keys")
    goal = make_goal(
        profile,
        "A section at 72",
        kind="section",
        piece_id=piece.id,
        section_id=section.id,
        target_type="tempo",
        target_value=72,
        target_date=date(2026, 4, 1),
        priority="high",
    )
    db.session.add(GoalChecklistItem(goal_id=goal.id, text="Hands separately", done=True))
    db.session.add(
        Assignment(
            profile_id=profile.id,
            set_by=None,  # a teacher whose account is gone
            title="A section, hands together",
            starts_on=date(2026, 2, 1),
            due_on=date(2026, 2, 8),
            items=[
                AssignmentItem(
                    kind="passage", piece_id=piece.id, bar_start=1, bar_end=8, tempo_bpm=66
                ),
                AssignmentItem(kind="text", position=1, text="Listen twice", done_at=now),
            ],
        )
    )
    make_resource(profile, title="Fingering video", piece_id=piece.id, text="=cmd|' /C calc'!A0")
    first = log_session(
        profile,
        started_at=now - timedelta(days=2, hours=12),  # 01:00 in Berlin: the previous day
        duration_minutes=45,
        instrument_id=piano.id,
        items=[
            {
                "piece_id": piece.id,
                "section_id": section.id,
                "bars": "1-8",
                "minutes": 20,
                "tempo_bpm": 60,
                "target_tempo_bpm": 72,
                "run_through": True,
                "note": "Bar 5: thumb under",
            },
            {"skill_id": scales.id, "minutes": 10},
        ],
        tags=["Left hand", "sight-reading"],
        notes="Slow **practice**",
        next_time="Bars 9–12",
        struggles="Trills",
        achievements="+ clean run",
        mood=4,
        quality=3,
        enjoyment=5,
        difficulty=2,
        confidence=3,
        mode="slow",
        exam_prep=True,
        goal_ids=[goal.id],
        evidence=[
            {"kind": "link", "url": "https://example.org/rec"},
            {"kind": "note", "text": "Recorded it"},
        ],
    )
    journal.update_session(
        profile, first, {"duration_minutes": 50, "tags": ["Left hand"]}, editor_id=persona.user.id
    )
    latest = log_session(
        profile, started_at=now - timedelta(hours=3), duration_minutes=15, private=True
    )
    notify(profile, "badge", "7-day streak", "Well done", url="/stats")
    _plans_and_reminders(profile, piece, section, scales, goal, latest, now)
    db.session.add(ImportMapping(profile_id=profile.id, mapping={"Minutes": "duration_minutes"}))
    db.session.add(Evidence(session_id=first.id, kind="note", text="extra", position=5))
    db.session.add(
        Comment(profile_id=profile.id, session_id=first.id, author_id=persona.user.id, body="Hm?")
    )
    _recording(persona, first, section, now)
    question = db.session.scalar(
        sa.select(AssignmentItem)
        .join(Assignment)
        .where(Assignment.profile_id == profile.id, AssignmentItem.kind == "passage")
    )
    question.question = "Hands together?"
    guardian_id = guardian.id if guardian is not None else None
    db.session.add(
        Signoff(
            profile_id=profile.id,
            session_id=first.id,
            guardian_id=guardian_id,
            item_index=0,
            assignment_item_id=question.id,
            note="Played it to grandma",
            answer="Yes,\nfrom bar 5 on",
        )
    )
    db.session.add(
        Consent(
            kind="child_email",
            guardian_id=guardian_id,
            profile_id=profile.id,
            notice_version=NOTICE_VERSION,
            scopes=["email"],
        )
    )
    db.session.flush()
    return profile


def _recording(persona, session, section, now: datetime) -> None:
    """A processed take of the session's passage, with bar marks, a tempo estimate, a
    comment pinned to a span and bars, and a reply (as the worker and a teacher leave it)."""
    import io

    from tests.recordings.media import sine, wav_bytes
    from woodshed.recordings import services as recordings
    from woodshed.recordings.models import RecordingComment
    from woodshed.recordings.schemas import RecordingFields

    take = recordings.store_recording(
        persona.profile,
        io.BytesIO(wav_bytes(sine(0.5))),
        RecordingFields(
            title="Bars 1–8, slow", session_id=session.id, section_id=section.id, metronome_bpm=60
        ),
        filename="take.wav",
    )
    take.status, take.kind, take.mime_type = "ready", "audio", "audio/wav"
    take.duration_seconds, take.processed_at = 12.5, now - timedelta(days=2)
    take.tempo = {
        "bpm": 60.2,
        "steady": True,
        "segments": [{"start_seconds": 0.0, "end_seconds": 12.5, "bpm": 60.2}],
    }
    take.sync_points = [{"bar": 1, "at_seconds": 0.5}, {"bar": 5, "at_seconds": 8.5}]
    take.listened_by_teacher_at = now - timedelta(days=1)
    db.session.flush()
    pinned = RecordingComment(
        profile_id=persona.profile.id,
        recording_id=take.id,
        author_id=None,  # a teacher whose account is gone
        at_ms=2500,
        end_ms=4000,
        bar_start=2,
        bar_end=3,
        body="Lift the wrist here",
        created_at=now - timedelta(days=1),
    )
    db.session.add(pinned)
    db.session.flush()
    db.session.add(
        RecordingComment(
            profile_id=persona.profile.id,
            recording_id=take.id,
            author_id=persona.user.id,
            parent_id=pinned.id,
            at_ms=2500,
            body="Will do",
            created_at=now - timedelta(hours=20),
        )
    )


def _plans_and_reminders(profile, piece, section, skill, goal, checked_in, now: datetime) -> None:
    """A plan with items and occurrences in every state, a template, reminders of every
    kind, quiet hours, days off and a badge earned on a day of the history."""
    from woodshed.notify.schemas import SettingsIn
    from woodshed.notify.services import update_settings
    from woodshed.plans import services as plans
    from woodshed.plans.models import PlanOccurrence
    from woodshed.plans.sharing import save_as_template
    from woodshed.stats.models import EarnedBadge
    from woodshed.stats.schemas import SkipPeriodIn
    from woodshed.stats.services import add_skip_period

    today = utcnow().date()  # a plan starts within a year of the real (or frozen) clock
    plan = make_plan(
        profile,
        schedule={
            "kind": "recurring",
            "rrule": "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8",
            "start_date": today.isoformat(),
            "time_of_day": "07:30",
            "duration_minutes": 30,
        },
        items=[
            {
                "piece_id": piece.id,
                "section_id": section.id,
                "target_minutes": 15,
                "target_tempo_bpm": 58,
            },
            {"skill_id": skill.id, "target_minutes": 10},
        ],
        description="Four weeks before the lesson",
    )
    first, second, *_ = sorted(
        db.session.scalars(sa.select(PlanOccurrence).where(PlanOccurrence.plan_id == plan.id)),
        key=lambda o: o.scheduled_start,
    )
    # Checked in as the account's latest session (as a restore writes it: a check-in
    # through the service needs the occurrence's window to be open on the real clock).
    first.status, first.completed_at, first.session_id = "completed", now, checked_in.id
    plans.skip(profile, second, "Ill")
    save_as_template(profile, plan)
    make_reminder(profile, kind="daily", time="18:00", message="Scales first")
    make_reminder(profile, kind="weekly", time="09:15", days=["SA"], channels=["email"])
    make_reminder(profile, kind="before_occurrence", minutes_before=30, plan_id=plan.id)
    make_reminder(profile, kind="inactivity", after_days=3)
    make_reminder(profile, kind="goal_deadline", days_before=7, goal_id=goal.id)
    update_settings(
        profile, SettingsIn(quiet_start="22:00", quiet_end="07:00", weekly_summary=True)
    )
    add_skip_period(
        profile,
        SkipPeriodIn(
            start_date=now.date() - timedelta(days=20),
            end_date=now.date() - timedelta(days=18),
            reason="holiday",
        ),
    )
    db.session.add(
        EarnedBadge(profile_id=profile.id, code="hours_10", earned_at=now - timedelta(days=2))
    )
