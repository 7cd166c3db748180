"""Skills, goals and resources for the journal's tests (their own features add factories)."""

from __future__ import annotations

from woodshed import search
from woodshed.db import db
from woodshed.goals.models import Goal
from woodshed.library.models import Resource
from woodshed.library.services import search_document
from woodshed.repertoire.models import Skill


def skill(profile, name: str = "Scales in thirds", **fields) -> Skill:
    row = Skill(profile_id=profile.id, name=name, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def goal(profile, title: str = "Cadenza at tempo", **fields) -> Goal:
    row = Goal(profile_id=profile.id, title=title, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def resource(profile, title: str, text: str = "", url: str | None = None) -> Resource:
    """A library entry, indexed for search the way the library feature indexes it."""
    row = Resource(profile_id=profile.id, kind="link" if url else "note", title=title, url=url)
    row.text = text
    db.session.add(row)
    db.session.flush()
    search.index(search_document(row))
    db.session.flush()
    return row
