"""Importing a spreadsheet: preview, problems, commit all-or-nothing, no duplicates."""

import io
import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.clients import field_errors, page_text
from tests.data.rows import make_piece, make_section, make_skill
from tests.factories import make_instrument
from woodshed.data.models import ImportMapping, PendingImport
from woodshed.db import db
from woodshed.journal.models import PracticeSession, Tag
from woodshed.journal.schemas import SessionQuery
from woodshed.journal.services import list_sessions
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.storage import storage

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LOG = (
    b"Date;Time;Minutes;Instrument;Piece;Section;Skill;Tags;Notes;Mood\r\n"
    b"05/03/2026;18:30;45;piano;nocturne op. 9/2;A section;;Left hand, trills;Slow;4\r\n"
    b"06/03/2026;01:30;1:30;Piano;Nocturne op. 9/2;33-40;;;late night;\r\n"
    b"07/03/2026;;1h15m;Violin;;;Vibrato;Tone;;5\r\n"
)


def sessions_of(profile) -> list[PracticeSession]:
    return list(
        db.session.scalars(
            sa.select(PracticeSession)
            .where(PracticeSession.profile_id == profile.id)
            .order_by(PracticeSession.started_at)
        )
    )


def post_import(api, raw: bytes, filename: str = "log.csv", **form):
    return api.client.post(
        "/api/v1/import",
        data={"file": (io.BytesIO(raw), filename), **form},
        headers={"Authorization": f"Bearer {api.token}"},
    )


@pytest.fixture
def repertoire(alice):
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Nocturne op. 9/2")
    section = make_section(piece, "A section", 1, 12)
    return piano, piece, section


def test_a_dry_run_guesses_the_mapping_and_previews_rows_as_stored(
    alice_api, alice, repertoire, frozen_clock
):
    frozen_clock(NOW)
    response = post_import(alice_api, LOG)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["committed"] is False
    assert body["problems"] == []
    assert body["mapping"] == {
        "Date": "date",
        "Time": "time",
        "Minutes": "duration_minutes",
        "Instrument": "instrument",
        "Piece": "piece",
        "Section": "section",
        "Skill": "skill",
        "Tags": "tags",
        "Notes": "notes",
        "Mood": "mood",
    }
    first, late, dateless = body["preview"]
    assert (first["piece"], first["section"], first["instrument"]) == (
        "Nocturne op. 9/2",
        "A section",
        "Piano",  # matched ignoring case, stored spelling
    )
    assert first["new"] == ["tag:Left hand", "tag:trills"]
    assert late["practice_date"] == "2026-03-05"  # 01:30 is before the 04:00 rollover
    assert (first["bars"], late["bars"]) == ("1-12", "33-40")  # the section's, the typed ones
    assert dateless["date_only"] is True
    assert dateless["practice_date"] == "2026-03-07"
    assert dateless["started_at"] == "2026-03-07T11:00:00Z"  # noon in Berlin
    assert set(dateless["new"]) == {"instrument", "skill", "tag:Tone"}
    assert body["creates"] == {
        "instruments": ["Violin"],
        "skills": ["Vibrato"],
        "tags": ["Left hand", "trills", "Tone"],
    }
    assert sessions_of(alice.profile) == []


def test_an_option_sent_twice_is_refused_and_nothing_is_stored(alice_api, alice):
    response = post_import(alice_api, LOG, dry_run=["false", "true"])
    assert response.status_code == 422
    assert field_errors(response) == {"dry_run": "Send this field once."}
    assert sessions_of(alice.profile) == []


