"""Objects alice owns, for teaching's cells of the route access matrix."""

from types import SimpleNamespace

from tests.teaching.helpers import make_link, make_teacher
from woodshed.db import db, utcnow
from woodshed.teaching import services
from woodshed.teaching.models import Invite


def _link(alice):
    """The link of alice's teacher to her journal (alice is a side of it)."""
    return make_link(make_teacher("tamsin"), alice)


def _invite(alice):
    """An invitation alice made (as she did when she taught)."""
    invite = Invite(
        user_id=alice.user.id,
        code_hash=services.hash_token(services.new_code()),
        scopes=["sessions:read"],
        expires_at=utcnow() + services.timedelta(days=1),
    )
    db.session.add(invite)
    db.session.flush()
    return invite


def _code(alice):
    """A teacher's open invitation code (a value, not a row)."""
    teacher = make_teacher("toby")
    code = services.new_code()
    db.session.add(
        Invite(
            user_id=teacher.user.id,
            code_hash=services.hash_token(code),
            scopes=["sessions:read"],
            expires_at=utcnow() + services.timedelta(days=1),
        )
    )
    db.session.flush()
    return SimpleNamespace(id=code)


BUILDERS = {"link_id": _link, "invite_id": _invite, "code": _code}
