"""Serve the console's chart library: plotly.js, from the installed `plotly` wheel.

The wheel (pinned in constraints.txt) ships the plotly.js bundle as
`plotly/package_data/plotly.min.js`, so the console gets a maintained chart library with no
Node, no build step and no CDN (docs/CONSOLE.md, "Charts"). Two files are served:

- `/console/vendor/plotly.min.js`: the bundle as shipped.
- `/console/vendor/plotly.css`: the style rules plotly.js would otherwise inject into an
  inline `<style>` element, which the console's policy (`style-src 'self'`) refuses. plotly.js
  skips that injection when the page already has an element with id `plotly.js-style-global`
  and class `no-inline-styles` (index.html links this file so); the rules are read out of the
  bundle itself, so they always match the version installed.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources

from aiohttp import web

from gateway.console import CONSOLE_HEADERS
from nestegg_common.errors import NotFound

VENDOR_PREFIX = "/console/vendor"
_BUNDLE = ("plotly", "package_data/plotly.min.js")
# The bundle's table of base rules: {"X,X div":'direction:ltr;…', …}, then a loop replacing X
# and Y by the two root selectors (plotly.js src/css/_base.scss, built into the bundle).
_RULES_TABLE = re.compile(r'=\{("X,X div":.*?)\};for\(')
_RULE = re.compile(r'"((?:[^"\\]|\\.)*)":(?:\'((?:[^\'\\]|\\.)*)\'|"((?:[^"\\]|\\.)*)")')
_ROOTS = {"X": ".js-plotly-plot .plotly", "Y": ".plotly-notifier"}


@functools.cache
def plotly_bundle() -> bytes:
    """Read the plotly.js bundle of the installed wheel (once)."""
    package, name = _BUNDLE
    return resources.files(package).joinpath(name).read_bytes()


@functools.cache
def plotly_css() -> str:
    """Build the style sheet of the installed plotly.js's base rules (once)."""
    source = plotly_bundle().decode("utf-8")
    table = _RULES_TABLE.search(source)
    if table is None:  # a plotly.js whose bundle is laid out differently: fail loudly, not blank
        raise RuntimeError("plotly.js style rules not found in the bundle")
    rules = []
    for match in _RULE.finditer(table.group(1)):
        selector = re.sub(r"^,", " ,", match.group(1))
        selector = re.sub("[XY]", lambda m: _ROOTS[m.group(0)], selector)
        body = match.group(2) if match.group(2) is not None else match.group(3)
        rules.append(f"{selector}{{{body}}}")
    return "\n".join(rules) + "\n"


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _vendor_response(request: web.Request, content: bytes, content_type: str) -> web.Response:
    etag = _etag(content)
    headers = {**CONSOLE_HEADERS, "ETag": etag}
    if request.headers.get("If-None-Match") == etag:  # 4.8 MB: revalidate, do not resend
        return web.Response(status=304, headers=headers)
    return web.Response(body=content, content_type=content_type, charset="utf-8", headers=headers)


async def get_vendor_asset(request: web.Request) -> web.StreamResponse:
    """Serve plotly.js or its style sheet."""
    name = request.match_info["name"]
    if name == "plotly.min.js":
        return _vendor_response(request, plotly_bundle(), "text/javascript")
    if name == "plotly.css":
        return _vendor_response(request, plotly_css().encode("utf-8"), "text/css")
    raise NotFound("No such console file.")


def vendor_routes() -> list[web.RouteDef]:
    """Return the chart library's routes (outside /api/v1, like the rest of the console)."""
    return [web.get(f"{VENDOR_PREFIX}/{{name}}", get_vendor_asset)]
