"""Run, compare, solve and optimize: fetch the user's data, build plans, reuse or compute."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from nestegg_common.db import Connection
from nestegg_common.erasure import ErasedUsers, guard_user_write
from nestegg_common.errors import NotFound, ValidationFailed
from nestegg_common.events import Event, apply_once
from nestegg_common.values import json_timestamp
from projections import changes, repository
from projections.compute import Engine, NothingToDecide
from projections.engine import expected_inputs_hash, load_historical
from projections.engine.compare import result_figures, returns_key
from projections.engine.plan import Plan
from projections.hash_memo import InputsHashMemo
from projections.historical_range import check_historical_range
from projections.limits import UserLimiter
from projections.metrics import RunMetrics
from projections.models import (
    ComparedRun,
    Comparison,
    MedianPoint,
    OptimizeRequest,
    Overrides,
    SolveRequest,
)
from projections.planning import build_plan, difference, projection_seed, summarise_figures
from projections.stored import stored_run_json
from projections.upstream import Upstreams

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Projections:
    """The projections service's dependencies, built once by `create_app`."""

    pool: asyncpg.Pool
    engine: Engine
    limiter: UserLimiter
    upstreams: Upstreams
    metrics: RunMetrics = field(default_factory=RunMetrics)
    runs_kept: int = 20
    hash_memo: InputsHashMemo = field(default_factory=InputsHashMemo)


@dataclass(frozen=True)
class PlannedRun:
    """One plan to run: the baseline (scenario None) or a scenario."""

    scenario_id: uuid.UUID | None
    name: str
    plan: dict[str, Any]
    inputs_hash: str
    today: date
    versions: repository.RunVersions = (None, 0, None)  # what it is built from (stored.py)

    def returns_key(self) -> str:
        """Return engine.compare.returns_key: equal keys share return paths (compare only).

        Not computed for every run: it validates the whole plan, the cost `hash_memo` saves.
        """
        return returns_key(Plan.model_validate(self.plan), self.today)


def _inputs_hash(ctx: Projections, plan: dict[str, Any], today: date) -> str:
    historical = None
    if plan["assumptions"]["mode"] == "historical":
        # The shipped series unless NESTEGG_HISTORICAL_DATA names a newer file (settings check
        # at start that it exists), so historical mode always has data.
        historical = load_historical(ctx.engine.historical_path)
        check_historical_range(historical, plan["assumptions"]["historical"])
    try:
        return ctx.hash_memo.inputs_hash(
            plan, today, lambda: expected_inputs_hash(plan, today=today, historical=historical)
        )
    except ValueError as err:
        raise ValidationFailed(f"This plan cannot be projected: {err}") from err


async def _plans(
    ctx: Projections,
    conn: Connection,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_ids: list[uuid.UUID | None],
) -> list[PlannedRun]:
    projection = await repository.get_projection(conn, user_id=user_id, projection_id=projection_id)
    if projection is None:
        raise NotFound("No such projection.")
    wanted = {sid for sid in scenario_ids if sid is not None}
    scenarios = {}
    if len(wanted) == 1:
        (only,) = wanted
        row = await repository.get_scenario(
            conn, user_id=user_id, projection_id=projection_id, scenario_id=only
        )
        scenarios = {} if row is None else {only: row}
    elif wanted:  # compare: every scenario of the projection in one query, not one per scenario
        rows = await repository.list_all_scenarios(
            conn, user_id=user_id, projection_id=projection_id
        )
        scenarios = {row["id"]: row for row in rows if row["id"] in wanted}
    if len(scenarios) != len(wanted):
        raise NotFound("No such scenario.")
    inputs = await ctx.upstreams.plan_inputs(user_id)
    profile, snapshot = inputs.profile, inputs.snapshot
    today, seed = date.today(), projection_seed(projection_id)
    version = None
    if inputs.changes is not None:
        # Learned with the inputs: safe to record, as counters only rise and every write was
        # announced before it committed (changes.py); the next read needs no fetch.
        await changes.record(conn, user_id, profile=inputs.changes[0], ledger=inputs.changes[1])
        version = changes.run_version(inputs.changes, today, ctx.engine.historical_path)
    planned = []
    for sid in scenario_ids:
        overrides = None if sid is None else Overrides.model_validate(scenarios[sid]["overrides"])
        plan = build_plan(
            profile=profile,
            snapshot=snapshot,
            assumptions=projection["assumptions"],
            overrides=overrides,
            seed=seed,
            today=today,
        )
        name = projection["name"] if sid is None else scenarios[sid]["name"]
        inputs_hash = _inputs_hash(ctx, plan, today)  # refuses (422) a plan it cannot hash
        versions = (
            version,
            projection["version"],
            None if sid is None else scenarios[sid]["version"],
        )
        planned.append(PlannedRun(sid, name, plan, inputs_hash, today, versions))
    return planned


