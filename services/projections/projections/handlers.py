"""HTTP handlers of the projections service: parse, call the use case, respond."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from aiohttp import web

from nestegg_common.auth import current_user_id
from nestegg_common.disconnect import unless_disconnected
from nestegg_common.erasure import ERASED_USERS, AccountErased
from nestegg_common.errors import NotFound
from nestegg_common.etags import etag_for, expected_version
from nestegg_common.events import Event
from nestegg_common.http import json_response, read_body_model, read_json, read_query_model
from nestegg_common.idempotency import create_once
from nestegg_common.input_changes import ERASED_STATUS
from nestegg_common.pagination import CursorCodec, PageQuery
from projections import changes, runs, usecases
from projections.historical_range import available_series, check_historical_range
from projections.models import (
    CompareRequest,
    OptimizeRequest,
    ProjectionIn,
    RunRequest,
    ScenarioIn,
    SolveRequest,
)
from projections.runs import Projections


@dataclass(frozen=True)
class Quotas:
    """How many projections a user, and scenarios a projection, may have."""

    projections_per_user: int
    scenarios_per_projection: int


PROJECTIONS = web.AppKey("projections", Projections)
CURSORS = web.AppKey("cursors", CursorCodec)
QUOTAS = web.AppKey("quotas", Quotas)


def path_id(request: web.Request, name: str, noun: str) -> uuid.UUID:
    """Return a path id; a malformed one names nothing, so 404."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError as err:
        raise NotFound(f"No such {noun}.") from err


def projection_id(request: web.Request) -> uuid.UUID:
    """Return the `{projection_id}` of the path."""
    return path_id(request, "projection_id", "projection")


def scenario_id(request: web.Request) -> uuid.UUID:
    """Return the `{scenario_id}` of the path."""
    return path_id(request, "scenario_id", "scenario")


async def list_projections_page(request: web.Request) -> web.StreamResponse:
    """List the user's projections, newest first."""
    query = read_query_model(request, PageQuery)
    items, next_cursor = await usecases.list_projections(
        request.app[PROJECTIONS].pool,
        user_id=current_user_id(request),
        limit=query.limit,
        cursor=query.cursor,
        codec=request.app[CURSORS],
    )
    return json_response({"items": items, "next_cursor": next_cursor})


async def create_projection(request: web.Request) -> web.StreamResponse:
    """Create a projection (Idempotency-Key honoured)."""
    body, user_id = await read_body_model(request, ProjectionIn), current_user_id(request)
    check_historical_range(
        available_series(request.app[PROJECTIONS].engine.historical_path),
        body.assumptions.historical.model_dump(),
    )
    created = await create_once(
        request.app[PROJECTIONS].pool,
        request,
        user_id=user_id,
        body=await request.read(),
        create=lambda conn: usecases.create_projection(
            conn, user_id=user_id, body=body, quota=request.app[QUOTAS].projections_per_user
        ),
    )
    return created.response()


async def get_projection(request: web.Request) -> web.StreamResponse:
    """Show one projection."""
    body, version = await usecases.get_projection(
        request.app[PROJECTIONS].pool,
        user_id=current_user_id(request),
        projection_id=projection_id(request),
    )
    return json_response(body, headers={"ETag": etag_for(version)})


async def update_projection(request: web.Request) -> web.StreamResponse:
    """Change a projection's name or assumptions (If-Match honoured)."""
    pid, if_match = projection_id(request), expected_version(request)
    body, version = await usecases.update_projection(
        request.app[PROJECTIONS].pool,
        user_id=current_user_id(request),
        projection_id=pid,
        patch=await read_json(request),
        expected_version=if_match,
        historical=available_series(request.app[PROJECTIONS].engine.historical_path),
    )
    return json_response(body, headers={"ETag": etag_for(version)})


async def delete_projection(request: web.Request) -> web.StreamResponse:
    """Delete a projection with its scenarios and runs."""
    await usecases.delete_projection(
        request.app[PROJECTIONS].pool,
        user_id=current_user_id(request),
        projection_id=projection_id(request),
        expected_version=expected_version(request),
    )
    return web.Response(status=204)


async def list_scenarios_page(request: web.Request) -> web.StreamResponse:
    """List a projection's scenarios, newest first."""
    query = read_query_model(request, PageQuery)
    items, next_cursor = await usecases.list_scenarios(
        request.app[PROJECTIONS].pool,
        user_id=current_user_id(request),
        projection_id=projection_id(request),
        limit=query.limit,
        cursor=query.cursor,
        codec=request.app[CURSORS],
    )
    return json_response({"items": items, "next_cursor": next_cursor})


async def create_scenario(request: web.Request) -> web.StreamResponse:
    """Create a scenario of a projection (Idempotency-Key honoured)."""
    pid, user_id = projection_id(request), current_user_id(request)
    body = await read_body_model(request, ScenarioIn)
    created = await create_once(
        request.app[PROJECTIONS].pool,
        request,
        user_id=user_id,
        body=await request.read(),
        create=lambda conn: usecases.create_scenario(
            conn,
            user_id=user_id,
            projection_id=pid,
            body=body,
            quota=request.app[QUOTAS].scenarios_per_projection,
        ),
    )
    return created.response()


