"""Projections and scenarios: create, read, change, delete — one unit of work each."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from pydantic import ValidationError

from nestegg_common.db import Connection
from nestegg_common.erasure import guard_user_write
from nestegg_common.errors import NotFound, PreconditionFailed, ValidationFailed
from nestegg_common.etags import etag_for
from nestegg_common.http import patch_fields
from nestegg_common.idempotency import Created
from nestegg_common.pagination import CursorCodec, after_position, page_of
from nestegg_common.problems import validation_errors
from nestegg_common.quotas import check_quota, lock_quota
from projections import repository
from projections.engine.returns import HistoricalSeries
from projections.historical_range import check_historical_range
from projections.models import Overrides, ProjectionIn, ProjectionOut, ScenarioIn, ScenarioOut
from projections.planning import full_assumptions, merged_assumptions

Page = tuple[list[dict[str, Any]], str | None]


def projection_out(row: asyncpg.Record) -> dict[str, Any]:
    """Return a projection row as the API shows it."""
    shown: dict[str, Any] = ProjectionOut.model_validate(dict(row)).model_dump(mode="json")
    return shown


def scenario_out(row: asyncpg.Record) -> dict[str, Any]:
    """Return a scenario row as the API shows it.

    Overrides are spelled out again on the way out, so one stored before an override field
    existed (e.g. `claiming_ages`) shows it at its default like every other.
    """
    overrides = Overrides.model_validate(row["overrides"]).model_dump(mode="json")
    shown: dict[str, Any] = ScenarioOut.model_validate(
        {**dict(row), "overrides": overrides}
    ).model_dump(mode="json")
    return shown


def _page(rows: list[asyncpg.Record], limit: int, codec: CursorCodec, shown: Any) -> Page:
    page, cursor = page_of(rows, limit, codec)
    return [shown(r) for r in page], cursor


async def _projection_or_404(
    conn: Connection, user_id: uuid.UUID, projection_id: uuid.UUID, *, lock: bool = False
) -> asyncpg.Record:
    row = await repository.get_projection(
        conn, user_id=user_id, projection_id=projection_id, lock=lock
    )
    if row is None:
        raise NotFound("No such projection.")
    return row


async def create_projection(
    conn: Connection, *, user_id: uuid.UUID, body: ProjectionIn, quota: int
) -> Created:
    """Store a projection with every assumption spelled out, within the user's quota."""
    await guard_user_write(conn, user_id)
    await lock_quota(conn, scope="projections", owner=user_id)
    held = await repository.count_projections(conn, user_id=user_id, at_most=quota)
    check_quota(
        held,
        quota,
        detail=f"You already have {quota} projections, the most allowed; "
        "delete one to add another.",
    )
    row = await repository.insert_projection(
        conn, user_id=user_id, name=body.name, assumptions=full_assumptions(body.assumptions)
    )
    return Created(
        body=projection_out(row),
        headers={"Location": f"/api/v1/projections/{row['id']}", "ETag": etag_for(row["version"])},
    )


async def get_projection(
    pool: asyncpg.Pool, *, user_id: uuid.UUID, projection_id: uuid.UUID
) -> tuple[dict[str, Any], int]:
    """Return one of the user's projections and its version."""
    async with pool.acquire() as conn:
        row = await _projection_or_404(conn, user_id, projection_id)
    return projection_out(row), row["version"]


async def list_projections(
    pool: asyncpg.Pool, *, user_id: uuid.UUID, limit: int, cursor: str | None, codec: CursorCodec
) -> Page:
    """Return a page of projections, newest first."""
    async with pool.acquire() as conn:
        rows = await repository.list_projections_page(
            conn, user_id=user_id, limit=limit + 1, after=after_position(cursor, codec)
        )
    return _page(rows, limit, codec, projection_out)


async def update_projection(
    pool: asyncpg.Pool,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    patch: Any,
    expected_version: int | None,
    historical: HistoricalSeries | None = None,
) -> tuple[dict[str, Any], int]:
    """Change the name and/or some assumptions (merged into the stored ones).

    `historical` is the series runs use: a historical range outside it is refused (422).
    """
    changes = patch_fields(patch, {"name", "assumptions"}, noun="projection")
    async with pool.acquire() as conn, conn.transaction():
        await guard_user_write(conn, user_id)
        stored = await _projection_or_404(conn, user_id, projection_id, lock=True)
        if expected_version is not None and stored["version"] != expected_version:
            raise PreconditionFailed(
                "The projection changed since you read it; fetch it and retry."
            )
        assumption_changes = changes.get("assumptions", {})
        if not isinstance(assumption_changes, dict):
            raise ValidationFailed(
                "assumptions must be an object.",
                errors=[
                    {"field": "assumptions", "message": "expected an object", "type": "dict_type"}
                ],
            )
        try:
            name = ProjectionIn.model_validate({"name": changes.get("name", stored["name"])}).name
        except ValidationError as err:
            raise ValidationFailed("The name is invalid.", errors=validation_errors(err)) from err
        assumptions = merged_assumptions(
            stored["assumptions"], assumption_changes, field="assumptions"
        )
        check_historical_range(historical, assumptions["historical"])
        row = await repository.update_projection(
            conn, user_id=user_id, projection_id=projection_id, name=name, assumptions=assumptions
        )
    assert row is not None  # locked by us above
    return projection_out(row), row["version"]


