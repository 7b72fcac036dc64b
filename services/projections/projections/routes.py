"""The whole URL map of the projections service."""

from __future__ import annotations

from aiohttp import web


def setup_routes(app: web.Application) -> None:
    """Register every route of the service (only health and readiness so far)."""
    app.add_routes([])
