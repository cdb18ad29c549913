"""The OpenAPI 3.1 document of /api/v1, kept by hand here and checked by tests against the routes
(tests/api/test_openapi.py) and against the live app (schemathesis). Link schemas come from
``schemas.LINK_FIELDS``, so a new link field appears here without an edit."""

from ..clicks import stats
from ..links.service import MAX_PAGE, SORTS
from ..links.tags import TAG_MAX_LENGTH
from . import schemas
from .errors import CODES

MAX_PER_PAGE, MAX_SEARCH_LENGTH = schemas.MAX_PER_PAGE, schemas.MAX_SEARCH_LENGTH
ERROR_CODES = sorted({*CODES.values(), "invalid_json", "invalid_body", "invalid_parameter", "invalid_field",
                      "invalid_target_url", "invalid_slug", "missing_field", "unknown_field", "slug_taken",
                      "address_not_confirmed"})


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(description: str, ref: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


COMMON = {"401": _error("No valid token."),
          "429": _error("Rate limit exceeded (per token, or per address without one); see Retry-After.")}
LINK_ERRORS = {**COMMON, "404": _error("No link of yours has this id.")}
BODY_ERRORS = {"400": _error("The body is not JSON."), "413": _error("The body is over 64 KiB."),
               "415": _error("The body is not application/json."),
               "422": _error("A field is missing, unknown or invalid.")}
POINTS = ("The time series: 24h by hour; 7d, 30d and 90d by UTC day; all by day up to 120 days "
          "(at least the last 30), then by week (from Monday) up to two years, then by month.")
VISITORS = "Daily unique visitors, summed over the range's UTC days (24h: yesterday and today)."

LINK_ID = {"name": "link_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 0}, "example": 1}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "shortener API", "version": "1.0.0",
            "description": (
                "Personal tokens from /settings/tokens, sent as `Authorization: Bearer <token>`. "
                "Errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`; the codes are "
                "stable. Each token may make RATELIMIT_API requests (default 600 per minute); past "
                "it, 429 with Retry-After. Requests without a valid token (401) are counted per "
                "client address (RATELIMIT_API_UNAUTHENTICATED, default 60 per minute); past it, "
                "429 with Retry-After as well. Link options: starts_at, click_limit, redirect_code, "
                "forward_query and password (write-only: never returned, null removes it; "
                "has_password tells whether one is set). Tags: a link's list in `tags`, "
                "`GET /links?tag=` to filter by one, `GET /tags` for their totals."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal token, shr_..."}},
            "schemas": _components(),
        },
    }


def _paths() -> dict:
    link_id = {"parameters": [LINK_ID]}
    return {
        "/links": {
            "get": {"operationId": "listLinks", "summary": "Your links, a page at a time",
                    "parameters": [
                        _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                               "Page number."),
                        _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                               "Links per page (default LINKS_PER_PAGE)."),
                        _query("q", {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
                               "Keep links whose slug, title or target contains this (any case)."),
                        _query("sort", {"type": "string", "enum": list(SORTS), "default": "newest"},
                               "newest first, most clicked first, or last clicked first."),
                        _query("tag", {"type": "string", "maxLength": TAG_MAX_LENGTH},
                               "Keep links carrying this tag (any case)."),
                    ],
                    "responses": {"200": _json("A page of links.", "LinkPage"),
                                  "400": _error("A parameter is invalid."), **COMMON}},
            "post": {"operationId": "createLink", "summary": "Create a link",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/LinkCreate"}}}},
                     "responses": {"201": _json("The new link.", "Link"), **BODY_ERRORS, **COMMON,
                                   "403": _error("Your address is not confirmed (registration "
                                                 "is not open): confirm it first."),
                                   "409": _error("You already have a link with this slug.")}},
        },
        "/links/{link_id}": {
            **link_id,
            "get": {"operationId": "getLink", "summary": "One link",
                    "responses": {"200": _json("The link.", "Link"), **LINK_ERRORS}},
            "patch": {"operationId": "updateLink", "summary": "Change the fields sent",
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": {"$ref": "#/components/schemas/LinkUpdate"}}}},
                      "responses": {"200": _json("The changed link.", "Link"), **BODY_ERRORS,
                                    **LINK_ERRORS}},
            "delete": {"operationId": "deleteLink", "summary": "Delete a link and its statistics",
                       "responses": {"204": {"description": "Deleted."}, **LINK_ERRORS}},
        },
        "/tags": {
            "get": {"operationId": "listTags", "summary": "Your tags, with their links and human clicks",
                    "responses": {"200": _json("Every tag in use, most links first.", "TagTotals"),
                                  "400": _error("A parameter is invalid."), **COMMON}},
        },
        "/links/{link_id}/stats": {
            **link_id,
            "get": {"operationId": "getLinkStats", "summary": "The link page's figures for a range",
                    "parameters": [_query("range", {"type": "string", "enum": list(stats.RANGES),
                                                    "default": stats.DEFAULT_RANGE}, "The period.")],
                    "responses": {"200": _json("Statistics.", "LinkStats"),
                                  "400": _error("Unknown range."), **LINK_ERRORS}},
        },
        "/links/{link_id}/clicks.csv": {
            **link_id,
            "get": {"operationId": "exportClicksCsv",
                    "summary": "Every click, oldest first, as CSV (streamed)",
                    "responses": {"200": {"description": "CSV with a header row.",
                                          "content": {"text/csv": {"schema": {"type": "string"}}}},
                                  **LINK_ERRORS}},
        },
        "/links/{link_id}/clicks.jsonl": {
            **link_id,
            "get": {"operationId": "exportClicksJsonl",
                    "summary": "Every click, oldest first, as JSON lines (streamed)",
                    "responses": {"200": {"description": "One JSON object per line.",
                                          "content": {"application/jsonl": {"schema": {"type": "string"}}}},
                                  **LINK_ERRORS}},
        },
    }


