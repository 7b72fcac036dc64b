"""The operations the gateway answers itself, as OpenAPI; the services publish the rest."""

from __future__ import annotations

from gateway.models import Dashboard, Export
from gateway.proxy import PUBLIC_PREFIX
from nestegg_common.openapi import Operation, Reply

TITLE = "Nestegg API"
DESCRIPTION = (
    "The public API of Nestegg, a retirement-planning backend. JSON in and out; every error is "
    "`application/problem+json` (RFC 9457). Authenticated operations need "
    "`Authorization: Bearer <access_token>` from `POST /api/v1/auth/login`. Generated from the "
    "services' pydantic models."
)
TAGS = {
    "aggregate": "Answers the gateway composes from several services.",
    "docs": "This document and its browsable page.",
}


_USER_LIMIT = "Too many requests from this user (the gateway's per-user limit); `Retry-After` "
"says when to come back."


def operations() -> list[Operation]:
    """List the operations the gateway serves without a service behind it."""
    return [
        Operation(
            "get",
            f"{PUBLIC_PREFIX}/dashboard",
            "getDashboard",
            "Show profile, ledger totals and the latest run in one answer",
            ("aggregate",),
            {200: Reply("The dashboard; parts that could not be fetched are null.", Dashboard)},
            description="The three parts are fetched concurrently, each given at most 3 s; a "
            "part that fails or is late is null and named in `unavailable`, so the dashboard "
            "answers 200 even while a service is down.",
            errors={429: _USER_LIMIT},
        ),
        Operation(
            "get",
            f"{PUBLIC_PREFIX}/me/export",
            "exportMe",
            "Download every record the user owns, across all services",
            ("aggregate",),
            {200: Reply("The export, sent as an attachment.", Export, ("Cache-Control",))},
            description="All or nothing: if one service cannot give its part, the whole "
            "request fails. Sent with `Content-Disposition: attachment; "
            'filename="nestegg-export.json"` and `Cache-Control: no-store`.',
            errors={
                502: "A service holding part of the data is unavailable (or the account no "
                "longer exists).",
                504: "A service holding part of the data did not answer in time.",
                429: _USER_LIMIT,
            },
        ),
        Operation(
            "get",
            f"{PUBLIC_PREFIX}/openapi.json",
            "getOpenApiDocument",
            "Get this OpenAPI 3.1 document",
            ("docs",),
            {200: Reply("The document.", media_type="application/json")},
            description="`x-nestegg-unavailable` lists services whose part is missing right now.",
            auth=False,
        ),
        Operation(
            "get",
            f"{PUBLIC_PREFIX}/docs",
            "getApiDocsPage",
            "Read this document as a web page",
            ("docs",),
            {
                200: Reply(
                    "A self-contained HTML page (no scripts, no other hosts).",
                    media_type="text/html",
                )
            },
            auth=False,
        ),
    ]
