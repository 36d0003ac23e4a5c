"""The OpenAPI 3.1 document of API v1, generated from the same field rules the API applies."""

from __future__ import annotations

from typing import Any

from collab.core import vocab
from collab.core.validation import FIELDS, KEY_MAX, Field, date, flag, key, keys
from graphs import GAP_KINDS

#: what the parsers of the field table cannot say themselves (formats and patterns)
_TYPES = {
    "topics": {"type": "array", "items": {"enum": list(vocab.TOPICS)}},
    "ags": {"type": "string", "pattern": "^[0-9]{8}$"},
    "email": {"type": "string", "format": "email", "maxLength": 200},
    "convenor": {"type": ["string", "null"], "description": "actor key"},
}
_KEY = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": KEY_MAX}


def field_schema(f: Field) -> dict[str, Any]:
    """The JSON schema of one field of :data:`FIELDS`, read from its parser: lengths of
    text parsers, bounds and integer-ness of number parsers, vocabularies of choices."""
    parse = f.parse
    nullable = not f.required and f.default is None
    if f.name in _TYPES:
        spec = dict(_TYPES[f.name])
    elif parse is key:
        spec = dict(_KEY)
    elif parse is date:
        spec = {"type": "string", "format": "date"}
    elif hasattr(parse, "choices"):
        spec = {"enum": list(parse.choices)}
        if nullable:
            spec["enum"].append(None)
    elif hasattr(parse, "bounds"):
        minimum, maximum, integer = parse.bounds
        kind = "integer" if integer else "number"
        spec = {"type": [kind, "null"] if nullable else kind}
        if minimum is not None:
            spec["minimum"] = minimum
        if maximum is not None:
            spec["maximum"] = maximum
    elif hasattr(parse, "max_length"):
        spec = {"type": "string", "maxLength": parse.max_length}
    elif parse is flag:
        spec = {"type": "boolean"}
    elif parse is keys:
        spec = {"type": "array", "items": dict(_KEY)}
    else:
        spec = {"type": "string"}
    if nullable and spec.get("type") in ("string", "boolean", "array"):
        spec["type"] = [spec["type"], "null"]
    if f.default not in (None, ()) and not callable(f.default):
        spec["default"] = f.default
    return spec


ANALYSIS_STATUS = {
    "type": "object", "required": ["state", "data_version"],
    "properties": {
        "state": {"enum": ["ready", "stale", "pending", "failed"]},
        "state_text": {"type": "string", "description": "the state in German (or English)"},
        "data_version": {"type": "integer", "description": "the region's current data version"},
        "report_version": {"type": ["integer", "null"],
                           "description": "data version of the newest stored report"},
        "job": {"enum": ["queued", "running"], "description": "the computation's state"},
        "progress": {"type": ["number", "null"], "minimum": 0, "maximum": 1,
                     "description": "share done, estimated from the region's last run; "
                                    "null while queued or unknown"},
        "queued_seconds": {"type": "number"}, "running_seconds": {"type": ["number", "null"]},
        "expected_seconds": {"type": ["number", "null"]},
        "error": {"type": "string"}}}
ACCEPTED = {"description": "no report yet: it is being computed; ask again after Retry-After "
                           "seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/analysis_status"}}}}
ANALYSIS_HEADERS = {
    "X-Analysis-State": {"schema": {"enum": ["ready", "stale", "failed"]}},
    "X-Analysis-Version": {"schema": {"type": "integer"}}}


