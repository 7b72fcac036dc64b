"""A write racing a user's erasure is either refused or erased, never stored and kept.

The race is driven step by step on real connections: one transaction holds its place (the
write's shared lock, or the erasure's exclusive one) while the other is started, so each
ordering is produced on purpose rather than by luck.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from ledger import repository, usecases
from ledger.collections import COLLECTIONS
from ledger.domain import fields_to_store
from ledger.models import Asset
from ledger.partner import PartnerCheck
from nestegg_common.erasure import AccountErased, ErasedUsers, guard_user_write, lock_for_erasure
from nestegg_common.events import Event
from nestegg_common.input_changes import ChangeAnnouncer

ASSETS = next(c for c in COLLECTIONS if c.name == "assets")
# No projections in these tests (test_input_changes.py has one).
SILENT = ChangeAnnouncer(
    client=lambda: pytest.fail("projections was told"),
    projections_url=None,
    internal_token="",
    source="ledger",
)
NOT_ASKED = PartnerCheck(
    client=lambda: pytest.fail("accounts was asked"), accounts_url="", internal_token=""
)


def asset() -> Asset:
    return Asset.model_validate({"name": "Savings", "kind": "cash", "balance": "10.00"})


def user_deleted(user_id: uuid.UUID) -> Event:
    return Event(id=uuid.uuid4(), type="user.deleted", payload={"user_id": str(user_id)})


async def no_erasures(_since: object) -> list[tuple[uuid.UUID, object]]:
    return []


async def assets_of(pool: asyncpg.Pool, user_id: uuid.UUID) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM assets WHERE user_id = $1", user_id))


async def still_waiting(task: asyncio.Task[object]) -> bool:
    await asyncio.sleep(0.3)  # ample time to finish, were it not blocked on the lock
    return not task.done()


async def test_a_write_in_flight_when_the_erasure_arrives_is_erased_with_the_rest(
    pool: asyncpg.Pool,
) -> None:
    user_id = uuid.uuid4()
    erased = ErasedUsers(no_erasures)
    async with pool.acquire() as writer:
        tx = writer.transaction()
        await tx.start()
        await usecases.create_record(
            writer, ASSETS, user_id=user_id, record=asset(), quota=100, announcer=SILENT
        )
        erasure = asyncio.create_task(
            usecases.apply_event(pool, user_deleted(user_id), erased=erased)
        )
        assert await still_waiting(erasure)  # the erasure waits for the write to end
        await tx.commit()
    assert await erasure is True
    assert await assets_of(pool, user_id) == 0
    changes = "SELECT count(*) FROM user_changes WHERE user_id = $1"
    assert await pool.fetchval(changes, user_id) == 0  # its change counter went with it
    assert user_id in erased


async def test_a_write_that_starts_during_the_erasure_waits_and_is_refused(
    pool: asyncpg.Pool,
) -> None:
    user_id = uuid.uuid4()
    async with pool.acquire() as eraser:
        tx = eraser.transaction()
        await tx.start()
        await lock_for_erasure(eraser, user_id)

        async def write() -> None:
            async with pool.acquire() as conn, conn.transaction():
                await usecases.create_record(
                    conn, ASSETS, user_id=user_id, record=asset(), quota=100, announcer=SILENT
                )

        late = asyncio.create_task(write())
        assert await still_waiting(late)  # the write waits for the erasure to commit
        await repository.erase_user(eraser, user_id=user_id)
        await tx.commit()
    with pytest.raises(AccountErased):
        await late
    assert await assets_of(pool, user_id) == 0


async def test_every_kind_of_write_after_the_erasure_is_refused(pool: asyncpg.Pool) -> None:
    user_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        row = await repository.insert_record(
            conn, ASSETS, user_id=user_id, fields=fields_to_store(ASSETS, asset())
        )
    assert await usecases.apply_event(pool, user_deleted(user_id), erased=ErasedUsers(no_erasures))
    # The record is gone; put one back behind the guard's back to show updates are refused too.
    async with pool.acquire() as conn, conn.transaction():
        await repository.insert_record(
            conn, ASSETS, user_id=user_id, fields=fields_to_store(ASSETS, asset())
        )
    writes = [
        usecases.update_record(
            pool,
            ASSETS,
            user_id=user_id,
            record_id=row["id"],
            patch={},
            expected_version=None,
            partners=NOT_ASKED,  # a record of the user's own: accounts is not asked
            announcer=SILENT,
        ),
        usecases.delete_record(
            pool,
            ASSETS,
            user_id=user_id,
            record_id=row["id"],
            expected_version=None,
            announcer=SILENT,
        ),
    ]
    for write in writes:
        with pytest.raises(AccountErased):
            await write
    with pytest.raises(AccountErased):
        async with pool.acquire() as conn, conn.transaction():
            await usecases.create_record(
                conn, ASSETS, user_id=user_id, record=asset(), quota=100, announcer=SILENT
            )


async def test_the_guard_outside_a_transaction_is_a_programming_error(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            await guard_user_write(conn, uuid.uuid4())
