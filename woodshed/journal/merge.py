"""Merging an edit made offline (API or form) into a session, field by field.

An edit made offline carries the version it started from and the values it changed
from (`base`). Against a session that moved on since, each changed field is merged on
its own (a three-way merge):

- the server's value is still the base → the offline value applies;
- the server already has the offline value → nothing to do;
- both sides changed it to different values → a conflict. The later write — by when each
  edit was made on its device (revisions are dated so), not by when it arrived — is the
  live value; the other is kept in a `SyncConflict` row — nothing is lost — until the
  musician chooses.

Lists (tags, items, linked goals, evidence) changed on both sides are merged element by
element (`merge_lists`): what either side added is kept, what one side removed and the
other left alone goes, so two devices adding different tags or items both keep theirs.
An item edited differently on both sides (a tempo changed here, bars there) is kept twice,
once as each side wrote it: nothing is silently lost, and the musician deletes the one
they do not want.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Any

from woodshed.db import db, utcnow
from woodshed.errors import DomainError, PreconditionFailed
from woodshed.journal import services as journal
from woodshed.journal.models import PracticeSession
from woodshed.journal.schemas import ItemIn
from woodshed.profiles.models import MusicianProfile
from woodshed.sync.models import SyncConflict

ITEM_KEYS = tuple(ItemIn.model_fields)


def _canonical(field: str, value: Any) -> Any:
    """A field's value in one comparable form, whether it came as input or as output."""
    if value is None:
        return None
    if field == "started_at":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.timestamp()
    if field == "tags":
        return sorted(str(t).casefold() for t in value)
    if field == "goal_ids":
        return sorted(str(g) for g in value)
    if field == "items":
        return [
            {k: str(item.get(k)) for k in ITEM_KEYS if item.get(k) not in (None, "", False)}
            for item in value
        ]
    if field == "evidence":
        return [{k: e.get(k) or "" for k in ("kind", "url", "text")} for e in value]
    if field == "instrument_id":
        return str(value)
    return value


#: Fields whose value is a collection of elements, merged element by element.
LIST_FIELDS = ("tags", "items", "goal_ids", "evidence")


def _element(field: str, value: Any) -> Hashable:
    """One element of a list field in a comparable form (a tag ignoring case, an item by
    all its values)."""
    if field == "tags":
        return str(value).casefold()
    if field == "goal_ids":
        return str(value)
    return tuple(sorted(_canonical(field, [value])[0].items()))


def _moved(live: int, ours: int) -> int:
    """How far an element's count moves when one side moved it `live` and the other `ours`:
    the same way (or one side left it alone) is the larger move, opposite ways add up."""
    if live * ours >= 0:
        return live if abs(live) >= abs(ours) else ours
    return live + ours


def merge_lists(
    base: Sequence[Any], live: Sequence[Any], ours: Sequence[Any], key=lambda v: v
) -> list[Any]:
    """A three-way merge of a list as a multiset of elements (compared by `key`).

    Each element's count moves by what each side did to it since `base`: the same move
    on both sides counts once (both added a tag: one tag), different moves add up (one
    side added a second copy, the other removed the first: one left). So an element
    either side added is kept, and one removed on one side and left alone on the other
    goes. The order is the live list's, then what only `ours` adds, in its order; each
    element is written as the side it is taken from wrote it."""
    counts = {
        side: Counter(key(v) for v in values)
        for side, values in (("base", base), ("live", live), ("ours", ours))
    }
    wanted: dict[Hashable, int] = {}
    for k in counts["base"].keys() | counts["live"].keys() | counts["ours"].keys():
        b = counts["base"][k]
        dl, do = counts["live"][k] - b, counts["ours"][k] - b
        wanted[k] = max(b + _moved(dl, do), 0)
    merged: list[Any] = []
    for value in [*live, *ours]:
        k = key(value)
        if wanted.get(k, 0) > 0:
            merged.append(value)
            wanted[k] -= 1
    return merged


def _same(field: str, a: Any, b: Any) -> bool:
    return _canonical(field, a) == _canonical(field, b)


