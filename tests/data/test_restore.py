"""Restoring a JSON export: lossless round trips, id remapping, refusals (REL-ROUNDTRIP)."""

import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients import field_errors
from tests.data.helpers import canonical, export_of, fill_account
from tests.factories import log_session, make_persona
from woodshed.accounts.services import erase_account
from woodshed.data.restore import restore_document
from woodshed.db import db
from woodshed.errors import Conflict, DomainError
from woodshed.journal.models import PracticeSession
from woodshed.journal.schemas import SessionQuery
from woodshed.journal.services import list_sessions

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def newcomer(name: str = "carol", timezone: str = "Asia/Tokyo"):
    return make_persona(f"{name}-{uuid.uuid4().hex[:8]}", timezone=timezone)


def upload(doc: dict | bytes, **form) -> dict:
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return {"file": (io.BytesIO(raw), "export.json"), **form}


def test_an_export_restored_into_a_new_account_exports_the_same(alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    original = export_of(alice.profile)
    carol = newcomer()
    counts = restore_document(carol.profile, original)
    assert counts["sessions"] == 2
    assert counts["items"] == 2
    assert counts["revisions"] == 1
    again = export_of(carol.profile)
    assert canonical(again) == canonical(original)
    # The ids were alice's, so carol's are new — and alice's rows are untouched.
    assert again["sessions"][0]["id"] != original["sessions"][0]["id"]
    assert canonical(export_of(alice.profile)) == canonical(original)


def test_practice_dates_and_zones_are_kept_not_recomputed(alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    carol = newcomer(timezone="Pacific/Auckland")  # another zone and rollover
    carol.profile.day_rollover_hour = 0
    restore_document(carol.profile, export_of(alice.profile))
    first = db.session.scalars(
        sa.select(PracticeSession)
        .where(PracticeSession.profile_id == carol.profile.id)
        .order_by(PracticeSession.started_at)
    ).first()
    assert first.practice_date == date(2026, 3, 7)
    assert first.timezone == "Europe/Berlin"
    assert carol.profile.timezone == "Europe/Berlin"  # the settings come with the export


def test_a_restore_after_erasure_keeps_every_id(alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    original = export_of(alice.profile)
    erase_account(alice.user, alice.email)
    db.session.expunge_all()  # as in the next request: nothing of alice's is loaded
    carol = newcomer()
    restore_document(carol.profile, original)
    again = export_of(carol.profile)
    strip = ("exported_at", "account", "files")
    assert {k: v for k, v in again.items() if k not in strip} == {
        k: v for k, v in original.items() if k not in strip
    }


def test_ids_of_another_account_are_remapped_never_overwritten(alice, bob, frozen_clock):
    frozen_clock(NOW)
    bobs = log_session(bob.profile, duration_minutes=33, notes="bob's own")
    doc = export_of(alice.profile)
    doc["sessions"] = [
        {
            "id": str(bobs.id),
            "started_at": "2026-03-01T10:00:00+00:00",
            "practice_date": "2026-03-01",
            "timezone": "Europe/Berlin",
            "duration_minutes": 20,
            "notes": "alice's",
        }
    ]
    restore_document(alice.profile, doc)
    db.session.expire_all()
    assert db.session.get(PracticeSession, bobs.id).notes == "bob's own"
    (restored,) = db.session.scalars(
        sa.select(PracticeSession).where(PracticeSession.profile_id == alice.profile.id)
    )
    assert restored.id != bobs.id
    assert restored.notes == "alice's"


def test_revision_history_follows_remapped_ids(alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    original = export_of(alice.profile)
    carol = newcomer()
    restore_document(carol.profile, original)
    again = export_of(carol.profile)
    old_goal = original["goals"][0]["id"]
    new_goal = again["goals"][0]["id"]
    session = next(s for s in again["sessions"] if s["revisions"])
    history = json.dumps(session["revisions"])
    assert old_goal not in history
    assert session["goal_ids"] == [new_goal]


def test_restored_sessions_are_found_by_search(alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    carol = newcomer()
    restore_document(carol.profile, export_of(alice.profile))
    rows, _ = list_sessions(carol.profile, SessionQuery(q="trills"))
    assert [r.struggles for r in rows] == ["Trills"]
    rows, _ = list_sessions(carol.profile, SessionQuery(q="left"))
    assert len(rows) == 1  # by its tag


def test_a_restore_refuses_an_account_that_holds_data(alice, bob, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    log_session(bob.profile)
    with pytest.raises(Conflict, match="already holds data"):
        restore_document(bob.profile, export_of(alice.profile))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            lambda d: d["sessions"][0].update(duration_minutes=0),
            "sessions.0.duration_minutes",
            "Enter a number of at least 1.",
        ),
        (
            lambda d: d["sessions"][0].update(mood=6),
            "sessions.0.mood",
            "Enter a number of at most 5.",
        ),
        (lambda d: d["sessions"][0].update(mode="fast"), "sessions.0.mode", "Choose one of"),
        (
            lambda d: d["sessions"][0].update(timezone="Mars/Base"),
            "sessions.0.timezone",
            "Choose a time zone",
        ),
        (
            lambda d: d["sessions"][0].update(started_at="2026-03-01T10:00:00"),
            "sessions.0.started_at",
            "Enter a date and time",
        ),
        (
            lambda d: d["sessions"][0].update(instrument_id=str(uuid.uuid4())),
            "sessions.0.instrument_id",
            "No instruments with this id in the file.",
        ),
        (
            lambda d: d["sessions"][0]["evidence"][0].update(url="javascript:alert(1)"),
            "sessions.0.evidence.0.url",
            "https://",
        ),
        (
            lambda d: d["sessions"][0]["tags"].append("never defined"),
            "sessions.0.tags.1",
            "No tags “never defined” in the file.",
        ),
        (lambda d: d["sessions"][0].update(secret=1), "sessions.0.secret", "Extra inputs"),
        (lambda d: d.update(videos=[]), "videos", "newer Woodshed"),
        (
            lambda d: d["pieces"].append(dict(d["pieces"][0], sections=[], status_history=[])),
            "pieces.1.id",
            "appears twice",
        ),
        (
            lambda d: d["profile"].update(day_rollover_hour=9),
            "profile.day_rollover_hour",
            "at most 6",
        ),
        # PostgreSQL cannot store a NUL: restoring one answered 500 there.
        (lambda d: d["sessions"][0].update(notes="a\x00b"), "sessions.0.notes", "NUL"),
    ],
)
def test_a_bad_export_is_refused_with_the_path_of_each_problem(
    alice, bob, frozen_clock, change, field, message
):
    frozen_clock(NOW)
    fill_account(alice)
    doc = export_of(alice.profile)
    doc["sessions"].sort(key=lambda s: s["started_at"])
    change(doc)
    with pytest.raises(DomainError) as caught:
        restore_document(bob.profile, doc)
    errors = {e.field: e.message for e in caught.value.errors}
    assert field in errors, errors
    assert message in errors[field]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(PracticeSession.profile_id == bob.profile.id)
        )
        == 0
    )


def test_a_value_only_the_database_refuses_is_a_clear_problem(alice, bob, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    doc = export_of(alice.profile)
    doc["pieces"][0]["sections"][0].update(bar_start=9, bar_end=3)
    with pytest.raises(DomainError, match="input") as caught:
        restore_document(bob.profile, doc)
    assert "bar_range" in caught.value.errors[0].message
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(PracticeSession.profile_id == bob.profile.id)
        )
        == 0
    )