def test_committing_stores_every_row_with_practice_dates_tags_and_search(
    alice_api, alice, repertoire, frozen_clock
):
    frozen_clock(NOW)
    piano, piece, section = repertoire
    response = post_import(alice_api, LOG, dry_run="false")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == {
        "sessions": 3,
        "skipped": 0,
        "instruments": 1,
        "pieces": 0,
        "sections": 0,
        "skills": 1,
        "tags": 3,
    }
    first, late, dateless = sessions_of(alice.profile)
    assert first.started_at == datetime(2026, 3, 5, 17, 30, tzinfo=UTC)
    assert (first.practice_date, first.timezone, first.duration_minutes) == (
        date(2026, 3, 5),
        "Europe/Berlin",
        45,
    )
    assert first.instrument_id == piano.id
    assert [(i.piece_id, i.section_id) for i in first.items] == [(piece.id, section.id)]
    assert sorted(first.tag_names) == ["Left hand", "trills"]
    assert first.mood == 4
    assert late.practice_date == date(2026, 3, 5)
    assert (late.items[0].bar_start, late.items[0].bar_end) == (33, 40)
    assert dateless.practice_date == date(2026, 3, 7)
    assert dateless.duration_minutes == 75
    assert dateless.items[0].skill.name == "Vibrato"
    rows, _ = list_sessions(alice.profile, SessionQuery(q="late"))
    assert rows == [late]


def test_importing_the_same_file_twice_adds_nothing(alice_api, alice, repertoire, frozen_clock):
    frozen_clock(NOW)
    assert post_import(alice_api, LOG, dry_run="false").status_code == 200
    again = post_import(alice_api, LOG)
    assert again.get_json()["duplicates"] == 3
    assert all(r["duplicate"] for r in again.get_json()["preview"])
    second = post_import(alice_api, LOG, dry_run="false")
    assert second.get_json()["created"]["sessions"] == 0
    assert second.get_json()["created"]["skipped"] == 3
    assert len(sessions_of(alice.profile)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tag)) == 3


def test_the_same_rows_with_other_separators_and_encoding_are_still_duplicates(
    alice_api, alice, repertoire, frozen_clock
):
    frozen_clock(NOW)
    post_import(alice_api, LOG, dry_run="false")
    as_tabs = b"\xef\xbb\xbf" + LOG.replace(b";", b"\t").replace(b"\r\n", b"\n")
    response = post_import(alice_api, as_tabs, dry_run="false")
    assert response.get_json()["created"]["sessions"] == 0


def test_identical_rows_in_one_file_are_both_imported_once(alice_api, alice, frozen_clock):
    frozen_clock(NOW)
    raw = b"date,minutes\n2026-03-05,30\n2026-03-05,30\n"
    assert post_import(alice_api, raw, dry_run="false").get_json()["created"]["sessions"] == 2
    assert post_import(alice_api, raw, dry_run="false").get_json()["created"]["sessions"] == 0
    assert len(sessions_of(alice.profile)) == 2


def test_deleting_an_imported_session_lets_the_file_bring_it_back(alice_api, alice, frozen_clock):
    from woodshed.journal.services import delete_session

    frozen_clock(NOW)
    raw = b"date,minutes\n2026-03-05,30\n2026-03-06,40\n"
    post_import(alice_api, raw, dry_run="false")
    delete_session(sessions_of(alice.profile)[0])
    assert post_import(alice_api, raw, dry_run="false").get_json()["created"]["sessions"] == 1


BAD = (
    b"date,minutes,mood,quality,piece\n"
    b"2026-03-01,45,3,,Etude\n"
    b"31/02/2026,-10,9,0,\n"
    b"2026-03-02,,3,2,\n"
    b"2099-01-01,20,,,\n"
)


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_stored(
    alice_api, alice, frozen_clock
):
    frozen_clock(NOW)
    dry = post_import(alice_api, BAD)
    assert dry.status_code == 200
    problems = {(p["row"], p["column"]): p["message"] for p in dry.get_json()["problems"]}
    assert problems == {
        (3, "date"): "There is no such date: 31/02/2026.",
        (3, "minutes"): "The duration cannot be negative.",
        (3, "mood"): "Rate from 1 to 5.",
        (3, "quality"): "Rate from 1 to 5.",
        (4, "minutes"): "The duration is missing.",
        (5, "date"): "This is in the future.",
    }
    response = post_import(alice_api, BAD, dry_run="false")
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["rows.3.duration_minutes"] == "Column “minutes”: The duration cannot be negative."
    assert errors["rows.5.date"] == "Column “date”: This is in the future."
    assert sessions_of(alice.profile) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Piece)) == 0


