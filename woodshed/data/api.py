"""`/export` and `/import` in the JSON API."""

from __future__ import annotations

from pydantic import ValidationError

from woodshed.api import ApiBlueprint, form_fields
from woodshed.data import services
from woodshed.data.schemas import ImportOptions, ImportResult, ImportUpload
from woodshed.data.sections import document_model
from woodshed.data.uploads import read_upload
from woodshed.validation import validation_problem

api = ApiBlueprint("data_api", __name__, tag="Your data")

CSV_FILES = {
    "sessions": "Your sessions as CSV, one row per session",
    "session-items": "What you practised in each session as CSV, one row per item",
    "pieces": "Your pieces and their sections as CSV",
    "goals": "Your goals as CSV",
}


@api.operation(
    "GET",
    "/export",
    summary="Everything you logged, as one JSON document",
    response=document_model(),
    description="Streamed. The format is versioned and documented in "
    "docs/export-format.md; `POST /import` restores it into an empty account.",
)
def export(profile):
    return services.export_response(profile)


@api.operation(
    "GET",
    "/export.zip",
    summary="Everything you logged with your recordings' original files, as one ZIP",
    response=bytes,
    response_content_type="application/zip",
    endpoint="export_archive",
    description="Streamed. `export.json` (the JSON export) and `files/recordings/<id>/original` "
    "for each take whose file this server holds; docs/export-format.md. `POST /import` "
    "restores it, files included, into an empty account.",
)
def export_archive(profile):
    return services.archive_response(profile)


def _csv_operation(name: str, summary: str) -> None:
    def view(profile):
        return services.csv_response(profile, name)

    api.operation(
        "GET",
        f"/export/{name}.csv",
        summary=summary,
        response=str,
        response_content_type="text/csv",
        endpoint=f"export_{name.replace('-', '_')}_csv",
        description="UTF-8 with BOM; cells that a spreadsheet would run as a formula "
        "start with `'`.",
    )(view)


for _name, _summary in CSV_FILES.items():
    _csv_operation(_name, _summary)


@api.operation(
    "POST",
    "/import",
    summary="Import a JSON or ZIP export, or a CSV of practice sessions",
    body=ImportUpload,
    body_content_type="multipart/form-data",
    response=ImportResult,
    extra_responses={
        409: "The account is not empty (a JSON export restores into an empty account).",
        413: "The file is larger than the import limit (a ZIP export: the limit plus "
        "the storage quota).",
    },
    description="With `dry_run=true` (the default) nothing is stored: the answer lists "
    "the mapping used, the first rows as they would be stored and every problem by row "
    "and column. With `dry_run=false` everything is imported or, if any row has a "
    "problem, nothing (422). Rows imported before are skipped.",
)
def import_file(profile):
    filename, raw = read_upload(archives=True)
    try:
        options = ImportOptions.model_validate(form_fields(ImportUpload))
    except ValidationError as exc:
        raise validation_problem(exc) from exc
    mapping = options.parsed_mapping()
    if options.dry_run:
        result = services.preview_import(profile, raw, filename, mapping, options.date_order)
    else:
        result = services.commit_import(
            profile, raw, filename, mapping, options.date_order, options.save_mapping
        )
    return ImportResult.model_validate(result)
