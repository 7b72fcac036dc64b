"""The operations the gateway answers itself, as OpenAPI; the services publish the rest."""

from __future__ import annotations

from gateway.proxy import PUBLIC_PREFIX
from nestegg_common.openapi import Operation, Reply

TITLE = "Nestegg API"
DESCRIPTION = (
    "The public API of Nestegg, a retirement-planning backend. JSON in and out; every error is "
    "`application/problem+json` (RFC 9457). Authenticated operations need "
    "`Authorization: Bearer <access_token>` from `POST /api/v1/auth/login`. Generated from the "
    "services' pydantic models."
)
TAGS = {"docs": "This document and its browsable page."}


def operations() -> list[Operation]:
    """List the operations the gateway serves without a service behind it."""
    return [
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