def _schema(entity: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for f in FIELDS[entity]:
        props[f.name] = dict(field_schema(f), description=str(f.label))
    if entity == "initiative":
        props["participants"] = {"type": "array",
                                 "items": {"$ref": "#/components/schemas/participant"}}
    if entity == "solution":
        props["open_source"] = {"type": "boolean", "description": str(props["open_source"][
            "description"])}
        props["links"] = {"type": "object", "description": "catalogue -> http(s) URL",
                          "properties": {k: {"type": "string", "format": "uri"}
                                         for k in vocab.SOLUTION_LINKS}}
        props["initiatives"] = {"type": "array", "items": {"type": "string"}}
        props["uses"] = {"type": "array", "readOnly": True,
                         "items": {"$ref": "#/components/schemas/solution_use"}}
    if entity == "format":
        props["participants"]["items"]["description"] = "actor key"
    return {"type": "object", "properties": props,
            "required": [f.name for f in FIELDS[entity] if f.required]}


def _field(entity: str, name: str) -> Field:
    return next(f for f in FIELDS[entity] if f.name == name)


def _properties(entity: str, **extra: Any) -> dict[str, Any]:
    """An object of the fields of ``entity`` in :data:`FIELDS` (plus ``extra`` properties),
    with the table's required fields."""
    props = {f.name: dict(field_schema(f), description=str(f.label)) for f in FIELDS[entity]}
    props.update(extra)
    return {"type": "object", "properties": props,
            "required": [f.name for f in FIELDS[entity] if f.required]}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/error"}}}}


def _list_parameters(plural: str) -> list[dict[str, Any]]:
    """The query parameters a list operation accepts (any other one is refused with 422)."""
    from collab.objects.kinds import KINDS, MAX_PER_PAGE

    def query(name: str, schema: dict, description: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": description}

    found = [query("q", {"type": "string"}, "search in name and key (ties: key and the "
                   "names of both ends; municipalities also district and AGS)")]
    found += [query(name, {"enum": list(values)}, f"only objects with this {name}")
              for name, values in KINDS[plural].filters.items()]
    if plural == "actors":
        found.append(query("municipality", {"type": "string"},
                           "key of the actors' municipality; '-' for regional actors"))
    found += [query("page", {"type": "integer", "minimum": 1, "default": 1},
                    "page number, from 1"),
              query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                 "default": 100}, "items per page")]
    return found


def _page_schema(item: dict) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "page", "pages", "per_page", "total"],
            "properties": {"items": {"type": "array", "items": item},
                           "page": {"type": "integer"}, "pages": {"type": "integer"},
                           "per_page": {"type": "integer"}, "total": {"type": "integer"}}}


