"""Restoring a JSON export into an empty account.

Everything is checked before anything is written: the format and version, every object
against its part's schema, duplicate ids, and that each reference points at an object in
the same file. Then ids are planned — an id already used on this server (by another
account) gets a new one, and every reference to it follows — and the rows are written
parents first, in batches, through the ORM (so flush hooks of other features run).
Derived data (search text) is rebuilt afterwards. One transaction: all or nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from woodshed.data.registry import Part, chunked
from woodshed.data.sections import (
    FORMAT,
    PARTS,
    SUPPORTED_VERSIONS,
    ExportProfile,
    all_parts,
)
from woodshed.db import bulk_insert, db, new_id
from woodshed.errors import Conflict, DomainError, FieldError
from woodshed.profiles import services as profiles
from woodshed.profiles.models import MusicianProfile
from woodshed.search import rebuild as search_rebuild
from woodshed.stats.upkeep import rebuild_at_commit
from woodshed.validation import field_errors

WRITE_BATCH = 1000
MAX_ERRORS = 100
TOP_LEVEL = {"format", "version", "exported_at", "generator", "account", "profile", "files"}


def supported_versions_text() -> str:
    return ", ".join(str(v) for v in SUPPORTED_VERSIONS)


def read_document(raw: bytes) -> dict:
    """Parse an uploaded export; anything that is not one is refused with the reason."""
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DomainError({"file": "The file is not UTF-8 text."}) from None
    except json.JSONDecodeError as exc:
        raise DomainError(
            {"file": f"The file is not valid JSON (line {exc.lineno}, column {exc.colno})."}
        ) from None
    except RecursionError:
        raise DomainError({"file": "The file nests too deeply to be an export."}) from None
    check_format(doc)
    return doc


def check_format(doc: Any) -> None:
    """Refuse files of another format or of a version this Woodshed does not know."""
    supported = supported_versions_text()
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DomainError(
            {
                "file": f"This is not a Woodshed export (its format is not “{FORMAT}”). "
                f"Woodshed reads export versions {supported}."
            }
        )
    version = doc.get("version")
    if type(version) is not int or version not in SUPPORTED_VERSIONS:
        raise DomainError(
            {
                "version": f"This export is version {version!r}; this Woodshed reads versions "
                f"{supported}. Update Woodshed to import it."
            }
        )


def summary(doc: dict) -> dict[str, int]:
    """How many objects of each kind the document holds (for the preview)."""
    counts: dict[str, int] = {}

    def count(part: Part, objects: list) -> None:
        counts[part.key] = counts.get(part.key, 0) + len(objects)
        for child in part.children:
            for obj in objects:
                if isinstance(obj, dict) and isinstance(obj.get(child.key), list):
                    count(child, obj[child.key])

    for part in PARTS:
        objects = doc.get(part.key)
        count(part, objects if isinstance(objects, list) else [])
    counts["files"] = len(doc.get("files") or [])
    return counts


def existing_content(profile: MusicianProfile) -> dict[str, int]:
    """What the account holds already, of the parts that must be empty for a restore."""
    found = {}
    for part in PARTS:
        if not part.user_content:
            continue
        table = part.table
        n = db.session.scalar(
            sa.select(sa.func.count()).select_from(table).where(table.c.profile_id == profile.id)
        )
        if n:
            found[part.key] = n
    return found


def check_empty(profile: MusicianProfile) -> None:
    found = existing_content(profile)
    if found:
        held = ", ".join(f"{n} {key}" for key, n in found.items())
        raise Conflict(
            f"Your account already holds data ({held}). Restore an export into an empty "
            "account: create a new account, or delete this data first."
        )


# --- checking -----------------------------------------------------------------------------


@dataclass
class Staged:
    """One validated object, waiting to be written."""

    part: Part
    path: str
    values: dict[str, Any]
    parent_id: uuid.UUID | None
    links: dict[str, list]


@dataclass
class Plan:
    profile_data: ExportProfile
    staged: dict[str, list[Staged]]  # part key (qualified) -> objects
    errors: list[FieldError] = field(default_factory=list)


def _qualified(part: Part, parents: tuple[str, ...]) -> str:
    return ".".join((*parents, part.key))


def _stage(part, model, path, parent_id, plan: Plan, parents: tuple[str, ...]) -> None:
    values = {c.name: getattr(model, part.doc_key(c)) for c in part.columns}
    links = {link.key: getattr(model, link.key) for link in part.links}
    plan.staged.setdefault(_qualified(part, parents), []).append(
        Staged(part, path, values, parent_id, links)
    )
    for child in part.children:
        for i, child_model in enumerate(getattr(model, child.key)):
            _stage(
                child,
                child_model,
                f"{path}.{child.key}.{i}",
                values["id"],
                plan,
                (*parents, part.key),
            )


def check_document(doc: dict) -> Plan:
    """Validate the whole document; DomainError lists every problem found (up to 100)."""
    check_format(doc)
    errors: list[FieldError] = []
    known = TOP_LEVEL | {p.key for p in PARTS}
    for key in doc:
        if key not in known:
            errors.append(
                FieldError(key, "Unknown section: this file may come from a newer Woodshed.")
            )
    try:
        profile_data = ExportProfile.model_validate(doc.get("profile"))
    except ValidationError as exc:
        errors.extend(field_errors(exc, prefix="profile."))
        profile_data = None
    plan = Plan(profile_data, {})
    for part in PARTS:
        objects = doc.get(part.key, [])
        if not isinstance(objects, list):
            errors.append(FieldError(part.key, "This should be a list."))
            continue
        for i, raw in enumerate(objects):
            if len(errors) >= MAX_ERRORS:
                break
            try:
                model = part.schema.model_validate(raw)
            except ValidationError as exc:
                errors.extend(field_errors(exc, prefix=f"{part.key}.{i}."))
                continue
            _stage(part, model, f"{part.key}.{i}", None, plan, ())
    if not errors:
        errors.extend(_check_references(plan))
    if errors:
        raise DomainError(
            errors[:MAX_ERRORS], "The export file has problems; nothing was imported."
        )
    return plan


def _check_references(plan: Plan) -> list[FieldError]:
    errors = []
    ids: dict[str, set] = defaultdict(set)
    for objects in plan.staged.values():
        for s in objects:
            table = s.part.table.name
            if s.values["id"] in ids[table]:
                errors.append(FieldError(f"{s.path}.id", "This id appears twice in the file."))
            ids[table].add(s.values["id"])
    for objects in plan.staged.values():
        for s in objects:
            for name, target in s.part.references.items():
                value = s.values[name]
                if value is not None and value not in ids[target.name]:
                    errors.append(
                        FieldError(
                            f"{s.path}.{name}", f"No {target.name} with this id in the file."
                        )
                    )
    label_index = _label_index(plan)
    for objects in plan.staged.values():
        for s in objects:
            for link in s.part.links:
                target = link.target_table.name
                for j, value in enumerate(s.links[link.key]):
                    if link.label:
                        ok = str(value).casefold() in label_index[(target, link.label)]
                    else:
                        ok = value in ids[target]
                    if not ok:
                        errors.append(
                            FieldError(
                                f"{s.path}.{link.key}.{j}",
                                f"No {target} “{value}” in the file.",
                            )
                        )
    return errors


def _label_index(plan: Plan) -> dict[tuple[str, str], dict[str, uuid.UUID]]:
    """{(table, column): {casefolded label: id}} for every labelled link target."""
    wanted = {
        (link.target_table.name, link.label) for p in all_parts() for link in p.links if link.label
    }
    index: dict[tuple[str, str], dict[str, uuid.UUID]] = defaultdict(dict)
    for objects in plan.staged.values():
        for s in objects:
            for table, column in wanted:
                if s.part.table.name == table:
                    index[(table, column)].setdefault(
                        str(s.values[column]).casefold(), s.values["id"]
                    )
    return index


# --- writing ------------------------------------------------------------------------------

UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class ImportContext:
    profile: MusicianProfile
    owner_user_id: uuid.UUID | None
    ids: dict[str, dict[uuid.UUID, uuid.UUID]] = field(default_factory=lambda: defaultdict(dict))
    text_ids: dict[str, str] = field(default_factory=dict)

    def remap(self, table: str, value: uuid.UUID | None) -> uuid.UUID | None:
        if value is None:
            return None
        return self.ids[table].get(value, value)

    def file_name(self, name: str) -> str:
        """A stored file's name with the ids in it remapped (`recordings/<id>/original`)."""
        return "/".join(self.text_ids.get(part, part) for part in name.split("/"))

    def remap_strings(self, value: Any) -> Any:
        """Replace ids written as text (in revision history) by their new ids."""
        if isinstance(value, str):
            return self.text_ids.get(value, value) if UUID_TEXT.match(value) else value
        if isinstance(value, list):
            return [self.remap_strings(v) for v in value]
        if isinstance(value, dict):
            return {k: self.remap_strings(v) for k, v in value.items()}
        return value


