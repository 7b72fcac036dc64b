"""HTTP handlers of the ledger: parse, call the use case, respond.

The four collections share handlers; `collection_handlers(c)` binds them to one collection.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aiohttp import web

from ledger import usecases
from ledger.changes import CHANGE_ANNOUNCER, PAGE_CACHE
from ledger.collections import Collection
from ledger.domain import is_partners
from ledger.partner import PARTNER_CHECK
from nestegg_common.auth import current_user_id
from nestegg_common.erasure import ERASED_USERS
from nestegg_common.errors import NotFound
from nestegg_common.etags import etag_for, expected_version
from nestegg_common.events import Event, deleted_user_id
from nestegg_common.http import (
    json_bytes,
    json_response,
    read_body_model,
    read_json,
    read_query_model,
)
from nestegg_common.idempotency import create_once
from nestegg_common.input_changes import CHANGES_HEADER
from nestegg_common.page_cache import cached_answer
from nestegg_common.pagination import CursorCodec, PageQuery
from nestegg_common.problems import Handler
from nestegg_common.service import POOL

CURSORS = web.AppKey("cursors", CursorCodec)
RECORDS_QUOTA = web.AppKey("records_quota", int)  # per user and collection
SUMMARY = ("summary", "")  # the summary's page cache key (no query)


@contextmanager
def dropping_pages(request: web.Request, user_id: uuid.UUID | None) -> Iterator[None]:
    """Drop the user's cached pages once the write inside has ended, whatever its outcome.

    None: a write that concerns no user's pages (an event erasing nobody) drops nothing.

    After the transaction, not before: a read that began before the commit could otherwise
    store the old page after the drop (nestegg_common.page_cache). Other processes drop
    theirs when migration 0006's NOTIFY reaches them.
    """
    try:
        yield
    finally:
        if user_id is not None:
            request.app[PAGE_CACHE].invalidate(user_id)


def record_id(request: web.Request, c: Collection) -> uuid.UUID:
    """Return the `{id}` of the path; a malformed id names no record, so 404."""
    try:
        return uuid.UUID(request.match_info["id"])
    except ValueError as err:
        raise NotFound(f"No such {c.noun}.") from err


@dataclass(frozen=True)
class CollectionHandlers:
    """The five handlers of one collection."""

    list_page: Handler
    create: Handler
    get: Handler
    update: Handler
    delete: Handler


def collection_handlers(c: Collection) -> CollectionHandlers:
    """Bind the shared handlers to collection `c`."""

    async def list_page(request: web.Request) -> web.StreamResponse:
        user_id = current_user_id(request)

        async def read_page() -> bytes:
            query = read_query_model(request, PageQuery)
            items, next_cursor = await usecases.list_records_page(
                request.app[POOL],
                c,
                user_id=user_id,
                limit=query.limit,
                cursor=query.cursor,
                codec=request.app[CURSORS],
            )
            return json_bytes({"items": items, "next_cursor": next_cursor}, utc_as_z=True)

        # The key is the raw query as sent (never decoded, so two different queries cannot share
        # one): an entry is only ever stored after that query validated,
        # and the answer to it depends on nothing else but the owner's records.
        key = (c.name, request.rel_url.raw_query_string)
        return await cached_answer(request, request.app[PAGE_CACHE], user_id, key, read_page)

    async def create(request: web.Request) -> web.StreamResponse:
        record = await read_body_model(request, c.model)
        user_id, quota = current_user_id(request), request.app[RECORDS_QUOTA]
        announcer = request.app[CHANGE_ANNOUNCER]
        if is_partners(record):  # asked before any connection is taken
            await request.app[PARTNER_CHECK].require_partner(user_id, noun=c.noun)
        with dropping_pages(request, user_id):
            created = await create_once(
                request.app[POOL],
                request,
                user_id=user_id,
                body=await request.read(),
                create=lambda conn: usecases.create_record(
                    conn, c, user_id=user_id, record=record, quota=quota, announcer=announcer
                ),
            )
        return created.response()

    async def get(request: web.Request) -> web.StreamResponse:
        body, version = await usecases.get_record(
            request.app[POOL], c, user_id=current_user_id(request), record_id=record_id(request, c)
        )
        return json_response(body, headers={"ETag": etag_for(version)})

    async def update(request: web.Request) -> web.StreamResponse:
        rid, if_match, user_id = (
            record_id(request, c),
            expected_version(request),
            current_user_id(request),
        )
        with dropping_pages(request, user_id):
            body, version = await usecases.update_record(
                request.app[POOL],
                c,
                user_id=user_id,
                record_id=rid,
                patch=await read_json(request),
                expected_version=if_match,
                partners=request.app[PARTNER_CHECK],
                announcer=request.app[CHANGE_ANNOUNCER],
            )
        return json_response(body, headers={"ETag": etag_for(version)})

    async def delete(request: web.Request) -> web.StreamResponse:
        user_id = current_user_id(request)
        with dropping_pages(request, user_id):
            await usecases.delete_record(
                request.app[POOL],
                c,
                user_id=user_id,
                record_id=record_id(request, c),
                expected_version=expected_version(request),
                announcer=request.app[CHANGE_ANNOUNCER],
            )
        return web.Response(status=204)

    return CollectionHandlers(list_page, create, get, update, delete)


async def get_summary(request: web.Request) -> web.StreamResponse:
    """Show the user's totals."""
    user_id = current_user_id(request)

    async def read_summary() -> bytes:
        return json_bytes(await usecases.get_summary(request.app[POOL], user_id=user_id))

    # The dashboard's ledger part: cached and dropped with the user's pages.
    return await cached_answer(request, request.app[PAGE_CACHE], user_id, SUMMARY, read_summary)


def _path_user(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["user_id"])
    except ValueError as err:
        raise NotFound("No such user.") from err


async def get_user_snapshot(request: web.Request) -> web.StreamResponse:
    """Give projections every record of a user, its version (ETag) and counter (internal)."""
    snapshot, version, counter = await usecases.get_snapshot(
        request.app[POOL], user_id=_path_user(request)
    )
    return json_response(snapshot, headers={"ETag": f'"{version}"', CHANGES_HEADER: str(counter)})


async def get_user_snapshot_version(request: web.Request) -> web.StreamResponse:
    """Give the projections service the version of a user's snapshot, cheaply (internal)."""
    version = await usecases.get_snapshot_version(request.app[POOL], user_id=_path_user(request))
    return json_response({"version": version})


async def receive_event(request: web.Request) -> web.StreamResponse:
    """Apply an outbox event once; redeliveries are acknowledged and ignored (internal)."""
    event = await read_body_model(request, Event)
    with dropping_pages(request, deleted_user_id(event)):
        applied = await usecases.apply_event(
            request.app[POOL], event, erased=request.app[ERASED_USERS]
        )
    return json_response({"applied": applied})