#: the order of the lists by name (collab.core.collation)
NAME_ORDER = ("By name in German dictionary order (DIN 5007-1): letters with umlauts or "
              "accents as their base letter (ä as a), ß as ss, case ignored; equal names by "
              "key (regions: by slug). The same on every database.")


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def document(base: str) -> dict[str, Any]:
    base = base.rsplit("/regions", 1)[0]
    errors = {"401": _error("no valid bearer token"), "403": _error("not allowed"),
              "404": _error("unknown object")}
    paths: dict[str, Any] = {
        "/regions": {"get": {"summary": "List regions", "description": NAME_ORDER,
                             "responses": {"200": {"description": "regions"}, **errors}}},
        "/regions/{slug}/bundle": {
            "parameters": [{"name": "slug", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"summary": "Export the region's network bundle; ?format=xlsx for the "
                               "Excel workbook (one sheet per kind, German headers)",
                    "parameters": [{"name": "format", "in": "query", "required": False,
                                    "schema": {"enum": ["json", "xlsx"], "default": "json"}}],
                    "responses": {"200": {"description": "bundle", "content": {
                        "application/json": {"schema": {"type": "object"}},
                        XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}},
                        **errors}},
            "put": {"summary": "Import a bundle (coordinator of the region or admin): JSON, "
                               "an Excel workbook (XLSX body) or one CSV sheet (text/csv, "
                               "as German Excel writes it); ?dry_run=1 only checks, "
                               "?merge=1 adds and updates but never removes (a CSV sheet "
                               "always merges)",
                    "parameters": [
                        {"name": "dry_run", "in": "query", "required": False,
                         "schema": {"type": "boolean"}},
                        {"name": "merge", "in": "query", "required": False,
                         "schema": {"type": "boolean"},
                         "description": "spreadsheets only: add and update, never remove"},
                        {"name": "if_version", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 0},
                         "description": "the data_version a dry run reported: 409 and "
                                        "nothing imported when the region changed since"}],
                    "requestBody": {"content": {
                        "application/json": {"schema": {"type": "object"}},
                        XLSX_MIME: {"schema": {"type": "string", "format": "binary"}},
                        "text/csv": {"schema": {"type": "string"}}}},
                    "responses": {"200": {"description": "import summary"},
                                  "201": {"description": "region created"},
                                  "409": _error("the region changed since the dry run "
                                                "whose data_version if_version names"),
                                  "422": _error("invalid bundle, every problem with its "
                                                "JSON path (spreadsheets: sheet, row and "
                                                "column)"), **errors}}},
    }
    paths.update(_snapshot_paths(errors))
    paths["/regions/{slug}/analysis"] = {
        "parameters": [
            {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "without", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "what-if: key of a municipality, actor or initiative that leaves"},
            {"name": "taktgeber", "in": "query", "required": False,
             "schema": {"type": "string"},
             "description": "what-if: key of an actor that becomes the Taktgeber"},
            {"name": "lang", "in": "query", "required": False,
             "schema": {"enum": ["de", "en"], "default": "de"},
             "description": "language of the report's sentences (gap messages, explanations, "
                            "transfer labels and notes, what-if message); keys and figures "
                            "are the same in both"}],
        "get": {"summary": "The analysis report (gaps, Taktgeber ranking, transfer paths, "
                           "structure; with a what-if its comparison in whatif)",
                "description": "Reports are computed by the analysis workers, never in the "
                               "request. 200 serves the newest stored report: header "
                               "X-Analysis-State is ready (of the current data), stale (of "
                               "older data; the current one is being computed) or failed "
                               "(the analysis of the current data failed; the last good "
                               "report), X-Analysis-Version the data version it was "
                               "computed from. While no report exists yet: 202 with the "
                               "progress document and Retry-After (seconds); ask again.",
                "responses": {"200": {"description": "report", "headers": ANALYSIS_HEADERS,
                                      "content": {"application/json": {"schema": {
                                          "$ref": "#/components/schemas/report"}}}},
                              "202": ACCEPTED,
                              "503": {"description": "the analysis of the current data failed "
                                                     "and there is no earlier report",
                                      "content": {"application/json": {"schema": {
                                          "$ref": "#/components/schemas/analysis_status"}}}},
                    "422": _error("unknown what-if key or language"), **errors}},
    }
    paths["/regions/{slug}/graph"] = {
        "parameters": [
            {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "format", "in": "query", "required": False,
             "schema": {"enum": ["vis", "graphml", "gexf"], "default": "vis"},
             "description": "vis: vis-network JSON (nodes, edges, mode, counts); graphml or "
                            "gexf: the network with all attributes, for Gephi and networkx"},
            *({"name": name, "in": "query", "required": False,
               "schema": {"type": "array", "items": {"type": "string", **(
                   {"enum": list(values)} if values else {})}}, "explode": True,
               "description": f"filter of the network view: {name} (an unknown value or "
                              "key is refused with 422 naming the field)"}
              for name, values in (("type", ("municipality", "actor", "initiative")),
                                   ("level", vocab.LEVELS), ("sector", vocab.SECTORS),
                                   ("tier", vocab.TIERS), ("topic", vocab.TOPICS),
                                   ("initiative", None), ("municipality", None),
                                   ("expand", None))),
            {"name": "ego", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "a municipality's ego view (its actors and two steps around)"},
            {"name": "metric", "in": "query", "required": False,
             "schema": {"enum": ["degree", "taktgeber", "population", "capacity", "gaps"]},
             "description": "node size by this metric"}],
        "get": {"summary": "The network as drawn by the network view (filters honoured; "
                           "aggregated above 1,500 visible nodes), or GraphML / GEXF with "
                           "the same visible nodes and every edge between them",
                "description": "The vis data carries the marks of the newest stored "
                               "analysis report (headers as for the analysis); 202 with the "
                               "progress document while the region has none yet.",
                "responses": {"202": ACCEPTED,
                              "200": {"description": "vis data, GraphML or GEXF", "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/graphml+xml": {"schema": {"type": "string"}},
                    "application/gexf+xml": {"schema": {"type": "string"}}}},
                    "422": _error("unknown filter, key or format"), **errors}},
    }
    for plural, entity in (("municipalities", "municipality"), ("actors", "actor"),
                           ("initiatives", "initiative"), ("ties", "tie"),
                           ("formats", "format"), ("solutions", "solution")):
        slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
        key = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
        a = "an" if entity[0] in "aeiou" else "a"  # "an actor", "an initiative"
        ref = {"$ref": f"#/components/schemas/{entity}"}
        body = {"content": {"application/json": {"schema": ref}}}
        paths[f"/regions/{{slug}}/{plural}"] = {
            "parameters": [slug],
            "get": {"summary": f"List {plural} (q, filters, page, per_page)",
                    "description": "Ties by key." if plural == "ties" else NAME_ORDER,
                    "parameters": _list_parameters(plural),
                    "responses": {"200": {"description": "page of items", "content": {
                        "application/json": {"schema": _page_schema(ref)}}},
                                  "422": _error("page or per_page (1-1000) not a whole "
                                                "number in range, unknown parameter or "
                                                "filter value"), **errors}},
            "post": {"summary": f"Create {a} {entity}", "requestBody": body,
                     "responses": {"201": {"description": "created", "content": {
                         "application/json": {"schema": ref}}},
                         "409": _error("key taken"), "422": _error("invalid input"),
                         **errors}},
        }
        paths[f"/regions/{{slug}}/{plural}/{{key}}"] = {
            "parameters": [slug, key],
            "get": {"summary": f"Get {a} {entity}", "responses": {"200": {
                "description": entity, "content": {"application/json": {"schema": ref}}},
                **errors}},
            "patch": {"summary": f"Change {a} {entity} (fields given only)", "requestBody": body,
                      "responses": {"200": {"description": "changed"},
                                    "409": _error("conflict"), "422": _error("invalid input"),
                                    **errors}},
            "delete": {"summary": f"Delete {a} {entity} (with what depends on it)",
                       "responses": {"204": {"description": "deleted"}, **errors}},
        }
    schemas = {e: _schema(e) for e in ("municipality", "actor", "initiative", "participant",
                                       "tie", "format", "solution", "solution_use")}
    paths["/regions/compare"] = {"get": {
        "summary": "The regions the account reads side by side (members, levels, designated "
                   "Taktgeber, gaps by kind, survey response, solutions in use) and the "
                   "municipalities in several of them (region=<slug> repeatable)",
        "responses": {"200": {"description": "regions and crossing municipalities",
                              "content": {"application/json": {"schema": {
                                  "type": "object", "properties": {
                                      "regions": {"type": "array",
                                                  "items": {"type": "object"}},
                                      "crossing": {"type": "array",
                                                   "items": {"type": "object"}}}}}}},
                      **errors}}}
    schemas["region_settings"] = {"type": "object", "properties": {
        "funded_until": dict(field_schema(_field("region", "funded_until")),
                             description="end of the network's funding")}}
    paths["/regions/{slug}"] = {
        "parameters": [{"name": "slug", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "patch": {"summary": "Change the region's settings (coordinator): funded_until",
                  "requestBody": {"content": {"application/json": {"schema": {
                      "$ref": "#/components/schemas/region_settings"}}}},
                  "responses": {"200": {"description": "the region"},
                                "422": _error("invalid input or unknown field"), **errors}}}
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
    schemas["analysis_status"] = ANALYSIS_STATUS
    schemas["error"] = {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"},
        "reason": {"type": "string", "description": "403: why this account may not"},
        "details": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}}}}
    paths.update(_spielregeln_paths(errors))
    paths.update(_account_paths(errors))
    schemas.update(_spielregeln_schemas())
    paths.update(_survey_paths(errors))
    schemas.update(_survey_schemas())
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kommunalnetz API", "version": "1"},
        "servers": [{"url": base}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": schemas},
        "security": [{"bearer": []}],
        "paths": paths,
    }


