"""The index holds what the imports write: a CSV file's new pieces, sections and skills,
and every kind of object of a restored export."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from tests.data.helpers import export_of, fill_account
from tests.factories import make_persona, make_plan
from woodshed.data.restore import restore_document
from woodshed.search import KINDS
from woodshed.search import services as search_services

LOG = (
    b"Date;Minutes;Piece;Section;Skill;Notes\r\n"
    b"05/03/2026;45;Gymnop\xc3\xa9die No. 1;Opening (bars 1-8);;Slow and even\r\n"
    b"06/03/2026;30;;;Tremolo picking;Metronome at 60\r\n"
)


def test_a_csv_import_indexes_the_pieces_sections_and_skills_it_creates(app, alice_api, alice):
    response = alice_api.client.post(
        "/api/v1/import",
        data={"file": (io.BytesIO(LOG), "log.csv"), "dry_run": "false", "date_order": "DMY"},
        headers={"Authorization": f"Bearer {alice_api.token}"},
    )
    assert response.status_code == 200, response.get_json()
    with app.test_request_context():
        kinds = {g.kind: [h.title for h in g.hits] for g in search_services.grouped(
            alice.profile, "gymnopedie", include_private=True
        )}  # fmt: skip
        assert kinds == {
            "piece": ["Gymnopédie No. 1"],
            "section": ["Gymnopédie No. 1 › Opening"],
        }
        skill = search_services.grouped(alice.profile, "tremolo", include_private=True)
        assert [g.kind for g in skill] == ["skill"]
        notes = search_services.grouped(alice.profile, "metronome", include_private=True)
        assert [g.kind for g in notes] == ["session"]


def test_a_restored_export_is_found_in_every_kind(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    fill_account(alice)  # rows written around the services, like an import
    make_plan(alice.profile)  # "Chopin bootcamp"
    carol = make_persona("carol", timezone="Asia/Tokyo")
    restore_document(carol.profile, export_of(alice.profile))
    with app.test_request_context():
        found = set()
        for word in ("nocturne", "coda", "scales", "72", "trills", "fingering", "chopin"):
            found |= {g.kind for g in search_services.grouped(carol.profile, word, True)}
    assert found == set(KINDS)
