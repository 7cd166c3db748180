"""Who gets the weekly report of a link, and from which week: the rule both the report's
delivery (`reports.delivery`) and the child's weekly summary (`notify.messages`, which
leaves out the guardians the report reaches) ask. Below both, so neither imports the other."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from woodshed.db import db
from woodshed.family.services import email_recipients
from woodshed.teaching.models import Link


def covers(link: Link, week: date) -> bool:
    """Whether the link was accepted before `week` ended (its reports start after that)."""
    assert link.accepted_at is not None
    return link.profile.today(link.accepted_at) < week + timedelta(days=7)


def reported(link: Link) -> bool:
    """A teacher's link with `reports:read`; a guardian's of a child, once they allowed
    email about the child."""
    if link.accepted_at is None or not link.active:
        return False
    if link.kind == "guardian":
        return link.profile.is_child and link.user.email in email_recipients(link.profile)
    return "reports:read" in link.scopes


def guardians_reported(profile, week: date) -> set[str]:
    """The addresses of the child's guardians who get its report for `week` by email."""
    links = db.session.scalars(
        sa.select(Link).where(Link.profile_id == profile.id, Link.kind == "guardian")
    )
    return {link.user.email for link in links if reported(link) and covers(link, week)}