def _plan_ids(plan: Plan, ctx: ImportContext) -> None:
    """Ids used on this server already get new ones, handed out in the old ids' order."""
    by_table: dict[sa.Table, list[uuid.UUID]] = defaultdict(list)
    for objects in plan.staged.values():
        for s in objects:
            by_table[s.part.table].append(s.values["id"])
    for table, ids in by_table.items():
        taken = _in_use(table, ids)
        fresh = sorted(new_id() for _ in taken)
        for old, new in zip(sorted(taken), fresh, strict=True):
            ctx.ids[table.name][old] = new
            ctx.text_ids[str(old)] = str(new)


def _in_use(table: sa.Table, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these ids the table holds already (one array parameter on PostgreSQL)."""
    taken: set[uuid.UUID] = set()
    if db.session.get_bind().dialect.name == "postgresql":
        for chunk in chunked(ids, 10000):
            array = sa.bindparam("ids", chunk, type_=postgresql.ARRAY(sa.Uuid()))
            taken.update(
                db.session.scalars(sa.select(table.c.id).where(table.c.id == sa.any_(array)))
            )
        return taken
    for chunk in chunked(ids, 500):
        taken.update(db.session.scalars(sa.select(table.c.id).where(table.c.id.in_(chunk))))
    return taken


def _row(s: Staged, ctx: ImportContext) -> dict[str, Any]:
    part = s.part
    row: dict[str, Any] = {}
    for column in part.columns:
        value = s.values[column.name]
        codec = part.codecs.get(column.name)
        if codec is not None:
            value = codec.load(value, ctx)
        elif column.primary_key:
            value = ctx.remap(part.table.name, value)
        elif column.name in part.references:
            value = ctx.remap(part.references[column.name].name, value)
        if value is None and not column.nullable:
            continue  # absent in an older file: the column's default applies
        row[column.name] = value
    for name, derive in part.derived.items():
        row[name] = derive(row)
    if "profile_id" in part.table.c:
        row["profile_id"] = ctx.profile.id
    if part.parent:
        parent_table = next(iter(part.table.c[part.parent].foreign_keys)).column.table
        row[part.parent] = ctx.remap(parent_table.name, s.parent_id)
    return row


def _link_rows(s: Staged, ctx: ImportContext, labels) -> dict:
    rows = {}
    own_id = ctx.remap(s.part.table.name, s.values["id"])
    for link in s.part.links:
        target = link.target_table.name
        values = s.links[link.key]
        if link.label:
            values = [labels[(target, link.label)][str(v).casefold()] for v in values]
        targets = dict.fromkeys(ctx.remap(target, v) for v in values)
        rows[link.key] = [{link.own: own_id, link.other: t} for t in targets]
    return rows


def _write(plan: Plan, ctx: ImportContext) -> dict[str, int]:
    labels = _label_index(plan)
    counts: dict[str, int] = {}
    written: dict[str, list[uuid.UUID]] = defaultdict(list)
    hooks: list[tuple[Part, str]] = []

    def visit(part: Part, parents: tuple[str, ...]):
        qualified = _qualified(part, parents)
        if part.replace_existing:
            table = part.table
            db.session.execute(sa.delete(table).where(table.c.profile_id == ctx.profile.id))
        for batch in chunked(plan.staged.get(qualified, []), WRITE_BATCH):
            rows = [_row(s, ctx) for s in batch]
            written[qualified] += [row["id"] for row in rows]
            if part.orm_writes:
                objects = [part.model(**row) for row in rows]
                db.session.add_all(objects)
                db.session.flush()
                for obj in objects:
                    db.session.expunge(obj)
            else:
                bulk_insert(part.table, rows)
            link_rows: dict[str, list] = defaultdict(list)
            for s in batch:
                for key, values in _link_rows(s, ctx, labels).items():
                    link_rows[key] += values
            for link in part.links:
                bulk_insert(link.table, link_rows[link.key])
        counts[part.key] = counts.get(part.key, 0) + len(plan.staged.get(qualified, []))
        if part.after_import is not None:
            hooks.append((part, qualified))
        for child in part.children:
            visit(child, (*parents, part.key))

    for part in PARTS:
        visit(part, ())
    for part, qualified in hooks:
        if written[qualified]:
            part.after_import(ctx.profile, written[qualified])
    return counts


class FileSource(Protocol):
    """The files that came with the document (a ZIP export's originals)."""

    def check(self, expected: dict[str, tuple[int, str]]) -> None:
        """Refuse (DomainError) anything but the files the document's rows name."""

    def store(self, profile: MusicianProfile, rename: Callable[[str], str]) -> int:
        """Store every file under its (remapped) name, checked; answers how many."""
        ...


def expected_files(plan: Plan) -> dict[str, tuple[int, str]]:
    """{name: (size, sha256)} of the files the document's rows name (`Part.files`)."""
    expected: dict[str, tuple[int, str]] = {}
    for objects in plan.staged.values():
        for s in objects:
            if s.part.files is not None:
                expected.update(s.part.files(s.values))
    return expected


def restore_document(
    profile: MusicianProfile, doc: dict, files: FileSource | None = None
) -> dict[str, int]:
    """Restore a checked export into `profile`, which must be empty; answers counts.

    With `files` (a ZIP export's originals) they are checked against the rows before
    anything is written, and stored before the rows, so the rows' `after_import` hooks
    find them.
    """
    db.session.execute(
        sa.select(MusicianProfile.id).where(MusicianProfile.id == profile.id).with_for_update()
    )
    check_empty(profile)
    plan = check_document(doc)
    if files is not None:
        files.check(expected_files(plan))
    ctx = ImportContext(profile, profile.user_id)
    _plan_ids(plan, ctx)
    # Most rows go in around the ORM: the statistics are rebuilt once, at commit (and the
    # flush hooks leave the restored sessions alone meanwhile).
    rebuild_at_commit(db.session, {profile.id})
    try:
        with db.session.begin_nested():
            profiles.update_profile(profile, plan.profile_data.model_dump())
            stored = files.store(profile, ctx.file_name) if files is not None else 0
            counts = _write(plan, ctx)
            if files is not None:
                counts["files"] = stored
            # Derived data: the search index is made from what was just written.
            search_rebuild.rebuild([profile.id])
    except IntegrityError as exc:
        raise DomainError(
            {"file": f"The database refused a value ({_constraint(exc)}); nothing was imported."}
        ) from None
    return counts


def _constraint(exc: IntegrityError) -> str:
    text = str(exc.orig)
    m = re.search(r'constraint "([^"]+)"', text) or re.search(r"failed: (\S+)", text)
    return m.group(1) if m else "a constraint"