# --- through the API -------------------------------------------------------------------------


def test_the_api_restores_an_export_after_a_dry_run(alice, bob_api, bob, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    doc = export_of(alice.profile)
    dry = bob_api.client.post(
        "/api/v1/import", data=upload(doc), headers={"Authorization": f"Bearer {bob_api.token}"}
    )
    assert dry.status_code == 200, dry.get_json()
    body = dry.get_json()
    assert body["kind"] == "json"
    assert body["committed"] is False
    assert body["contents"]["sessions"] == 2
    assert body["problems"] == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(PracticeSession.profile_id == bob.profile.id)
        )
        == 0
    )
    done = bob_api.client.post(
        "/api/v1/import",
        data=upload(doc, dry_run="false"),
        headers={"Authorization": f"Bearer {bob_api.token}"},
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["created"]["sessions"] == 2
    again = bob_api.client.post(
        "/api/v1/import",
        data=upload(doc, dry_run="false"),
        headers={"Authorization": f"Bearer {bob_api.token}"},
    )
    assert again.status_code == 409
    assert "already holds data" in again.get_json()["detail"]


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        ({"format": "something-else", "version": 1}, "file", "Woodshed reads export versions 1."),
        ({"sessions": []}, "file", "This is not a Woodshed export"),
        (
            {"format": "woodshed-export", "version": 2},
            "version",
            "This export is version 2; this Woodshed reads versions 1.",
        ),
        ({"format": "woodshed-export", "version": "1"}, "version", "reads versions 1"),
    ],
)
@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_an_unknown_format_or_a_newer_version_is_refused(alice_api, doc, field, message, dry_run):
    response = alice_api.client.post(
        "/api/v1/import",
        data=upload(doc, dry_run=dry_run),
        headers={"Authorization": f"Bearer {alice_api.token}"},
    )
    assert response.status_code == 422
    assert message in field_errors(response)[field]


