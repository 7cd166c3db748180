"""Builds the OpenAPI 3.1 document from the declared operations (see `ApiBlueprint`)."""

from __future__ import annotations

import re
from typing import Any, cast

from flask import Blueprint, Flask, current_app, jsonify, render_template
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from woodshed.api import API_PREFIX, Operation
from woodshed.validation import JsonSchemaGenerator

REF = "#/components/schemas/{model}"
CONVERTER_SCHEMAS = {
    "uuid": {"type": "string", "format": "uuid"},
    "int": {"type": "integer", "minimum": 0},
    "string": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^/]+$"},
    "default": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^/]+$"},
}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each field that needs attention.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "errors"],
}
STATUS_TEXT = {
    400: "The request could not be read (e.g. a malformed If-Match header).",
    401: "Missing, invalid or expired bearer token.",
    403: "Forbidden (for browser sessions: missing CSRF header).",
    404: "No such object, or it belongs to someone else.",
    409: "Conflicts with the current state.",
    412: "The object changed since it was read (If-Match).",
    413: "The body is too large.",
    415: "The body must be JSON.",
    422: "The input needs fixing; see `errors`.",
    429: "Too many requests; see Retry-After.",
}

bp = Blueprint("api_docs", __name__)


def _operations(app: Flask):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        op: Operation | None = getattr(view, "openapi", None)
        if op is None:
            continue
        yield rule, op


def _path_and_params(rule) -> tuple[str, list[dict]]:
    params = []
    path = rule.rule
    for match in re.finditer(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule):
        converter, name = match.group(1) or "default", match.group(2)
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": CONVERTER_SCHEMAS.get(converter, CONVERTER_SCHEMAS["default"]),
            }
        )
    path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", path)
    return path, params


def _query_params(model: type[BaseModel], defs: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF, schema_generator=JsonSchemaGenerator)
    for name, sub in schema.pop("$defs", {}).items():
        defs.setdefault(name, sub)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if prop.get("description"):
            param["description"] = prop["description"]
        if prop.get("type") == "array" or any(
            s.get("type") == "array" for s in prop.get("anyOf", [])
        ):
            param["style"] = "form"
            param["explode"] = True
        params.append(param)
    return params


def build_spec(app: Flask) -> dict[str, Any]:
    ops = list(_operations(app))
    models: list[tuple[Any, str]] = []
    for _rule, op in ops:
        if op.body is not None and op.body_content_type == "application/json":
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    refs, defs = _schemas_for(models)
    paths: dict[str, dict] = {}
    for rule, op in ops:
        path, params = _path_and_params(rule)
        operation: dict[str, Any] = {
            "operationId": rule.endpoint.replace(".", "_"),
            "summary": op.summary,
            "tags": op.tags,
            "responses": {},
        }
        if op.description:
            operation["description"] = op.description
        if op.query is not None:
            params = params + _query_params(op.query, defs)
        if op.profile_param:
            params.append(
                {
                    "name": "profile_id",
                    "in": "query",
                    "required": False,
                    "description": "Act on this musician profile (default: your own); one "
                    "you may not see answers 404, a change you may not make 403.",
                    "schema": {"type": "string", "format": "uuid"},
                }
            )
        if op.etag and op.method in ("PATCH", "PUT", "DELETE"):
            params.append(
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": False,
                    "description": "ETag from the last read; a stale one answers 412.",
                    "schema": {"type": "string", "pattern": '^(|\\*|(W/)?"v[0-9]{1,18}")$'},
                }
            )
        if op.idempotent_create:
            params.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "Re-sending the same key and body replays the answer.",
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 200,
                        "pattern": "^[!-~]+$",
                    },
                }
            )
        params = params + [{"in": "header", **h} for h in op.headers]
        if params:
            operation["parameters"] = params
        if op.body is not None:
            if op.body_content_type == "application/json":
                body_schema = refs[(id(op.body), "validation")]
            else:
                body_schema = op.body.model_json_schema(ref_template=REF)
                for name, sub in body_schema.pop("$defs", {}).items():
                    defs.setdefault(name, sub)
            operation["requestBody"] = {
                "required": True,
                "content": {op.body_content_type: {"schema": body_schema}},
            }
        success: dict[str, Any] = {"description": "Success."}
        if op.response is not None and op.status != 204:
            success["content"] = {
                op.response_content_type: {"schema": refs[(id(op.response), "serialization")]}
            }
            if op.etag:
                success["headers"] = {"ETag": {"schema": {"type": "string"}}}
        operation["responses"][str(op.status)] = success
        if op.idempotent_create and op.status == 201:
            operation["responses"]["200"] = success | {
                "description": "Created before: the client `id` was sent again (REL-IDEM)."
            }
        errors = set(op.extra_responses)
        if op.auth:
            errors |= {401, 429}
        if op.body is not None or op.query is not None or params:
            errors.add(422)
        if any(p["in"] == "path" for p in params):
            errors.add(404)
        if op.profile_param:
            errors |= {403, 404}
        if op.body is not None:
            errors |= {400, 413, 415}
        if op.etag and op.method in ("PATCH", "PUT", "DELETE"):
            errors |= {400, 412}
        for status in sorted(errors):
            description = op.extra_responses.get(status) or STATUS_TEXT.get(status, "Error.")
            operation["responses"][str(status)] = {
                "description": description,
                "content": {
                    "application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}
                },
            }
        operation["responses"]["default"] = {
            "description": "Any other error, as problem details.",
            "content": {
                "application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}
            },
        }
        if op.auth:
            operation["security"] = [{"bearerAuth": []}]
        paths.setdefault(path, {})[op.method.lower()] = operation
    defs["Problem"] = PROBLEM_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Woodshed API",
            "version": "1",
            "description": "The practice journal's JSON API. Times are RFC 3339 with offset, "
            "dates YYYY-MM-DD; lists answer `{items, next_cursor}`; errors are "
            "`application/problem+json`.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


def _schemas_for(models: list[tuple[Any, str]]) -> tuple[dict, dict]:
    """JSON schemas for every model at once, so shared models become one component each."""
    unique = {(id(model), mode): model for model, mode in models}
    inputs = [
        (key, cast(JsonSchemaMode, key[1]), TypeAdapter(model).core_schema)
        for key, model in unique.items()
    ]
    if not inputs:
        return {}, {}
    mapping, definitions = JsonSchemaGenerator(ref_template=REF).generate_definitions(inputs)
    return {key: schema for (key, _mode), schema in mapping.items()}, dict(definitions)


def spec(app: Flask) -> dict[str, Any]:
    cached = app.extensions.get("woodshed.openapi")
    if cached is None:
        cached = build_spec(app)
        app.extensions["woodshed.openapi"] = cached
    return cached


@bp.get(f"{API_PREFIX}/openapi.json")
def openapi_json():
    return jsonify(spec(current_app))


@bp.get("/api/docs")
def docs():
    document = spec(current_app)
    return render_template("api/docs.html", spec=document)
