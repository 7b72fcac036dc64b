"""Serve the web console: one HTML page at `/` and its static assets under `/console/`.

The console is plain files (ES modules, CSS, SVG) in the package's `console/` folder; nothing is
built or fetched at run time. Every answer carries a strict Content-Security-Policy: scripts,
styles and requests only from this origin, no inline script, no framing.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

from nestegg_common.errors import NotFound

CONSOLE_DIR = Path(__file__).with_name("console")
ASSET_PREFIX = "/console"

_ASSET_NAME = re.compile(r"^[a-z][a-z0-9-]*\.(js|css|svg)$")
_CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
}
CONSOLE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
CONSOLE_HEADERS = {
    "Content-Security-Policy": CONSOLE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Small files that change with each release: revalidate instead of guessing an expiry.
    "Cache-Control": "no-cache",
}


def _file_response(path: Path, kind: str) -> web.FileResponse:
    if not path.is_file():
        raise NotFound("No such console file.")
    response = web.FileResponse(path, headers=CONSOLE_HEADERS)
    response.content_type = _CONTENT_TYPES[kind].split(";")[0]
    if "charset" in _CONTENT_TYPES[kind]:
        response.charset = "utf-8"
    return response


async def get_console_page(_request: web.Request) -> web.StreamResponse:
    """Serve the console's single page."""
    return _file_response(CONSOLE_DIR / "index.html", "html")


async def get_console_asset(request: web.Request) -> web.StreamResponse:
    """Serve one of the console's scripts, style sheets or images (flat names only)."""
    name = request.match_info["name"]
    match = _ASSET_NAME.match(name)
    if match is None:
        raise NotFound("No such console file.")
    return _file_response(CONSOLE_DIR / name, match.group(1))


def console_routes() -> list[web.RouteDef]:
    """Return the console's routes; they live outside /api/v1 and are not in the OpenAPI."""
    return [
        web.get("/", get_console_page),
        web.get(f"{ASSET_PREFIX}/{{name}}", get_console_asset),
    ]