async def get_scenario(request: web.Request) -> web.StreamResponse:
    """Show one scenario."""
    body, version = await usecases.get_scenario(
        request.app[PROJECTIONS].pool,
        user_id=current_user_id(request),
        projection_id=projection_id(request),
        scenario_id=scenario_id(request),
    )
    return json_response(body, headers={"ETag": etag_for(version)})


async def update_scenario(request: web.Request) -> web.StreamResponse:
    """Change a scenario's name or replace its overrides (If-Match honoured)."""
    pid, sid, if_match = projection_id(request), scenario_id(request), expected_version(request)
    body, version = await usecases.update_scenario(
        request.app[PROJECTIONS].pool,
        user_id=current_user_id(request),
        projection_id=pid,
        scenario_id=sid,
        patch=await read_json(request),
        expected_version=if_match,
    )
    return json_response(body, headers={"ETag": etag_for(version)})


async def delete_scenario(request: web.Request) -> web.StreamResponse:
    """Delete a scenario with its runs."""
    await usecases.delete_scenario(
        request.app[PROJECTIONS].pool,
        user_id=current_user_id(request),
        projection_id=projection_id(request),
        scenario_id=scenario_id(request),
        expected_version=expected_version(request),
    )
    return web.Response(status=204)


async def run_projection(request: web.Request) -> web.StreamResponse:
    """Run the baseline or a scenario; unchanged inputs are answered from the stored run."""
    pid = projection_id(request)
    body = await read_body_model(request, RunRequest) if request.can_read_body else RunRequest()
    result = await unless_disconnected(
        request,
        runs.run_projection(
            request.app[PROJECTIONS],
            user_id=current_user_id(request),
            projection_id=pid,
            scenario_id=body.scenario_id,
        ),
    )
    if isinstance(result, bytes):  # a stored result, already JSON
        return web.Response(body=result, content_type="application/json")
    return json_response(result)


async def compare_scenarios(request: web.Request) -> web.StreamResponse:
    """Put the baseline and every scenario side by side."""
    if request.can_read_body:
        await read_body_model(request, CompareRequest)  # refuses unknown fields
    comparison = await unless_disconnected(
        request,
        runs.compare(
            request.app[PROJECTIONS],
            user_id=current_user_id(request),
            projection_id=projection_id(request),
        ),
    )
    return json_response(comparison)


async def solve_target(request: web.Request) -> web.StreamResponse:
    """Find the earliest retirement age or the highest spending reaching a success rate."""
    pid, body = projection_id(request), await read_body_model(request, SolveRequest)
    answer = await unless_disconnected(
        request,
        runs.solve(
            request.app[PROJECTIONS], user_id=current_user_id(request), projection_id=pid, body=body
        ),
    )
    return json_response(answer)


async def optimize_decision(request: web.Request) -> web.StreamResponse:
    """Rank every candidate of a decision (claiming ages, Roth conversions) on shared paths."""
    pid, body = projection_id(request), await read_body_model(request, OptimizeRequest)
    answer = await unless_disconnected(
        request,
        runs.optimize(
            request.app[PROJECTIONS], user_id=current_user_id(request), projection_id=pid, body=body
        ),
    )
    return json_response(answer)


async def get_latest_run(request: web.Request) -> web.StreamResponse:
    """Give the gateway a user's latest run in brief (internal)."""
    user_id = path_id(request, "user_id", "user")
    return json_response(
        {
            "latest_run": await runs.latest_run_summary(
                request.app[PROJECTIONS].pool, user_id=user_id
            )
        }
    )


async def export_user(request: web.Request) -> web.StreamResponse:
    """Give the gateway every projection, scenario and run of a user (internal)."""
    user_id = path_id(request, "user_id", "user")
    return json_response(await runs.export_user(request.app[PROJECTIONS].pool, user_id=user_id))


async def receive_event(request: web.Request) -> web.StreamResponse:
    """Apply an outbox event once; redeliveries are acknowledged and ignored (internal)."""
    event = await read_body_model(request, Event)
    applied = await runs.apply_event(
        request.app[PROJECTIONS].pool, event, erased=request.app[ERASED_USERS]
    )
    return json_response({"applied": applied})


async def receive_input_change(request: web.Request) -> web.StreamResponse:
    """Record a user's new change counter, announced by accounts or ledger (internal, issue 19).

    Answered once the counter is committed here: the announcing write commits only after that.
    410 for a user erased here already: the announcing service refuses the write as erased too.
    """
    user_id = path_id(request, "user_id", "user")
    change = await read_body_model(request, changes.Announcement)
    try:
        async with request.app[PROJECTIONS].pool.acquire() as conn:
            await changes.announced(conn, user_id, change.source, change.counter)
    except AccountErased:
        return web.Response(status=ERASED_STATUS)
    return web.Response(status=204)