def test_a_missing_required_column_is_a_problem(alice_api, frozen_clock):
    frozen_clock(NOW)
    body = post_import(alice_api, b"date,notes\n2026-03-01,hi\n").get_json()
    assert body["problems"] == [
        {
            "row": None,
            "column": None,
            "field": "duration_minutes",
            "message": "Map a column to Duration: it is required.",
        }
    ]
    response = post_import(alice_api, b"date,notes\n2026-03-01,hi\n", dry_run="false")
    assert response.status_code == 422
    assert "duration_minutes" in field_errors(response)


def test_an_unknown_encoding_is_a_problem_not_a_crash(alice_api):
    raw = "Datum;Minuten\n05.03.2026;45 – Übung\n".encode("cp1252")
    body = post_import(alice_api, raw).get_json()
    assert body["problems"][0]["field"] == "file"
    assert "not UTF-8 text" in body["problems"][0]["message"]
    assert post_import(alice_api, raw, dry_run="false").status_code == 422


def test_the_date_order_decides_ambiguous_dates(alice_api, alice, frozen_clock):
    frozen_clock(NOW)
    raw = b"date,minutes\n03/02/2026,30\n"
    dmy = post_import(alice_api, raw).get_json()["preview"][0]["practice_date"]
    mdy = post_import(alice_api, raw, date_order="MDY").get_json()["preview"][0]["practice_date"]
    assert (dmy, mdy) == ("2026-02-03", "2026-03-02")


def test_an_explicit_mapping_is_used_and_saved_for_next_time(alice_api, alice, frozen_clock):
    frozen_clock(NOW)
    raw = b"When,Length,Remarks\n03/02/2026,30,ok\n"
    mapping = {"When": "date", "Length": "duration_minutes", "Remarks": ""}
    response = post_import(
        alice_api, raw, mapping=json.dumps(mapping), date_order="MDY", dry_run="false"
    )
    assert response.status_code == 200, response.get_json()
    assert sessions_of(alice.profile)[0].notes == ""
    saved = db.session.scalar(sa.select(ImportMapping))
    assert (saved.mapping, saved.date_order) == (
        {"When": "date", "Length": "duration_minutes"},
        "MDY",
    )
    later = post_import(alice_api, b"When,Length,Notes\n02/01/2026,20,hi\n").get_json()
    assert later["mapping"] == {"When": "date", "Length": "duration_minutes", "Notes": "notes"}
    assert later["date_order"] == "MDY"
    assert later["preview"][0]["practice_date"] == "2026-02-01"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("not json", "Send a JSON object"),
        ('["date"]', "Send a JSON object"),
        ('{"When": "when"}', "Unknown field 'when'"),
    ],
)
def test_a_malformed_mapping_is_refused(alice_api, mapping, message):
    response = post_import(alice_api, b"When,Length\n1,2\n", mapping=mapping)
    assert response.status_code == 422
    assert message in field_errors(response)["mapping"]


def test_names_are_matched_only_within_the_musicians_own_things(
    alice_api, alice, bob, frozen_clock
):
    frozen_clock(NOW)
    bobs_piece = make_piece(bob.profile, "Etude")
    make_skill(bob.profile, "Scales")
    raw = b"date,minutes,piece,skill\n2026-03-01,30,etude,scales\n"
    assert post_import(alice_api, raw, dry_run="false").status_code == 200
    (session,) = sessions_of(alice.profile)
    piece_ids = {i.piece_id for i in session.items if i.piece_id}
    assert bobs_piece.id not in piece_ids
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Piece).where(Piece.profile_id == bob.profile.id)
        )
        == 1
    )
    assert sessions_of(bob.profile) == []
    assert {
        p.title
        for p in db.session.scalars(sa.select(Piece).where(Piece.profile_id == alice.profile.id))
    } == {"etude"}


