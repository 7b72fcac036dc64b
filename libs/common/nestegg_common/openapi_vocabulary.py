"""The fixed parts of every OpenAPI document: the problem schemas, headers and error meanings.

`nestegg_common.openapi` builds documents from these and the services' models.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
PROBLEM = "Problem"
REF_TEMPLATE = "#/components/schemas/{model}"

# The RFC 9457 body `nestegg_common.problems.problem_response` writes (a unit test holds them
# together). `instance` and `errors` are left out when they do not apply, never null.
PROBLEM_SCHEMAS: dict[str, JsonObject] = {
    "FieldError": {
        "type": "object",
        "description": "One bad field or parameter of a request.",
        "properties": {
            "field": {
                "type": "string",
                "description": "dotted path, e.g. `balance`, `query.limit`",
            },
            "message": {"type": "string", "description": "what is wrong, in plain words"},
            "type": {"type": "string", "description": "machine-readable kind, e.g. `missing`"},
        },
        "required": ["field", "message", "type"],
    },
    PROBLEM: {
        "type": "object",
        "description": "An RFC 9457 problem: every error answer has this shape.",
        "properties": {
            "type": {"type": "string", "description": "`urn:nestegg:problem:<slug>`"},
            "title": {"type": "string", "description": "a short summary of the kind of problem"},
            "status": {
                "type": "integer",
                "minimum": 400,
                "maximum": 599,
                "description": "the HTTP status code, repeated",
            },
            "detail": {"type": "string", "description": "what went wrong and how to fix it"},
            "instance": {"type": "string", "description": "the path that was requested"},
            "request_id": {"type": "string", "description": "quote it when reporting a problem"},
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/FieldError"},
                "description": "validation errors only: each bad field",
            },
        },
        "required": ["type", "title", "status", "detail", "request_id"],
    },
}

STRING_SCHEMA: JsonObject = {"type": "string"}
# name → (description, schema, sent on every answer that lists it)
RESPONSE_HEADERS: dict[str, tuple[str, JsonObject, bool]] = {
    "ETag": ("The record's version; send it back in `If-Match`.", STRING_SCHEMA, True),
    "Location": ("The path of what was created.", STRING_SCHEMA, True),
    "Cache-Control": ("Caching rules for this answer.", STRING_SCHEMA, True),
    "Retry-After": ("Seconds to wait before trying again.", {"type": "integer"}, False),
    "Idempotent-Replayed": (
        "`true` when this is the stored answer of an earlier request with the same key.",
        {"type": "string", "enum": ["true"]},
        False,
    ),
    "WWW-Authenticate": ("How to authenticate: `Bearer`.", STRING_SCHEMA, True),
    "X-Request-Id": ("The request's id (the caller's when well-formed).", STRING_SCHEMA, True),
}
# name → (description, schema)
REQUEST_HEADERS: dict[str, tuple[str, JsonObject]] = {
    "Idempotency-Key": (
        "Makes a retried POST return the first answer instead of creating a second record; "
        "1 to 255 printable ASCII characters without spaces, kept per user for at least 24 h.",
        {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    ),
    "If-Match": (
        "Act only while the record is at this ETag (from an earlier answer); `*` matches any.",
        STRING_SCHEMA,
    ),
}
# What each error status means unless an operation says more precisely.
PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "The request cannot be read (malformed JSON, tampered cursor).",
    401: "Missing, malformed, invalid or expired access token.",
    403: "Authenticated, but not allowed.",
    404: "No such resource for this user (also said of another user's).",
    409: "Conflicts with the current state.",
    412: "`If-Match` does not name the current version.",
    413: "The body is larger than accepted.",
    415: "The body is not JSON.",
    422: "A field or parameter is invalid; `errors` names each.",
    429: "Too many requests; `Retry-After` says when to come back.",
    502: "A service behind the gateway is unavailable.",
    503: "The service cannot answer right now; try again later.",
    504: "A service behind the gateway did not answer in time.",
}
PROBLEM_HEADERS = {
    401: ("WWW-Authenticate",),
    429: ("Retry-After",),
    409: ("Retry-After",),
    503: ("Retry-After",),
}
