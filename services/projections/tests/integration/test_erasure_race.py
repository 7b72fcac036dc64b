"""A projection or scenario written while its user is erased is either refused or erased.

Driven step by step on real connections (see the ledger's test of the same name): one
transaction holds its lock while the other starts, so each ordering happens on purpose.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from nestegg_common.erasure import AccountErased, ErasedUsers, lock_for_erasure
from nestegg_common.events import Event
from projections import repository, runs, usecases
from projections.models import ProjectionIn, ScenarioIn


async def no_erasures(_since: object) -> list[tuple[uuid.UUID, object]]:
    return []


def user_deleted(user_id: uuid.UUID) -> Event:
    return Event(id=uuid.uuid4(), type="user.deleted", payload={"user_id": str(user_id)})


async def projections_of(pool: asyncpg.Pool, user_id: uuid.UUID) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM projections WHERE user_id = $1", user_id))


async def create(pool: asyncpg.Pool, user_id: uuid.UUID) -> dict[str, object]:
    async with pool.acquire() as conn, conn.transaction():
        created = await usecases.create_projection(
            conn, user_id=user_id, body=ProjectionIn(name="Plan"), quota=100
        )
    return created.body


async def still_waiting(task: asyncio.Task[object]) -> bool:
    await asyncio.sleep(0.3)  # ample time to finish, were it not blocked on the lock
    return not task.done()


async def test_a_projection_written_while_the_erasure_arrives_is_erased_with_the_rest(
    pool: asyncpg.Pool,
) -> None:
    user_id = uuid.uuid4()
    async with pool.acquire() as writer:
        tx = writer.transaction()
        await tx.start()
        await usecases.create_projection(
            writer, user_id=user_id, body=ProjectionIn(name="Plan"), quota=100
        )
        erasure = asyncio.create_task(
            runs.apply_event(pool, user_deleted(user_id), erased=ErasedUsers(no_erasures))
        )
        assert await still_waiting(erasure)
        await tx.commit()
    assert await erasure is True
    assert await projections_of(pool, user_id) == 0


async def test_a_projection_or_scenario_started_during_the_erasure_is_refused(
    pool: asyncpg.Pool,
) -> None:
    user_id = uuid.uuid4()
    projection = await create(pool, user_id)

    async def add_scenario() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await usecases.create_scenario(
                conn,
                user_id=user_id,
                projection_id=uuid.UUID(str(projection["id"])),
                body=ScenarioIn(name="Later"),
                quota=100,
            )

    async with pool.acquire() as eraser:
        tx = eraser.transaction()
        await tx.start()
        await lock_for_erasure(eraser, user_id)
        late = [asyncio.create_task(create(pool, user_id)), asyncio.create_task(add_scenario())]
        assert all([await still_waiting(task) for task in late])
        await repository.erase_user(eraser, user_id=user_id)
        await tx.commit()
    for task in late:
        with pytest.raises(AccountErased):
            await task
    assert await projections_of(pool, user_id) == 0
