"""The whole URL map of the projections service."""

from __future__ import annotations

from aiohttp import web

from projections import api_spec, handlers

P = "/projections/{projection_id}"
S = P + "/scenarios/{scenario_id}"


def setup_routes(app: web.Application) -> None:
    """Register every route of the service."""
    app.add_routes(
        [
            web.get("/projections", handlers.list_projections_page),
            web.post("/projections", handlers.create_projection),
            web.get(P, handlers.get_projection),
            web.patch(P, handlers.update_projection),
            web.delete(P, handlers.delete_projection),
            web.get(P + "/scenarios", handlers.list_scenarios_page),
            web.post(P + "/scenarios", handlers.create_scenario),
            web.get(S, handlers.get_scenario),
            web.patch(S, handlers.update_scenario),
            web.delete(S, handlers.delete_scenario),
            web.post(P + "/run", handlers.run_projection),
            web.post(P + "/compare", handlers.compare_scenarios),
            web.post(P + "/solve", handlers.solve_target),
            web.post(P + "/optimize", handlers.optimize_decision),
            web.get("/internal/users/{user_id}/latest-run", handlers.get_latest_run),
            web.get("/internal/users/{user_id}/export", handlers.export_user),
            web.post("/internal/events", handlers.receive_event),
            web.post("/internal/users/{user_id}/input-changes", handlers.receive_input_change),
            web.get("/internal/openapi.json", api_spec.get_openapi_fragment),
        ]
    )