def test_a_file_that_is_not_json_is_refused(alice_api):
    response = alice_api.client.post(
        "/api/v1/import",
        data={"file": (io.BytesIO(b"{not json"), "x.json"), "dry_run": "false"},
        headers={"Authorization": f"Bearer {alice_api.token}"},
    )
    assert response.status_code == 422
    assert field_errors(response)["file"].startswith("The file is not valid JSON")


# --- property: any account survives the round trip ----------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=30)
NAME = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Z")), min_size=1, max_size=20
)
INSTANTS = st.datetimes(datetime(2001, 1, 1), datetime(2026, 1, 1), timezones=st.just(UTC))
ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
RATING = st.none() | st.integers(1, 5)


@st.composite
def accounts(draw):
    """A random account: everything the export holds, with references between the parts."""
    names = lambda n: draw(st.lists(NAME, max_size=n, unique_by=str.casefold))  # noqa: E731
    return {
        "zone": draw(ZONES),
        "rollover": draw(st.integers(0, 6)),
        "instruments": names(3),
        "tags": names(4),
        "skills": [(n, draw(st.sampled_from(["scale", "theory", "other"]))) for n in names(3)],
        "pieces": [
            (
                title,
                draw(st.lists(st.tuples(NAME, st.integers(1, 50), st.integers(0, 20)), max_size=3)),
                draw(st.lists(INSTANTS, max_size=2)),
            )
            for title in names(3)
        ],
        "goals": draw(
            st.lists(st.tuples(NAME, st.lists(TEXT.filter(bool), max_size=3)), max_size=3)
        ),
        "sessions": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "started_at": INSTANTS,
                        "practice_shift": st.integers(-1, 0),
                        "timezone": ZONES,
                        "duration_minutes": st.integers(1, 600),
                        "notes": TEXT,
                        "next_time": TEXT,
                        "mood": RATING,
                        "quality": RATING,
                        "mode": st.sampled_from(["normal", "slow", "performance"]),
                        "private": st.booleans(),
                        "items": st.lists(st.tuples(st.integers(0, 9), st.booleans()), max_size=3),
                        "tags": st.lists(st.integers(0, 9), max_size=3, unique=True),
                        "goals": st.lists(st.integers(0, 9), max_size=2, unique=True),
                        "evidence": st.lists(TEXT.filter(bool), max_size=2),
                        "revisions": st.lists(st.sampled_from(["self", None]), max_size=2),
                    }
                ),
                max_size=5,
            )
        ),
        "notifications": draw(st.lists(st.tuples(NAME, st.none() | INSTANTS), max_size=2)),
    }