# --- Spielregeln ------------------------------------------------------------------------------


def _spielregeln_schemas() -> dict[str, Any]:
    tally = {"type": ["object", "null"], "properties": {
        name: {"type": "integer"} for name in ("yes", "no", "abstain", "eligible", "voted",
                                               "needed")}}
    proposal = _properties(
            "rule", weights={
                "type": "object", "description": "criteria rules: Taktgeber part -> number "
                ">= 0, summing to 1 (parts not named count 0)",
                "propertyNames": {"enum": list(vocab.TAKTGEBER_PARTS)},
                "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
            actor={"type": ["string", "null"]}, initiative={"type": ["string", "null"]})
    proposal["properties"]["kind"]["description"] = "taktgeber needs actor; criteria needs " \
        "weights"
    vote = _properties("vote", municipality={
        "type": "string", "description": "coordinator only: the municipality voted for"})
    vote["properties"]["reason"]["description"] = "required for no"
    vote["properties"]["reference"]["description"] = "required with municipality: its " \
        "council decision or letter"
    return {
        "rule_proposal": proposal,
        "rule": {"type": "object", "required": ["id", "key", "title", "status"], "properties": {
            "id": {"type": "integer"}, "key": {"type": "string"}, "title": {"type": "string"},
            "text": {"type": "string"}, "status": {"enum": list(vocab.RULE_STATUSES)},
            "kind": {"enum": list(vocab.RULE_KINDS)},
            "weights": {"type": ["object", "null"]},
            "closes_at": {"type": ["string", "null"], "format": "date-time"},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "decision_rule": {"enum": [*vocab.DECISION_RULES, None]},
            "quorum": {"type": ["number", "null"]}, "tally": tally,
            "electorate": {"type": ["array", "null"], "items": {"type": "string"},
                           "description": "keys of the municipalities that may vote on the "
                           "ballot: the region's voting members when it opened (null "
                           "without a ballot on the platform)"},
            "votes": {"type": "array", "items": {"type": "object"}},
            "versions": {"type": "array", "items": {"type": "object"}},
            "comments": {"type": "array", "items": {"type": "object"}}}},
        "vote": vote,
        "join_request": _properties("join"),
        "initiative_join_request": dict(
            _properties("initiative_join", actor={"type": "string"}),
            required=["actor"]),
        "decision": _properties("decision", approve={"type": "boolean"}) | {
            "required": ["approve"]},
    }


def _spielregeln_paths(errors: dict) -> dict[str, Any]:
    def param(name: str, kind: str = "string") -> dict:
        return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}

    def body(schema: str) -> dict:
        return {"content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{schema}"}}}}

    rule = {"description": "the rule", "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/rule"}}}}
    slug, rule_id = param("slug"), param("rule_id", "integer")
    invalid, conflict = _error("invalid input"), _error("state does not allow it")
    return {
        "/regions/{slug}/rules": {
            "parameters": [slug],
            "get": {"summary": "List rules (?status, ?actor, ?initiative, ?tie_kind)",
                    "responses": {"200": {"description": "items"}, **errors}},
            "post": {"summary": "Propose a rule (member or coordinator); 409 when an open "
                                "(draft or voting) rule of the region has the same title",
                     "requestBody": body("rule_proposal"),
                     "responses": {"201": rule, "409": _error("an open rule has this title"),
                                   "422": invalid, **errors}}},
        "/regions/{slug}/rules/{rule_id}": {
            "parameters": [slug, rule_id],
            "get": {"summary": "A rule with status, text, tally, votes, versions, comments "
                               "(an open ballot past its closing time is closed first)",
                    "responses": {"200": rule, **errors}},
            "patch": {"summary": "Revise title or text (proposer; while no ballot was opened, "
                                 "or after a ballot rejected it: the ballot moves to "
                                 "`ballots`, the history, and the rule is a draft again; "
                                 "409 for a title another open rule has)",
                      "requestBody": body("rule_proposal"),
                      "responses": {"200": rule, "409": conflict, "422": invalid, **errors}}},
        "/regions/{slug}/rules/{rule_id}/withdraw": {
            "parameters": [slug, rule_id],
            "post": {"summary": "Withdraw a draft (proposer or coordinator): it is deleted "
                                "with its versions and comments; the activity log keeps the "
                                "record",
                     "responses": {"204": {"description": "withdrawn"},
                                   "409": _error("a ballot was opened"), **errors}}},
        "/regions/{slug}/rules/{rule_id}/comments": {
            "parameters": [slug, rule_id],
            "post": {"summary": "Comment on a rule", "requestBody": {"content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "text": {"type": "string"}}}}}},
                "responses": {"201": {"description": "comment"}, "422": invalid, **errors}}},
        "/regions/{slug}/rules/{rule_id}/ballot": {
            "parameters": [slug, rule_id],
            "post": {"summary": "Open the ballot (coordinator)", "requestBody": {"content": {
                "application/json": {"schema": {"type": "object", "required": ["closes_at"],
                                                "properties": {"closes_at": {
                                                    "type": "string",
                                                    "format": "date-time",
                                                    "description": (
                                                        "ISO 8601; with an offset it is "
                                                        "converted to UTC, without one it "
                                                        "is UTC")}}}}}},
                "responses": {"200": rule, "409": conflict, "422": invalid, **errors}}},
        "/regions/{slug}/rules/{rule_id}/votes": {
            "parameters": [slug, rule_id],
            "post": {"summary": "Vote for the account's municipality, or (coordinator) record "
                                "a municipality's vote with a reference",
                     "requestBody": body("vote"),
                     "responses": {"201": {"description": "the vote and the rule"},
                                   "403": _error("not allowed; `reason` says why when the "
                                                 "municipality joined (or moved into a "
                                                 "voting tier) after the ballot opened"),
                                   "409": _error("already voted, or no open ballot"),
                                   "422": invalid, **errors}}},
        "/regions/{slug}/charter": {
            "parameters": [slug],
            "get": {"summary": "The adopted rules in order (Kooperationsvereinbarung) and the "
                               "designated Taktgeber",
                    "responses": {"200": {"description": "charter"}, **errors}}},
        "/regions/{slug}/join-requests": {
            "parameters": [slug],
            "get": {"summary": "Applications to join (all for the coordinator, own otherwise)",
                    "responses": {"200": {"description": "items"}, **errors}},
            "post": {"summary": "Apply to join (member account of a municipality outside the "
                                "region)", "requestBody": body("join_request"),
                     "responses": {"201": {"description": "the application"},
                                   "409": conflict, "422": invalid, **errors}}},
        "/regions/{slug}/join-requests/{request_id}/decision": {
            "parameters": [slug, param("request_id", "integer")],
            "post": {"summary": "Approve or decline (coordinator)", "requestBody": body(
                "decision"), "responses": {"200": {"description": "decided"},
                                           "409": conflict, "422": invalid, **errors}}},
        "/regions/{slug}/initiatives/{key}/join-requests": {
            "parameters": [slug, param("key")],
            "get": {"summary": "Requests to take part in an initiative",
                    "responses": {"200": {"description": "items"}, **errors}},
            "post": {"summary": "Ask to take part with one of the member's actors",
                     "requestBody": body("initiative_join_request"),
                     "responses": {"201": {"description": "the request"}, "409": conflict,
                                   "422": invalid, **errors}}},
        "/regions/{slug}/initiatives/{key}/join-requests/{request_id}/decision": {
            "parameters": [slug, param("key"), param("request_id", "integer")],
            "post": {"summary": "Approve or decline (the initiative's lead or the coordinator)",
                     "requestBody": body("decision"),
                     "responses": {"200": {"description": "decided"}, "409": conflict,
                                   "422": invalid, **errors}}},
        "/regions/{slug}/formats/{key}/invitations": {
            "parameters": [slug, param("key")],
            "get": {"summary": "Invitations of other municipalities' actors to a format (a "
                               "member naming them as participants invites them)",
                    "responses": {"200": {"description": "items"}, **errors}}},
        "/regions/{slug}/formats/{key}/invitations/{invitation_id}/decision": {
            "parameters": [slug, param("key"), param("invitation_id", "integer")],
            "post": {"summary": "Accept (the actor takes part) or decline (the invited "
                                "municipality's member accounts)",
                     "requestBody": body("decision"),
                     "responses": {"200": {"description": "decided"}, "409": conflict,
                                   "422": invalid, **errors}}},
    }


def _snapshot_paths(errors: dict) -> dict[str, Any]:
    """Snapshots of a region (coordinator of the region or admin)."""
    slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    sid = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    snapshot = {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "kind": {"enum": ["manual", "import", "restore"]},
        "created_at": {"type": "string", "format": "date-time"},
        "created_by": {"type": ["string", "null"]},
        "summary": {"type": ["object", "null"], "description": (
            "key figures of the analysis then; null while the analysis worker computes "
            "them (a snapshot saved when no stored report of that moment had them)")},
        "summary_state": {"enum": ["ready", "pending", "failed"], "description": (
            "failed: the analysis of the snapshot failed; it is tried again on a look "
            "after summary_retry_at")},
        "summary_retry_at": {"type": ["string", "null"], "format": "date-time",
                             "description": (
                                 "with summary_state failed: from when its analysis is tried "
                                 "again; null when the platform gave up")},
        "bundle": {"type": "object", "description": "the region's bundle then (single GET)"}}}
    content = {"application/json": {"schema": snapshot}}
    invalid = {"422": _error("invalid input, every problem with its field")}
    return {
        "/regions/{slug}/snapshots": {
            "parameters": [slug],
            "get": {"summary": "List the region's snapshots",
                    "responses": {"200": {"description": "snapshots", "content": {
                        "application/json": {"schema": {"type": "array",
                                                        "items": snapshot}}}}, **errors}},
            "post": {"summary": "Save the region's state as a snapshot",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "required": ["name"], "properties": {
                             "name": {"type": "string", "maxLength": 120},
                             "date": {"type": "string", "format": "date"}}}}}},
                     "responses": {"201": {"description": "saved", "content": content},
                                   **invalid, "409": _error(
                                       "the region holds SNAPSHOT_LIMIT snapshots already: "
                                       "delete older ones first"), **errors}}},
        "/regions/{slug}/snapshots/{id}": {
            "parameters": [slug, sid],
            "get": {"summary": "A snapshot with its bundle",
                    "responses": {"200": {"description": "snapshot", "content": content},
                                  **errors}},
            "delete": {"summary": "Delete a snapshot",
                       "responses": {"204": {"description": "deleted"}, **errors}}},
        "/regions/{slug}/snapshots/{id}/restore": {
            "parameters": [slug, sid],
            "post": {"summary": "Restore the region to the snapshot (the current state is "
                                "saved as a snapshot first; decided rules and their votes "
                                "stay as the platform holds them)",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "required": ["confirm"],
                                    "properties": {"confirm": {"const": True}}}}}},
                     "responses": {"200": {"description": "import summary"}, **invalid,
                                   "409": _error("conflict"), **errors}}},
    }


