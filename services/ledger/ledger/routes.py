"""The whole URL map of the ledger service."""

from __future__ import annotations

from aiohttp import web

from ledger import api_spec, handlers
from ledger.collections import COLLECTIONS


def setup_routes(app: web.Application) -> None:
    """Register every route of the service."""
    routes = []
    for c in COLLECTIONS:
        h = handlers.collection_handlers(c)
        routes += [
            web.get(f"/{c.name}", h.list_page),
            web.post(f"/{c.name}", h.create),
            web.get(f"/{c.name}/{{id}}", h.get),
            web.patch(f"/{c.name}/{{id}}", h.update),
            web.delete(f"/{c.name}/{{id}}", h.delete),
        ]
    routes += [
        web.get("/ledger/summary", handlers.get_summary),
        web.get("/internal/users/{user_id}/snapshot", handlers.get_user_snapshot),
        web.get("/internal/users/{user_id}/snapshot-version", handlers.get_user_snapshot_version),
        web.post("/internal/events", handlers.receive_event),
        web.get("/internal/openapi.json", api_spec.get_openapi_fragment),
    ]
    app.add_routes(routes)