def _jsonable(value: Any) -> Any:
    """A value as JSON holds it (ids and times as text)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _last_edit(session: PracticeSession, field: str) -> datetime:
    """When the field's live value was written: its newest revision (dated when the edit
    was made, for edits sent later), or when the entry was logged."""
    for revision in session.revisions:  # newest first
        if field in revision.changes:
            return revision.changed_at
    return session.created_at


def merge_session(
    profile: MusicianProfile,
    session: PracticeSession,
    base_version: int,
    base: dict[str, Any],
    changes: dict[str, Any],
    edited_at: datetime,
    source: str = "another device",
    editor_id: uuid.UUID | None = None,
) -> list[SyncConflict]:
    """Apply an offline edit to `session`, field by field; the conflicts it left."""
    edited_at = min(edited_at, utcnow())
    if session.version == base_version:
        journal.update_session(profile, session, changes, editor_id=editor_id, edited_at=edited_at)
        return []
    if base_version > session.version:
        raise PreconditionFailed(stale_object=session)  # a version the server never had
    missing = [f for f in changes if f not in base]
    if missing:
        raise DomainError({"base": f"Send the value each changed field had: {', '.join(missing)}."})
    live = journal.full_fields(session)
    apply: dict[str, Any] = {}
    kept: list[SyncConflict] = []
    for field, ours in changes.items():
        if _same(field, live[field], base[field]):
            apply[field] = ours
        elif _same(field, live[field], ours):
            continue
        elif field in LIST_FIELDS:
            # Both sides changed the list: each one's additions and removals are kept.
            merged = merge_lists(
                base[field] or [], live[field] or [], ours or [], lambda v, f=field: _element(f, v)
            )
            if not _same(field, merged, live[field]):
                apply[field] = merged
        elif edited_at > _last_edit(session, field):
            apply[field] = ours
            kept.append(_conflict(profile, session, field, ours, live[field], "an earlier edit"))
        else:
            kept.append(_conflict(profile, session, field, live[field], ours, f"{source}, offline"))
    if apply:
        journal.update_session(profile, session, apply, editor_id=editor_id, edited_at=edited_at)
    db.session.add_all(kept)
    db.session.flush()
    return kept


def _conflict(profile, session, field, live_value, other_value, source) -> SyncConflict:
    return SyncConflict(
        profile_id=profile.id,
        object_type="session",
        object_id=session.id,
        field=field,
        live_value=_jsonable(live_value),
        other_value=_jsonable(other_value),
        other_source=source[:120],
        created_at=utcnow(),
    )


def base_json(fields: dict[str, Any]) -> str:
    """An entry's fields (`services.full_fields`) as the edit form carries them."""
    return json.dumps(_jsonable(fields), separators=(",", ":"))


def read_base(text: str | None) -> dict[str, Any] | None:
    """The form's `base`, or None when it is missing or not what `base_json` wrote."""
    if not text:
        return None
    try:
        base = json.loads(text)
    except ValueError:
        return None
    return base if isinstance(base, dict) and "duration_minutes" in base else None


def read_time(text: str | None) -> datetime:
    """When a form was saved on the device (`edited_at`, set by the offline app); now
    when missing, unreadable or in the future."""
    now = utcnow()
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        return now
    if moment.tzinfo is None:
        return now
    return min(moment, now)


def merge_form(
    profile: MusicianProfile,
    session: PracticeSession,
    base_version: int,
    base: dict[str, Any],
    fields: dict[str, Any],
    edited_at: datetime,
    editor_id: uuid.UUID | None = None,
) -> list[SyncConflict]:
    """A whole form saved against an older version: merge the fields it changed."""
    try:
        stored = datetime.fromisoformat(str(base.get("started_at")))
        fields = dict(fields)
        if fields.get("started_at") == stored.replace(second=0, microsecond=0):
            fields["started_at"] = stored  # the form shows minutes only
    except ValueError:
        pass
    changed = {f: v for f, v in fields.items() if f in base and not _same(f, v, base[f])}
    return merge_session(
        profile,
        session,
        base_version,
        base,
        changed,
        edited_at,
        source="a form saved in this browser",
        editor_id=editor_id,
    )