# --- the relationship survey ------------------------------------------------------------------


def _survey_schemas() -> dict[str, Any]:
    from collab.surveys.services import MAX_NEW_PARTNERS, MAX_NEW_PARTNERS_PER_ROUND, MAX_PARTNERS

    survey_open = _properties("survey")
    survey_open["properties"]["closes_at"]["description"] = "last day answers are taken " \
        "(local date)"
    unit = _properties("survey_unit")
    unit["properties"]["actor"]["description"] = "key of one of its own actors"
    new = _properties("survey_new_actor")
    new["description"] = "a partner not yet mapped: becomes an external partner (an actor " \
        f"of no municipality); at most {MAX_NEW_PARTNERS} in one answer and at most " \
        f"{MAX_NEW_PARTNERS_PER_ROUND} over all of a municipality's answers to one round " \
        "(what an answer created stays and counts when a later answer leaves it out; more " \
        "is refused with 422 saying how many remain)"
    partner = _properties("survey_partner", new=new)
    partner["properties"]["from"]["description"] = "key of one of its own actors"
    partner["properties"]["actor"]["description"] = "the partner's key (or give new)"
    partner["properties"]["frequency"]["description"] = "sets the tie's weight (weekly 5 … " \
        "yearly 2)"
    return {
        "survey_open": survey_open,
        "survey": {"type": "object", "properties": {
            "id": {"type": "integer"}, "region": {"type": "string"},
            "opened_at": {"type": "string"}, "closes_at": {"type": "string", "format": "date"},
            "open": {"type": "boolean"},
            "ended_at": {"type": ["string", "null"], "description": "when the coordinator "
                         "ended the round early (UTC); closes_at stays the planned day"},
            "members": {"type": "integer"}, "answered": {"type": "integer"},
            "response_rate": {"type": "number"}, "named_ties": {"type": "integer"},
            "confirmed_ties": {"type": "integer"}, "confirmed_share": {"type": "number"},
            "responses": {"type": "array", "items": {
                "$ref": "#/components/schemas/survey_response"}}},
            "description": "members, rates and every response for the coordinator; a member "
                           "sees its own response only"},
        "survey_answer": {"type": "object", "additionalProperties": False, "properties": {
            "units": {"type": "array", "items": unit},
            "partners": {"type": "array", "items": partner, "maxItems": MAX_PARTNERS},
            "confirm": {"type": "array", "items": {"type": "string"}, "description":
                        "keys of ties other members reported with this municipality"},
            "reject": {"type": "array", "items": {"type": "string"}, "description":
                       "keys of such ties to remove"}}},
        "survey_response": {"type": "object", "properties": {
            "municipality": {"type": "string"}, "submitted_at": {"type": "string"},
            "by": {"type": ["string", "null"]},
            "answer": {"$ref": "#/components/schemas/survey_answer"},
            "changes": {"type": "array", "items": {"type": "object", "properties": {
                "action": {"type": "string"}, "target": {"type": "string"},
                "summary": {"type": "string"}}}},
            "created": {"type": "array", "items": {"type": "string"}, "description":
                        "keys of the actors the municipality's answers to the round created "
                        "as new partners, over all its submissions (at most "
                        f"{MAX_NEW_PARTNERS_PER_ROUND})"}}},
    }