def _share() -> dict:
    return {"type": "object", "required": ["value", "clicks", "percent"],
            "properties": {"value": {"type": "string"}, "clicks": {"type": "integer"},
                           "percent": {"type": "number"}}}


def _components() -> dict:
    shares = {"type": "array", "items": {"$ref": "#/components/schemas/Share"}}
    return {
        "Link": schemas.link_schema(),
        "LinkCreate": schemas.input_schema("create"),
        "LinkUpdate": schemas.input_schema("update"),
        "LinkPage": {"type": "object", "required": ["links", "page", "per_page", "total", "pages"],
                     "properties": {"links": {"type": "array",
                                              "items": {"$ref": "#/components/schemas/Link"}},
                                    "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                    "total": {"type": "integer"}, "pages": {"type": "integer"}}},
        "Share": _share(),
        "TagTotals": {"type": "object", "required": ["tags"], "properties": {"tags": {
            "type": "array", "items": {"$ref": "#/components/schemas/TagTotal"}}}},
        "TagTotal": {"type": "object", "required": ["name", "links", "clicks"],
                     "properties": {"name": {"type": "string"}, "links": {"type": "integer"},
                                    "clicks": {"type": "integer", "description": "Human clicks."}}},
        "LinkStats": {
            "type": "object", "required": ["range", "totals", "points", "breakdowns", "bots"],
            "properties": {
                "range": {"type": "string", "enum": list(stats.RANGES)},
                "totals": {"type": "object", "required": ["humans", "bots", "visitors"],
                           "properties": {"humans": {"type": "integer"}, "bots": {"type": "integer"},
                                          "visitors": {"type": "integer",
                                                       "description": VISITORS}}},
                "points": {"type": "array", "description": POINTS, "items": {
                    "type": "object", "required": ["start", "label", "humans", "bots"],
                    "properties": {"start": {"type": "string"}, "label": {"type": "string"},
                                   "humans": {"type": "integer"}, "bots": {"type": "integer"}}}},
                "breakdowns": {"type": "object", "additionalProperties": shares,
                               "description": "Top values per dimension over the range's UTC days "
                                              "(24h: yesterday and today), the tail as \"other\"."},
                "bots": shares,
            },
        },
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string", "enum": ERROR_CODES}, "message": {"type": "string"},
                           "field": {"type": "string"}}}}},
    }