async def _stored(
    ctx: Projections, user_id: uuid.UUID, projection_id: uuid.UUID, run: PlannedRun
) -> asyncpg.Record | None:
    """Return the stored run of these inputs, if there is one."""
    async with ctx.pool.acquire() as conn:
        stored = await repository.find_run(
            conn,
            user_id=user_id,
            projection_id=projection_id,
            scenario_id=run.scenario_id,
            inputs_hash=run.inputs_hash,
        )
    if stored is not None:
        ctx.metrics.cache_hits.inc()
    return stored


async def _store(
    ctx: Projections,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    run: PlannedRun,
    result: dict[str, Any],
) -> asyncpg.Record:
    """Store a computed result (or find the same inputs stored meanwhile) and return its row."""
    if result["inputs_hash"] != run.inputs_hash:  # the date turned over mid-request, say
        _LOGGER.warning("inputs hash changed during a run; storing under the engine's hash")
    async with ctx.pool.acquire() as conn, conn.transaction():
        await guard_user_write(conn, user_id)  # the user may have been erased while we computed
        try:
            async with conn.transaction():
                row = await repository.insert_run(
                    conn,
                    user_id=user_id,
                    projection_id=projection_id,
                    scenario_id=run.scenario_id,
                    result=result,
                    versions=run.versions,
                )
                if row is not None:
                    await repository.evict_old_runs(
                        conn, user_id=user_id, projection_id=projection_id, keep=ctx.runs_kept
                    )
        except asyncpg.ForeignKeyViolationError as err:
            # The projection or scenario was deleted (or the user erased) while we computed.
            raise NotFound("The projection or scenario was deleted while it ran.") from err
        if row is None:  # a concurrent request stored the same inputs first
            row = await repository.find_run(
                conn,
                user_id=user_id,
                projection_id=projection_id,
                scenario_id=run.scenario_id,
                inputs_hash=result["inputs_hash"],
            )
    assert row is not None
    return row


def run_out(row: asyncpg.Record, *, cached: bool) -> dict[str, Any]:
    """Return a stored run as the API shows it: the engine result plus where it came from."""
    return {
        **row["result"],
        "run_id": str(row["id"]),
        "projection_id": str(row["projection_id"]),
        "scenario_id": None if row["scenario_id"] is None else str(row["scenario_id"]),
        "created_at": json_timestamp(row["created_at"]),
        "cached": cached,
    }


async def run_projection(
    ctx: Projections, *, user_id: uuid.UUID, projection_id: uuid.UUID, scenario_id: uuid.UUID | None
) -> dict[str, Any] | bytes:
    """Run the baseline or one scenario; unchanged inputs return the stored result as JSON.

    Reading the stored result is not a computation: only a run that computes takes one of the
    user's slots (limits.py) and a place in the engine.
    """
    async with ctx.pool.acquire() as conn:  # the stored run, if nothing it was made from changed
        stored = await changes.find_current_run_json(
            conn,
            user_id=user_id,
            projection_id=projection_id,
            scenario_id=scenario_id,
            today=date.today(),
            historical_path=ctx.engine.historical_path,
        )
    if stored is not None:
        ctx.metrics.cache_hits.inc()
        return stored_run_json(stored)
    async with ctx.engine.budget() as computation:
        async with ctx.pool.acquire() as conn:
            (planned,) = await _plans(ctx, conn, user_id, projection_id, [scenario_id])
            stored = await repository.find_run_json(
                conn,
                user_id=user_id,
                projection_id=projection_id,
                scenario_id=planned.scenario_id,
                inputs_hash=planned.inputs_hash,
            )
            if stored is not None and planned.versions[0] is not None:
                # Same inputs: the next read finds it by these counters, without fetching them.
                await repository.tag_run(conn, run_id=stored["id"], versions=planned.versions)
        if stored is not None:
            ctx.metrics.cache_hits.inc()
            return stored_run_json(stored)
        async with ctx.limiter.slot(user_id):
            with ctx.metrics.computing():
                result = await computation.project(planned.plan, today=date.today())
        row = await _store(ctx, user_id, projection_id, planned, result)
    return run_out(row, cached=False)