def _survey_paths(errors: dict) -> dict[str, Any]:
    def param(name: str, kind: str = "string") -> dict:
        return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}

    def content(schema: str) -> dict:
        return {"content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{schema}"}}}}

    survey = {"description": "the survey round", **content("survey")}
    invalid = _error("invalid input, every problem with its field")
    return {
        "/regions/{slug}/surveys": {
            "parameters": [param("slug")],
            "post": {"summary": "Open a round of the relationship survey (coordinator)",
                     "requestBody": content("survey_open"),
                     "responses": {"201": survey, "409": _error(
                         "another round of the region is still open"), "422": invalid,
                         **errors}}},
        "/regions/{slug}/surveys/{survey_id}/close": {
            "parameters": [param("slug"), param("survey_id", "integer")],
            "post": {"summary": "End an open round early (coordinator): it takes no answers "
                                "from today on, and a new round may start",
                     "responses": {"200": survey, "409": _error("the round is closed"),
                                   **errors}}},
        "/regions/{slug}/surveys/{survey_id}": {
            "parameters": [param("slug"), param("survey_id", "integer")],
            "get": {"summary": "A survey round (response rate, answers and what they changed, "
                               "share of confirmed ties for the coordinator)",
                    "responses": {"200": survey, **errors}}},
        "/regions/{slug}/surveys/{survey_id}/responses/{key}": {
            "parameters": [param("slug"), param("survey_id", "integer"), param("key")],
            "put": {"summary": "Answer for a member municipality (its member accounts): units "
                               "confirmed or corrected, partners with kind, frequency, trust "
                               "and value (records with provenance self_reported; a tie both "
                               "ends report becomes confirmed), ties others reported "
                               "confirmed or rejected",
                    "requestBody": content("survey_answer"),
                    "responses": {"200": {"description": "the response",
                                          **content("survey_response")},
                                  "409": _error("the round is closed"), "422": invalid,
                                  **errors}}},
    }