async def delete_projection(
    pool: asyncpg.Pool,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    expected_version: int | None,
) -> None:
    """Delete a projection with its scenarios and runs."""
    async with pool.acquire() as conn, conn.transaction():
        await guard_user_write(conn, user_id)
        if not await repository.delete_projection(
            conn, user_id=user_id, projection_id=projection_id, expected_version=expected_version
        ):
            await _projection_or_404(conn, user_id, projection_id)
            raise PreconditionFailed(
                "The projection changed since you read it; fetch it and retry."
            )


def _checked_overrides(overrides: Overrides, projection: asyncpg.Record) -> dict[str, Any]:
    # Checked against the projection's assumptions now, so a bad scenario fails at write time.
    merged_assumptions(
        projection["assumptions"], overrides.assumptions, field="overrides.assumptions"
    )
    return overrides.model_dump(mode="json")


async def create_scenario(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    body: ScenarioIn,
    quota: int,
) -> Created:
    """Store a scenario of one of the user's projections, within the projection's quota."""
    await guard_user_write(conn, user_id)
    await lock_quota(conn, scope="projections.scenarios", owner=projection_id)
    projection = await _projection_or_404(conn, user_id, projection_id)
    held = await repository.count_scenarios(
        conn, user_id=user_id, projection_id=projection_id, at_most=quota
    )
    check_quota(
        held,
        quota,
        detail=f"This projection already has {quota} scenarios, the most allowed; "
        "delete one to add another.",
    )
    row = await repository.insert_scenario(
        conn,
        user_id=user_id,
        projection_id=projection_id,
        name=body.name,
        overrides=_checked_overrides(body.overrides, projection),
    )
    location = f"/api/v1/projections/{projection_id}/scenarios/{row['id']}"
    return Created(
        body=scenario_out(row), headers={"Location": location, "ETag": etag_for(row["version"])}
    )


async def _scenario_or_404(
    conn: Connection,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID,
    *,
    lock: bool = False,
) -> asyncpg.Record:
    row = await repository.get_scenario(
        conn, user_id=user_id, projection_id=projection_id, scenario_id=scenario_id, lock=lock
    )
    if row is None:
        raise NotFound("No such scenario.")
    return row


async def get_scenario(
    pool: asyncpg.Pool, *, user_id: uuid.UUID, projection_id: uuid.UUID, scenario_id: uuid.UUID
) -> tuple[dict[str, Any], int]:
    """Return one scenario and its version."""
    async with pool.acquire() as conn:
        row = await _scenario_or_404(conn, user_id, projection_id, scenario_id)
    return scenario_out(row), row["version"]


async def list_scenarios(
    pool: asyncpg.Pool,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    codec: CursorCodec,
) -> Page:
    """Return a page of a projection's scenarios, newest first."""
    async with pool.acquire() as conn:
        await _projection_or_404(conn, user_id, projection_id)
        rows = await repository.list_scenarios_page(
            conn,
            user_id=user_id,
            projection_id=projection_id,
            limit=limit + 1,
            after=after_position(cursor, codec),
        )
    return _page(rows, limit, codec, scenario_out)


async def update_scenario(
    pool: asyncpg.Pool,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID,
    patch: Any,
    expected_version: int | None,
) -> tuple[dict[str, Any], int]:
    """Change the name and/or replace the overrides."""
    changes = patch_fields(patch, {"name", "overrides"}, noun="scenario")
    async with pool.acquire() as conn, conn.transaction():
        await guard_user_write(conn, user_id)
        projection = await _projection_or_404(conn, user_id, projection_id)
        stored = await _scenario_or_404(conn, user_id, projection_id, scenario_id, lock=True)
        if expected_version is not None and stored["version"] != expected_version:
            raise PreconditionFailed("The scenario changed since you read it; fetch it and retry.")
        body = ScenarioIn.model_validate(
            {
                "name": changes.get("name", stored["name"]),
                "overrides": changes.get("overrides", stored["overrides"]),
            }
        )
        row = await repository.update_scenario(
            conn,
            user_id=user_id,
            projection_id=projection_id,
            scenario_id=scenario_id,
            name=body.name,
            overrides=_checked_overrides(body.overrides, projection),
        )
    assert row is not None  # locked by us above
    return scenario_out(row), row["version"]


async def delete_scenario(
    pool: asyncpg.Pool,
    *,
    user_id: uuid.UUID,
    projection_id: uuid.UUID,
    scenario_id: uuid.UUID,
    expected_version: int | None,
) -> None:
    """Delete a scenario with its runs."""
    async with pool.acquire() as conn, conn.transaction():
        await guard_user_write(conn, user_id)
        deleted = await repository.delete_scenario(
            conn,
            user_id=user_id,
            projection_id=projection_id,
            scenario_id=scenario_id,
            expected_version=expected_version,
        )
        if not deleted:
            await _scenario_or_404(conn, user_id, projection_id, scenario_id)
            raise PreconditionFailed("The scenario changed since you read it; fetch it and retry.")