async def compare(ctx: Projections, *, user_id: uuid.UUID, projection_id: uuid.UUID) -> Comparison:
    """Put the baseline and every scenario side by side, by the figures a compare answers.

    A stored plan is read from its run. The others are one computation (one slot, one place
    in the engine, one budget, one worker job, cancelled as a whole) on paths prepared once
    per returns key, answering only their figures (engine/compare.py), and are not stored: a
    scenario's whole result is computed and stored when it is run (docs/ENGINE.md).
    """
    async with ctx.engine.budget() as computation:
        async with ctx.pool.acquire() as conn:
            scenarios = await repository.list_all_scenarios(
                conn, user_id=user_id, projection_id=projection_id
            )
            ids: list[uuid.UUID | None] = [None, *(s["id"] for s in scenarios)]
            planned = await _plans(ctx, conn, user_id, projection_id, ids)
        rows = [await _stored(ctx, user_id, projection_id, run) for run in planned]
        figures: list[dict[str, Any] | None] = [
            None if row is None else result_figures(row["result"]) for row in rows
        ]
        missing = [i for i, row in enumerate(rows) if row is None]
        if missing:  # (every plan stored: a read, not a computation, no slot taken)
            async with ctx.limiter.slot(user_id):
                with ctx.metrics.computing():
                    computed = await computation.compare(
                        [planned[i].plan for i in missing], today=date.today()
                    )
            for i, answer in zip(missing, computed, strict=True):
                figures[i] = answer
    # Runs with equal keys were (or would have been) computed on the same return paths.
    keys = [run.returns_key() for run in planned]
    groups = {key: n for n, key in enumerate(dict.fromkeys(keys))}
    columns = []
    for run, row, found in zip(planned, rows, figures, strict=True):
        assert found is not None
        summary = summarise_figures(found, retirement_age=run.plan["profile"]["retirement_age"])
        columns.append((run, None if row is None else row["id"], found, summary))
    baseline = columns[0][3]
    return Comparison(
        projection_id=projection_id,
        runs=[
            ComparedRun(
                scenario_id=run.scenario_id,
                name=run.name,
                run_id=run_id,
                inputs_hash=run.inputs_hash,
                returns_group=groups[key],
                summary=summary,
                difference=None if run.scenario_id is None else difference(summary, baseline),
                median_portfolio_real=_median_points(answer, "median_portfolio_real"),
                median_portfolio=_median_points(answer, "median_portfolio"),
            )
            for (run, run_id, answer, summary), key in zip(columns, keys, strict=True)
        ],
    )


def _median_points(figures: dict[str, Any], name: str) -> list[MedianPoint]:
    return [
        MedianPoint(age=age, value=value)
        for age, value in zip(figures["ages"], figures[name], strict=True)
    ]


async def solve(
    ctx: Projections, *, user_id: uuid.UUID, projection_id: uuid.UUID, body: SolveRequest
) -> dict[str, Any]:
    """Find the earliest retirement age or highest spending reaching the success rate."""
    async with ctx.limiter.slot(user_id), ctx.engine.budget() as computation:
        async with ctx.pool.acquire() as conn:
            (planned,) = await _plans(ctx, conn, user_id, projection_id, [body.scenario_id])
        answer = await computation.solve(
            planned.plan, target=body.target, success_rate=body.success_rate, today=date.today()
        )
    return {
        "projection_id": str(projection_id),
        "scenario_id": body.scenario_id and str(body.scenario_id),
        **answer,
    }


async def optimize(
    ctx: Projections, *, user_id: uuid.UUID, projection_id: uuid.UUID, body: OptimizeRequest
) -> dict[str, Any]:
    """Rank every candidate of a decision on the plan's paths (one computation, not stored)."""
    async with ctx.limiter.slot(user_id), ctx.engine.budget() as computation:
        async with ctx.pool.acquire() as conn:
            (planned,) = await _plans(ctx, conn, user_id, projection_id, [body.scenario_id])
        try:
            answer = await computation.optimize(
                planned.plan, decision=body.decision, objective=body.objective, today=date.today()
            )
        except NothingToDecide as err:
            raise ValidationFailed(
                f"This plan has nothing to decide for `{body.decision}`: {err}.",
                errors=[{"field": "decision", "message": str(err), "type": "no_candidates"}],
            ) from err
    return {
        "projection_id": str(projection_id),
        "scenario_id": body.scenario_id and str(body.scenario_id),
        **answer,
    }


async def latest_run_summary(pool: asyncpg.Pool, *, user_id: uuid.UUID) -> dict[str, Any] | None:
    """Return the user's most recent run in brief, for the dashboard."""
    async with pool.acquire() as conn:
        row = await repository.latest_run(conn, user_id=user_id)
    if row is None:
        return None
    return {
        "run_id": str(row["id"]),
        "projection_id": str(row["projection_id"]),
        "projection_name": row["name"],
        "scenario_id": None if row["scenario_id"] is None else str(row["scenario_id"]),
        "success_rate": row["success_rate"],
        "inputs_hash": row["inputs_hash"],
        "created_at": json_timestamp(row["created_at"]),
    }


async def export_user(pool: asyncpg.Pool, *, user_id: uuid.UUID) -> dict[str, Any]:
    """Return every projection, scenario and run of the user, from one snapshot."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await repository.export_rows(conn, user_id=user_id)
    return {
        kind: [{k: _jsonable(v) for k, v in r.items()} for r in records]
        for kind, records in rows.items()
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return json_timestamp(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


async def apply_event(pool: asyncpg.Pool, event: Event, *, erased: ErasedUsers) -> bool:
    """Apply an event at most once; say whether it was new."""

    async def erase(conn: Connection, user_id: uuid.UUID) -> None:
        await repository.erase_user(conn, user_id=user_id)
        await changes.erase(conn, user_id)

    return await apply_once(pool, event, erase_user=erase, erased=erased)