def build(persona, spec) -> None:
    from woodshed.goals.models import Goal, GoalChecklistItem
    from woodshed.journal.models import Evidence, SessionItem, SessionRevision, Tag
    from woodshed.notify.models import Notification
    from woodshed.profiles.models import Instrument
    from woodshed.repertoire.models import Piece, PieceStatusChange, Section, Skill

    profile = persona.profile
    profile.timezone, profile.day_rollover_hour = spec["zone"], spec["rollover"]
    add = db.session.add
    instruments = [
        Instrument(profile_id=profile.id, name=n, position=i)
        for i, n in enumerate(spec["instruments"])
    ]
    tags = [Tag(profile_id=profile.id, name=n, key=n.casefold()) for n in spec["tags"]]
    skills = [Skill(profile_id=profile.id, name=n, category=c) for n, c in spec["skills"]]
    db.session.add_all(instruments + tags + skills)
    pieces, sections = [], []
    for title, parts, changes in spec["pieces"]:
        piece = Piece(profile_id=profile.id, title=title, instrument_id=None)
        add(piece)
        db.session.flush()
        pieces.append(piece)
        for name, start, length in parts:
            section = Section(
                piece_id=piece.id,
                profile_id=profile.id,
                name=name,
                bar_start=start,
                bar_end=start + length,
            )
            add(section)
            sections.append(section)
        for when in changes:
            add(
                PieceStatusChange(
                    piece_id=piece.id, from_status="wishlist", to_status="learning", changed_at=when
                )
            )
    db.session.flush()
    goals = []
    for i, (title, checklist) in enumerate(spec["goals"]):
        goal = Goal(
            profile_id=profile.id,
            title=title,
            piece_id=pieces[i % len(pieces)].id if pieces else None,
            skill_id=skills[i % len(skills)].id if skills else None,
        )
        add(goal)
        db.session.flush()
        goals.append(goal)
        for j, text in enumerate(checklist):
            add(GoalChecklistItem(goal_id=goal.id, text=text[:200], position=j, done=j % 2 == 0))
    for s in spec["sessions"]:
        session = PracticeSession(
            profile_id=profile.id,
            started_at=s["started_at"],
            practice_date=s["started_at"].date() + timedelta(days=s["practice_shift"]),
            timezone=s["timezone"],
            duration_minutes=s["duration_minutes"],
            instrument_id=instruments[0].id if instruments else None,
            notes=s["notes"],
            next_time=s["next_time"],
            mood=s["mood"],
            quality=s["quality"],
            mode=s["mode"],
            private=s["private"],
        )
        things = (
            [(p, None) for p in pieces]
            + [(x.piece, x) for x in sections]
            + [(None, k) for k in skills]
        )
        for pos, (pick, run) in enumerate(s["items"]):
            if not things:
                break
            a, b = things[pick % len(things)]
            if isinstance(b, Skill):
                session.items.append(SessionItem(position=pos, skill_id=b.id, minutes=pos))
            else:
                session.items.append(
                    SessionItem(
                        position=pos,
                        piece_id=a.id,
                        section_id=b.id if b else None,
                        bar_start=b.bar_start if b else None,
                        bar_end=b.bar_end if b else None,
                        run_through=run,
                    )
                )
        session.tags = (
            list({id(t): t for t in (tags[i % len(tags)] for i in s["tags"])}.values())
            if tags
            else []
        )
        session.goals = (
            list({id(g): g for g in (goals[i % len(goals)] for i in s["goals"])}.values())
            if goals
            else []
        )
        session.evidence = [
            Evidence(kind="note", text=t, position=i) for i, t in enumerate(s["evidence"])
        ]
        add(session)
        db.session.flush()
        for i, editor in enumerate(s["revisions"]):
            add(
                SessionRevision(
                    session_id=session.id,
                    changed_at=s["started_at"] + timedelta(days=i + 1),
                    editor_id=persona.user.id if editor else None,
                    changes={
                        "goal_ids": [[], [str(g.id) for g in session.goals]],
                        "notes": ["", s["notes"]],
                    },
                )
            )
    for title, read in spec["notifications"]:
        add(Notification(profile_id=profile.id, kind="badge", title=title, read_at=read))
    db.session.flush()


@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=accounts())
def test_any_account_survives_export_import_export(app, spec):
    """REL-ROUNDTRIP: generated accounts → export → import into a new account → export."""
    savepoint = db.session.begin_nested()
    try:
        source = newcomer("source", "UTC")
        build(source, spec)
        original = export_of(source.profile)
        target = newcomer("target", "UTC")
        restore_document(target.profile, original)
        assert canonical(export_of(target.profile)) == canonical(original)
    finally:
        savepoint.rollback()


def test_json_nested_too_deeply_inside_an_export_is_a_problem(alice, bob, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    doc = export_of(alice.profile)
    deep: list = []
    for _ in range(500):
        deep = [deep]
    revision = next(s for s in doc["sessions"] if s["revisions"])["revisions"][0]
    revision["changes"]["notes"] = deep
    with pytest.raises(DomainError) as caught:
        restore_document(bob.profile, doc)
    assert "nests too deeply" in caught.value.errors[0].message