def _account_paths(errors: dict) -> dict[str, Any]:
    settings = {"type": "object", "properties": {
        "email": {"type": "string", "description": "\"\" for none"},
        "current_password": {"type": "string", "writeOnly": True,
                             "description": "the account's password: needed to change email"},
        "language": {"type": "string", "enum": ["de", "en"],
                     "description": "language of the account's mails"},
        "choices": {"type": "object", "additionalProperties": {
            "type": "string", "enum": ["immediately", "daily", "off"]},
            "description": "per notification kind: mail at once, a daily digest, or none"}}}
    return {
        "/me": {
            "get": {"summary": "The calling account's e-mail, language, notification choices "
                               "and unread count",
                    "responses": {"200": {"description": "settings"}, **errors}},
            "patch": {"summary": "Change e-mail, language or notification choices",
                      "requestBody": {"content": {"application/json": {"schema": settings}}},
                      "responses": {"200": {"description": "settings"},
                                    "422": _error("invalid field"), **errors}}},
        "/notifications": {
            "get": {"summary": "The account's notifications, newest first, and the unread "
                               "count", "responses": {"200": {"description": "items"},
                                                      **errors}}},
        "/notifications/read": {
            "post": {"summary": "Mark every unread notification as read",
                     "responses": {"200": {"description": "how many"}, **errors}}},
    }
