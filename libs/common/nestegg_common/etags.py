"""Strong ETags from row versions, and `If-Match` preconditions (RFC 9110 §13.1.1)."""

from __future__ import annotations

import re

from aiohttp import web

from nestegg_common.errors import PreconditionFailed

_VERSION_TAG = re.compile(r'^"v(\d{1,10})"$')


def etag_for(version: int) -> str:
    """Return the ETag of a record at `version`."""
    return f'"v{version}"'


def expected_version(request: web.Request) -> int | None:
    """Return the version `If-Match` requires, None when absent or `*`; 412 when unusable."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _VERSION_TAG.match(header.strip())
    if match is None:
        # A weak, foreign or list-valued tag can never equal our strong single tag.
        raise PreconditionFailed("If-Match does not name the current version of this record.")
    return int(match.group(1))