def test_an_unknown_section_needs_its_bars_to_be_created(
    alice_api, alice, repertoire, frozen_clock
):
    frozen_clock(NOW)
    raw = (
        b"date,minutes,piece,section\n"
        b"2026-03-01,30,Nocturne op. 9/2,Coda\n"
        b"2026-03-02,30,Nocturne op. 9/2,Coda (bars 29-34)\n"
        b"2026-03-03,30,New piece,Intro (bars 1-4)\n"
    )
    problems = post_import(alice_api, raw).get_json()["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(2, "section")]
    assert "has no section “Coda”" in problems[0]["message"]
    fixed = raw.replace(b",Coda\n", b",A section\n")
    body = post_import(alice_api, fixed, dry_run="false").get_json()
    assert body["created"]["sections"] == 2
    assert body["created"]["pieces"] == 1
    names = {(s.name, s.bar_start, s.bar_end) for s in db.session.scalars(sa.select(Section))}
    assert {("Coda", 29, 34), ("Intro", 1, 4)} <= names
    assert db.session.scalar(sa.select(Skill).limit(1)) is None


def test_a_file_over_the_import_limit_is_refused_with_413(make_app, alice, frozen_clock):
    from tests.clients import ApiClient

    app = make_app(IMPORT_MAX_BYTES=1024)
    with app.app_context():
        api = ApiClient.for_user(app, alice.user)
        raw = b"date,minutes\n" + b"2026-03-01,30\n" * 200
        response = post_import(api, raw)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "larger than" in response.get_json()["detail"]


def test_a_request_over_the_app_limit_is_refused_with_413(make_app, alice):
    from tests.clients import ApiClient

    app = make_app(MAX_CONTENT_LENGTH=2048, IMPORT_MAX_BYTES=1024 * 1024)
    with app.app_context():
        api = ApiClient.for_user(app, alice.user)
        response = post_import(api, b"x" * 5000)
    assert response.status_code == 413


def test_a_request_without_a_file_says_so(alice_api):
    response = alice_api.client.post(
        "/api/v1/import",
        data={"dry_run": "true"},
        headers={"Authorization": f"Bearer {alice_api.token}"},
    )
    assert response.status_code == 422
    assert field_errors(response) == {"file": "Choose a file to upload."}


def test_importing_costs_the_same_statements_for_few_rows_or_many(app, alice, bob, frozen_clock):
    """PERF-QUERIES: names and fingerprints are looked up in bulk, rows written in batches."""
    from tests.data.test_export import _count_statements
    from woodshed.data import services

    frozen_clock(NOW)

    def log(n):
        lines = [
            f"2026-0{1 + i % 2}-{1 + i % 28:02d},{1 + i},Piece {i % 3},t{i % 4}" for i in range(n)
        ]
        return ("date,minutes,piece,tags\n" + "\n".join(lines)).encode()

    few = _count_statements(app, lambda: services.commit_import(alice.profile, log(4)))
    many = _count_statements(app, lambda: services.commit_import(bob.profile, log(300)))
    assert many == few


# --- pages ------------------------------------------------------------------------------


def test_the_upload_preview_and_commit_pages(alice_web, alice, repertoire, frozen_clock):
    frozen_clock(NOW)
    response = alice_web.submit(
        "/settings/data/import",
        {"file": (io.BytesIO(BAD), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    pending = db.session.scalar(sa.select(PendingImport))
    assert response.headers["Location"] == f"/settings/data/imports/{pending.id}"
    assert storage().exists(alice.profile, pending.stored_name)
    page = alice_web.get(response.headers["Location"])
    text = page_text(page)
    assert "6 problems to fix" in text
    assert "The duration cannot be negative." in text
    # Fixing the mapping: ignore the broken columns — the rows still have bad values.
    commit = alice_web.submit(
        f"/settings/data/imports/{pending.id}/commit",
        {
            "header": ["date", "minutes", "mood", "quality", "piece"],
            "column-0": "date",
            "column-1": "duration_minutes",
            "column-2": "",
            "column-3": "",
            "column-4": "piece",
            "date_order": "DMY",
            "save_mapping": "true",
        },
    )
    assert commit.status_code == 422
    assert "Rate from 1 to 5." not in page_text(commit)  # mood is ignored now
    assert "The duration cannot be negative." in page_text(commit)
    assert sessions_of(alice.profile) == []


def test_the_preview_writes_bars_as_every_page_does(alice_web, alice_api, repertoire):
    log = (
        b"Date;Minutes;Piece;Section\r\n"
        b"05/03/2026;30;Nocturne op. 9/2;33-40\r\n"
        b"06/03/2026;30;Nocturne op. 9/2;12\r\n"
    )
    rows = post_import(alice_api, log).get_json()["preview"]
    assert [r["bars"] for r in rows] == ["33-40", "12"]  # the API's form, one bar as one number
    response = alice_web.submit(
        "/settings/data/import", {"file": (io.BytesIO(log), "log.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    text = page_text(alice_web.get(response.headers["Location"]))
    assert "Nocturne op. 9/2, bars 33–40" in text
    assert "Nocturne op. 9/2, bars 12 " in text + " "
    assert "12-12" not in text


def test_a_good_file_commits_from_the_page_and_the_upload_is_removed(
    alice_web, alice, repertoire, frozen_clock
):
    frozen_clock(NOW)
    response = alice_web.submit(
        "/settings/data/import",
        {"file": (io.BytesIO(LOG), "log.csv")},
        content_type="multipart/form-data",
    )
    pending = db.session.scalar(sa.select(PendingImport))
    page = alice_web.get(response.headers["Location"])
    assert "Import 3 sessions" in page_text(page)
    assert 'value="duration_minutes" selected' in page.get_data(as_text=True)
    done = alice_web.submit(
        f"/settings/data/imports/{pending.id}/commit",
        {
            "header": LOG.decode().split("\r\n")[0].split(";"),
            "date_order": "DMY",
            **{
                f"column-{i}": f
                for i, f in enumerate(
                    [
                        "date",
                        "time",
                        "duration_minutes",
                        "instrument",
                        "piece",
                        "section",
                        "skill",
                        "tags",
                        "notes",
                        "mood",
                    ]
                )
            },
        },
    )
    assert done.status_code == 302
    assert len(sessions_of(alice.profile)) == 3
    assert db.session.scalar(sa.select(PendingImport)) is None
    assert storage().list(alice.profile) == []
    assert db.session.scalar(sa.select(ImportMapping)) is None  # the box was not ticked
    assert "Imported 3 sessions." in page_text(alice_web.get(done.headers["Location"]))


def test_an_upload_can_be_cancelled(alice_web, alice):
    alice_web.submit(
        "/settings/data/import",
        {"file": (io.BytesIO(LOG), "log.csv")},
        content_type="multipart/form-data",
    )
    pending = db.session.scalar(sa.select(PendingImport))
    response = alice_web.submit(f"/settings/data/imports/{pending.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(PendingImport)) is None
    assert storage().list(alice.profile) == []


def test_uploading_nothing_re_renders_the_page_with_the_problem(alice_web):
    response = alice_web.submit("/settings/data/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file to upload." in page_text(response)


def test_a_json_export_is_restored_from_the_page(alice, bob, frozen_clock, app):
    from tests.clients import WebClient
    from tests.data.helpers import export_of, fill_account

    frozen_clock(NOW)
    fill_account(alice)
    raw = json.dumps(export_of(alice.profile)).encode()
    bob_web: WebClient = app.test_client()
    bob_web.sign_in(bob)
    response = bob_web.submit(
        "/settings/data/import",
        {"file": (io.BytesIO(raw), "x.json")},
        content_type="multipart/form-data",
    )
    page = bob_web.get(response.headers["Location"])
    assert "Sessions: 2" in page_text(page)
    assert "Restore into my account" in page_text(page)
    pending = db.session.scalar(sa.select(PendingImport))
    done = bob_web.submit(f"/settings/data/imports/{pending.id}/commit")
    assert done.status_code == 302
    assert len(sessions_of(bob.profile)) == 2


def test_bob_cannot_see_or_use_alices_upload(alice, bob, app):
    from tests.factories import make_pending_import

    pending = make_pending_import(alice.profile)
    bob_web = app.test_client()
    bob_web.sign_in(bob)
    assert bob_web.get(f"/settings/data/imports/{pending.id}").status_code == 404
    assert bob_web.submit(f"/settings/data/imports/{pending.id}/commit").status_code == 404
    assert bob_web.submit(f"/settings/data/imports/{pending.id}/delete").status_code == 404
    assert db.session.get(PendingImport, pending.id) is not None
    assert storage().exists(alice.profile, pending.stored_name)
    assert sessions_of(bob.profile) == []


@pytest.mark.parametrize("value", ["0", "yes", "", "maybe"])
def test_form_switches_take_only_true_or_false(alice_api, value):
    response = post_import(alice_api, b"date,minutes\n2026-03-01,30\n", dry_run=value)
    assert response.status_code == 422
    assert field_errors(response) == {"dry_run": "Send true or false."}


def test_hostile_text_in_a_spreadsheet_is_shown_escaped(alice_web, alice, frozen_clock):
    """SEC-XSS: headers, cells and the file name appear as text, never as markup."""
    frozen_clock(NOW)
    raw = (
        b'date,minutes,"<script>alert(1)</script>",piece\n'
        b'2026-03-01,30,x,"<img src=x onerror=alert(2)>"\n'
    )
    response = alice_web.submit(
        "/settings/data/import",
        {"file": (io.BytesIO(raw), "<b>log</b>.csv")},
        content_type="multipart/form-data",
    )
    html = alice_web.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>log</b>" not in html


def test_a_file_with_too_many_columns_is_refused(alice_api):
    raw = (",".join(f"c{i}" for i in range(201)) + "\n" + ",".join("1" * 201) + "\n").encode()
    body = post_import(alice_api, raw).get_json()
    assert body["problems"][0]["message"] == "The file has 201 columns; Woodshed reads at most 200."


def test_a_deeply_nested_json_file_is_refused_not_a_crash(alice_api):
    raw = b'{"format": "woodshed-export", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    response = post_import(alice_api, raw, filename="x.json")
    assert response.status_code == 422
    assert field_errors(response)["file"] == "The file nests too deeply to be an export."


def test_imported_items_and_tags_reach_the_statistics(alice_api, alice, repertoire, frozen_clock):
    """Items and tags are written in bulk, around the flush hooks; the commit rebuilds."""
    frozen_clock(NOW)
    assert post_import(alice_api, LOG, dry_run="false").status_code == 200
    by_piece = alice_api.get("/api/v1/stats/breakdown?by=piece").get_json()["items"]
    assert [(row["label"], row["minutes"]) for row in by_piece] == [("Nocturne op. 9/2", 135)]
    by_tag = alice_api.get("/api/v1/stats/breakdown?by=tag").get_json()["items"]
    assert {row["label"]: row["minutes"] for row in by_tag} == {
        "Left hand": 45,
        "trills": 45,
        "Tone": 75,
    }
