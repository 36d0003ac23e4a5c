"""The OpenAPI 3.1 document of API v1, generated from the same field rules the API applies."""

from __future__ import annotations

from typing import Any

from graphs import GAP_KINDS

from . import vocab
from .validation import FIELDS

_ENUMS = {
    ("municipality", "kind"): vocab.MUNICIPALITY_KINDS, ("municipality", "state"): vocab.STATES,
    ("municipality", "tier"): vocab.TIERS, ("actor", "type"): vocab.ACTOR_TYPES,
    ("actor", "level"): vocab.LEVELS, ("actor", "sector"): vocab.SECTORS,
    ("initiative", "topic"): vocab.TOPICS, ("initiative", "status"): vocab.INITIATIVE_STATUSES,
    ("participant", "role"): vocab.PARTICIPATION_ROLES, ("tie", "kind"): vocab.TIE_KINDS,
}
_TYPES = {
    "population": {"type": "integer", "minimum": 0}, "weight": {"type": "integer", "minimum": 1,
                                                                "maximum": 5},
    "area_km2": {"type": ["number", "null"]}, "lat": {"type": ["number", "null"]},
    "lon": {"type": ["number", "null"]}, "capacity_fte": {"type": ["number", "null"]},
    "since": {"type": ["string", "null"], "format": "date"},
    "start": {"type": ["string", "null"], "format": "date"},
    "end": {"type": ["string", "null"], "format": "date"},
    "topics": {"type": "array", "items": {"enum": list(vocab.TOPICS)}},
    "ags": {"type": "string", "pattern": "^[0-9]{8}$"},
    "key": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 64},
}


def _schema(entity: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for f in FIELDS[entity]:
        spec = dict(_TYPES.get(f.name, {"type": "string"}))
        if (entity, f.name) in _ENUMS:
            spec = {"enum": list(_ENUMS[(entity, f.name)])}
        spec["description"] = str(f.label)
        props[f.name] = spec
    if entity == "initiative":
        props["participants"] = {"type": "array",
                                 "items": {"$ref": "#/components/schemas/participant"}}
    return {"type": "object", "properties": props,
            "required": [f.name for f in FIELDS[entity] if f.required]}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/error"}}}}


def document(base: str) -> dict[str, Any]:
    base = base.rsplit("/regions", 1)[0]
    errors = {"401": _error("no valid bearer token"), "403": _error("not allowed"),
              "404": _error("unknown object")}
    paths: dict[str, Any] = {
        "/regions": {"get": {"summary": "List regions", "responses": {
            "200": {"description": "regions"}, **errors}}},
        "/regions/{slug}/bundle": {
            "parameters": [{"name": "slug", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"summary": "Export the region's network bundle",
                    "responses": {"200": {"description": "bundle"}, **errors}},
            "put": {"summary": "Import a bundle (coordinator of the region or admin); "
                               "?dry_run=1 only checks",
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object"}}}},
                    "responses": {"200": {"description": "import summary"},
                                  "201": {"description": "region created"},
                                  "422": _error("invalid bundle, every problem with its "
                                                "JSON path"), **errors}}},
    }
    paths["/regions/{slug}/analysis"] = {
        "parameters": [
            {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "without", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "what-if: key of a municipality, actor or initiative that leaves"},
            {"name": "taktgeber", "in": "query", "required": False,
             "schema": {"type": "string"},
             "description": "what-if: key of an actor that becomes the Taktgeber"}],
        "get": {"summary": "The analysis report (gaps, Taktgeber ranking, transfer paths, "
                           "structure; with a what-if its comparison in whatif)",
                "responses": {"200": {"description": "report", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/report"}}}},
                    "422": _error("unknown what-if key"), **errors}},
    }
    for plural, entity in (("municipalities", "municipality"), ("actors", "actor"),
                           ("initiatives", "initiative"), ("ties", "tie")):
        slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
        key = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
        ref = {"$ref": f"#/components/schemas/{entity}"}
        body = {"content": {"application/json": {"schema": ref}}}
        paths[f"/regions/{{slug}}/{plural}"] = {
            "parameters": [slug],
            "get": {"summary": f"List {plural} (q, filters, page, per_page)",
                    "responses": {"200": {"description": "page of items"}, **errors}},
            "post": {"summary": f"Create a {entity}", "requestBody": body,
                     "responses": {"201": {"description": "created", "content": {
                         "application/json": {"schema": ref}}},
                         "409": _error("key taken"), "422": _error("invalid input"),
                         **errors}},
        }
        paths[f"/regions/{{slug}}/{plural}/{{key}}"] = {
            "parameters": [slug, key],
            "get": {"summary": f"Get a {entity}", "responses": {"200": {
                "description": entity, "content": {"application/json": {"schema": ref}}},
                **errors}},
            "patch": {"summary": f"Change a {entity} (fields given only)", "requestBody": body,
                      "responses": {"200": {"description": "changed"},
                                    "409": _error("conflict"), "422": _error("invalid input"),
                                    **errors}},
            "delete": {"summary": f"Delete a {entity} (with what depends on it)",
                       "responses": {"204": {"description": "deleted"}, **errors}},
        }
    schemas = {e: _schema(e) for e in ("municipality", "actor", "initiative", "participant",
                                       "tie")}
    schemas["report"] = {"type": "object", "required": [
        "region", "summary", "taktgeber", "gaps", "transfer", "communities"], "properties": {
        "region": {"type": "string"}, "summary": {"type": "object"},
        "taktgeber": {"type": "array", "items": {"type": "object", "required": [
            "key", "name", "score", "parts", "explanation"]}},
        "gaps": {"type": "array", "items": {"type": "object", "required": [
            "kind", "keys", "severity", "message"], "properties": {
            "kind": {"enum": list(GAP_KINDS)},
            "keys": {"type": "array", "items": {"type": "string"}},
            "severity": {"enum": ["high", "medium", "low"]},
            "message": {"type": "string"}}}},
        "transfer": {"type": "array", "items": {"type": "object"}},
        "communities": {"type": "array", "items": {"type": "array",
                                                   "items": {"type": "string"}}},
        "core_periphery": {"type": "object"}, "org_models": {"type": "object"},
        "whatif": {"type": ["object", "null"]}, "timings_ms": {"type": "object"}}}
    schemas["error"] = {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kommunalnetz API", "version": "1"},
        "servers": [{"url": base}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": schemas},
        "security": [{"bearer": []}],
        "paths": paths,
    }
