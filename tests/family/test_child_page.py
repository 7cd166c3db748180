"""A child's page for the guardian: which teachers see the child, what they may do and
since when, ended from there; the same links in `GET /api/v1/links`."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

from tests.clients import ApiClient, page_text
from tests.factories import make_persona
from tests.family.helpers import add_guardian, make_child
from tests.teaching.helpers import make_teacher
from woodshed.db import db
from woodshed.teaching.models import Link

SINCE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _teach(teacher, child, scopes, guardian, ended=False) -> Link:
    link = Link(
        kind="teacher",
        user_id=teacher.user.id,
        profile_id=child.id,
        scopes=scopes,
        accepted_by=guardian.user.id,
        accepted_at=SINCE,
        ended_at=SINCE if ended else None,
    )
    db.session.add(link)
    db.session.flush()
    return link


def test_the_childs_page_lists_its_teachers_with_scopes_and_since_when(app, alice, alice_web, bob):
    mia, leo = make_child(alice, "Mia"), make_child(alice, "Leo")
    tess, otto, fred = make_teacher("tess"), make_teacher("otto"), make_teacher("fred")
    _teach(tess, mia, ["sessions:read", "assignments:write"], alice)
    _teach(otto, leo, ["sessions:read"], alice)  # Leo's teacher, not Mia's
    _teach(fred, mia, ["sessions:read"], alice, ended=True)  # no longer sees her

    page = alice_web.get(f"/family/children/{mia.id}")

    assert page.status_code == 200
    text = page_text(page)
    assert "Teachers who see Mia" in text
    assert "Tess" in text
    assert "read their journal entries (never the ones they mark private)" in text
    assert "set them assignments" in text
    assert "comment on their entries" not in text  # not a scope Tess was given
    assert "Mon, 2 Nov 2026" in text
    assert "Otto" not in text
    assert "Keeping this profile — by Alice" in unescape(text)  # the consent on record
    assert "Fred" not in text
    # The Family page leads there.
    assert f"/family/children/{mia.id}" in alice_web.get("/family").get_data(as_text=True)
    # Nobody else's child: a 404, like a child that does not exist.
    bob_web = app.test_client()
    bob_web.sign_in(bob)
    assert bob_web.get(f"/family/children/{mia.id}").status_code == 404
    assert bob_web.get(f"/family/children/{bob.profile.id}").status_code == 404


def test_a_guardian_ends_a_teachers_link_from_the_childs_page(app, alice, alice_web):
    mia = make_child(alice, "Mia")
    tess = make_teacher("tess")
    link = _teach(tess, mia, ["sessions:read"], alice)
    tess_api = ApiClient.for_user(app, tess.user)
    assert tess_api.get(f"/api/v1/sessions?profile_id={mia.id}").status_code == 200

    ended = alice_web.submit(f"/links/{link.id}/end")

    assert ended.status_code == 302
    assert ended.headers["Location"].endswith(f"/family/children/{mia.id}")
    text = unescape(page_text(alice_web.get(f"/family/children/{mia.id}")))
    assert "Tess no longer sees Mia's journal." in text
    assert "No teacher sees Mia" in text
    db.session.refresh(link)
    assert link.ended_at is not None
    assert link.ended_by == alice.user.id
    assert tess_api.get(f"/api/v1/sessions?profile_id={mia.id}").status_code == 404


def test_the_links_api_lists_the_childrens_teachers_to_each_guardian_only(app, alice, bob):
    mia = make_child(alice, "Mia")
    add_guardian(mia, alice, bob)  # bob, her second guardian, sees and ends them too
    tess = make_teacher("tess")
    link = _teach(tess, mia, ["sessions:read", "reports:read"], alice)
    gwen = make_persona("gwen")  # another family's guardian
    make_child(gwen, "Leo")

    for guardian in (alice, bob):
        api = ApiClient.for_user(app, guardian.user)
        items = api.get("/api/v1/links?limit=100").get_json()["items"]
        teachers = [i for i in items if i["kind"] == "teacher"]
        assert [(i["id"], i["teacher"]["display_name"], i["profile"]["id"]) for i in teachers] == [
            (str(link.id), "Tess", str(mia.id))
        ]
        assert teachers[0]["scopes"] == ["sessions:read", "reports:read"]
    gwen_api = ApiClient.for_user(app, gwen.user)
    assert all(i["kind"] == "guardian" for i in gwen_api.get("/api/v1/links").get_json()["items"])
    assert gwen_api.delete(f"/api/v1/links/{link.id}").status_code == 404

    bob_api = ApiClient.for_user(app, bob.user)
    assert bob_api.delete(f"/api/v1/links/{link.id}").status_code == 204
    db.session.refresh(link)
    assert link.ended_by == bob.user.id
    # An ended link stays listed (status "ended"), as for the musician and the teacher.
    (row,) = [i for i in bob_api.get("/api/v1/links").get_json()["items"] if i["kind"] == "teacher"]
    assert row["status"] == "ended"
