"""Stored files: per profile, safe names, and gone with the account (erasure)."""

import pytest

from woodshed.accounts.models import User
from woodshed.db import db
from woodshed.storage import LocalStorage, StoredFile, check_name, storage


def test_files_are_saved_listed_opened_and_deleted_per_profile(app, alice, bob):
    files = storage()
    saved = files.save(alice.profile, "recordings/take-1.webm", b"abc")
    assert saved == StoredFile(
        "recordings/take-1.webm",
        3,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    )
    files.save(bob.profile, "recordings/take-1.webm", b"bob's")
    with files.open(alice.profile, "recordings/take-1.webm") as stream:
        assert stream.read() == b"abc"
    assert [f.name for f in files.list(alice.profile)] == ["recordings/take-1.webm"]
    assert files.delete(alice.profile, "recordings/take-1.webm") is True
    assert files.delete(alice.profile, "recordings/take-1.webm") is False
    assert files.list(alice.profile) == []
    assert files.list(bob.profile)[0].size == 5


def test_saving_streams_a_file_object(app, alice, tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * (3 * 1024 * 1024 + 7))
    with source.open("rb") as stream:
        saved = storage().save(alice.profile, "big.bin", stream)
    assert saved.size == 3 * 1024 * 1024 + 7


@pytest.mark.parametrize(
    "name", ["../escape", "/etc/passwd", "a/../../b", "", ".hidden", "a//b", "a\\b", "x" * 200]
)
def test_names_that_could_escape_the_profile_folder_are_refused(name):
    with pytest.raises(ValueError, match="Not a valid storage name"):
        check_name(name)


def test_delete_all_removes_every_file_of_one_profile(tmp_path, alice, bob):
    files = LocalStorage(tmp_path)
    files.save(alice.profile, "a.txt", b"1")
    files.save(alice.profile, "deep/b.txt", b"2")
    files.save(bob.profile, "a.txt", b"3")
    assert files.delete_all(alice.profile) == 2
    assert files.list(alice.profile) == []
    assert len(files.list(bob.profile)) == 1
    assert files.delete_all(alice.profile) == 0


def test_the_erasure_page_offers_the_export_first(alice_web):
    for response in (
        alice_web.get("/settings/delete"),
        alice_web.submit("/settings/delete", {"confirm_email": "not-me@example.org"}),
    ):
        html = response.get_data(as_text=True)
        assert 'href="/api/v1/export" download>download everything as JSON</a>' in html
        assert html.index("download everything as JSON") < html.index('action="/settings/delete"')


def test_erasing_an_account_removes_its_stored_files(alice_web, alice, bob):
    storage().save(alice.profile, "recordings/take.webm", b"audio")
    storage().save(bob.profile, "recordings/take.webm", b"audio")
    alice_profile, alice_id, bob_profile = alice.profile.id, alice.user.id, bob.profile.id
    response = alice_web.submit("/settings/delete", {"confirm_email": alice.email})
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(User, alice_id) is None
    assert storage().list(alice_profile) == []
    assert len(storage().list(bob_profile)) == 1


def test_a_refused_erasure_keeps_the_files(alice_web, alice):
    storage().save(alice.profile, "recordings/take.webm", b"audio")
    response = alice_web.submit("/settings/delete", {"confirm_email": "not-me@example.org"})
    assert response.status_code == 422
    assert len(storage().list(alice.profile)) == 1
    # A later successful request in another session does not delete them by accident.
    alice_web.get("/settings/data")
    assert len(storage().list(alice.profile)) == 1


def test_files_go_only_when_the_erasure_is_committed(app, alice, bob):
    from woodshed.data.services import forget_files_on_erasure

    storage().save(alice.profile, "a.txt", b"1")
    storage().save(bob.profile, "b.txt", b"2")
    alice_profile, bob_profile = alice.profile.id, bob.profile.id
    forget_files_on_erasure(app, user=alice.user)
    db.session.rollback()  # the erasure failed later on: nothing was erased
    db.session.commit()
    assert len(storage().list(alice_profile)) == 1
    forget_files_on_erasure(app, user=db.session.get(User, bob.user.id) or bob.user)
    db.session.commit()
    assert storage().list(bob_profile) == []
