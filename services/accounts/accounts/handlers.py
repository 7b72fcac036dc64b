"""HTTP handlers of the accounts service: parse, call the use case, respond."""

from __future__ import annotations

import uuid

from aiohttp import web

from accounts import erasure, usecases
from accounts.erasure import ErasedSinceQuery
from accounts.models import Credentials, PasswordChange, RefreshRequest, Registration
from accounts.outbox import OUTBOX_DISPATCHER
from accounts.profile_models import ProfilePatch, ProfileUpdate
from accounts.usecases import Accounts
from nestegg_common.auth import current_user_id
from nestegg_common.erasure import ERASED_USERS
from nestegg_common.errors import NotFound
from nestegg_common.etags import etag_for, expected_version
from nestegg_common.forwarding import client_address as forwarded_client_address
from nestegg_common.http import json_response, read_body_model, read_query_model
from nestegg_common.input_changes import CHANGES_HEADER

ACCOUNTS = web.AppKey("accounts", Accounts)


def client_address(request: web.Request) -> str:
    """Return the caller's address: the gateway's signed X-Forwarded-For, else the TCP peer."""
    return forwarded_client_address(request)


async def register_user(request: web.Request) -> web.Response:
    """Create an account."""
    body = await read_body_model(request, Registration)
    user = await usecases.register(
        request.app[ACCOUNTS], body, client_address=client_address(request)
    )
    return json_response(user, status=201, headers={"Location": "/api/v1/me"})


async def log_in(request: web.Request) -> web.Response:
    """Exchange email and password for a token pair."""
    body = await read_body_model(request, Credentials)
    pair = await usecases.login(request.app[ACCOUNTS], body, client_address=client_address(request))
    return json_response(pair, headers={"Cache-Control": "no-store"})


async def refresh_tokens(request: web.Request) -> web.Response:
    """Rotate a refresh token into a new pair."""
    body = await read_body_model(request, RefreshRequest)
    client = usecases.client_hash(client_address(request), request.headers.get("User-Agent", ""))
    pair = await usecases.refresh(request.app[ACCOUNTS], body.refresh_token, client=client)
    return json_response(pair, headers={"Cache-Control": "no-store"})


async def log_out(request: web.Request) -> web.Response:
    """Revoke the refresh token's family."""
    body = await read_body_model(request, RefreshRequest)
    await usecases.logout(request.app[ACCOUNTS], body.refresh_token)
    return web.Response(status=204)


async def get_me(request: web.Request) -> web.Response:
    """Show the signed-in user and their profile."""
    me = await usecases.get_me(request.app[ACCOUNTS], current_user_id(request))
    return json_response(me)


async def delete_me(request: web.Request) -> web.Response:
    """Erase the signed-in user; the other processes hear of it before the 204 (or later)."""
    accounts, user_id = request.app[ACCOUNTS], current_user_id(request)
    dispatcher = request.app.get(OUTBOX_DISPATCHER)
    event_id = await usecases.delete_account(
        accounts, user_id, held_for_s=0.0 if dispatcher is None else dispatcher.lease_s
    )
    request.app[ERASED_USERS].add(user_id)  # this process refuses the token from now on
    if dispatcher is not None:  # the others before the 204 (docs/ARCHITECTURE.md, Erasure)
        await dispatcher.deliver_now(event_id, wait_s=accounts.settings.outbox_push_wait_s)
    return web.Response(status=204)


async def change_password(request: web.Request) -> web.Response:
    """Replace the signed-in user's password; every other session ends."""
    body = await read_body_model(request, PasswordChange)
    pair = await usecases.change_password(
        request.app[ACCOUNTS],
        current_user_id(request),
        body,
        client_address=client_address(request),
    )
    return json_response(pair, headers={"Cache-Control": "no-store"})


async def list_erased_users(request: web.Request) -> web.Response:
    """Give token verifiers the users erased since a time, oldest first (internal)."""
    query = read_query_model(request, ErasedSinceQuery)
    async with request.app[ACCOUNTS].pool.acquire() as conn:
        rows = await erasure.erased_since(conn, since=query.since)
    items = [{"user_id": str(u), "erased_at": at.isoformat()} for u, at in rows]
    return json_response({"items": items})


async def get_profile(request: web.Request) -> web.Response:
    """Show the signed-in user's profile."""
    profile, version = await usecases.get_profile(request.app[ACCOUNTS], current_user_id(request))
    return json_response(profile, headers={"ETag": etag_for(version)})


async def replace_profile(request: web.Request) -> web.Response:
    """Replace the signed-in user's profile (honours If-Match)."""
    body = await read_body_model(request, ProfileUpdate)
    profile, version = await usecases.replace_profile(
        request.app[ACCOUNTS],
        current_user_id(request),
        body,
        expected_version=expected_version(request),
    )
    return json_response(profile, headers={"ETag": etag_for(version)})


async def patch_profile(request: web.Request) -> web.Response:
    """Change some profile fields: a JSON merge patch (RFC 7396; honours If-Match)."""
    profile, version = await usecases.patch_profile(
        request.app[ACCOUNTS],
        current_user_id(request),
        await read_body_model(request, ProfilePatch),
        expected_version=expected_version(request),
    )
    return json_response(profile, headers={"ETag": etag_for(version)})


async def get_jwks(request: web.Request) -> web.Response:
    """Publish the public keys that verify access tokens."""
    jwks = request.app[ACCOUNTS].signing_key.jwks()
    return json_response(jwks, headers={"Cache-Control": "public, max-age=300"})


def path_user_id(request: web.Request) -> uuid.UUID:
    """Return the `{user_id}` of an internal path; a malformed one names no user, so 404."""
    try:
        return uuid.UUID(request.match_info["user_id"])
    except ValueError as err:
        raise NotFound("No such user.") from err


async def get_user_profile(request: web.Request) -> web.Response:
    """Give another service a user's profile, its version as ETag and change counter (internal)."""
    profile, version = await usecases.get_profile(request.app[ACCOUNTS], path_user_id(request))
    return json_response(profile, headers={"ETag": etag_for(version), CHANGES_HEADER: str(version)})


async def get_user_profile_version(request: web.Request) -> web.Response:
    """Give the projections service the version of a user's profile, cheaply (internal)."""
    version = await usecases.get_profile_version(request.app[ACCOUNTS], path_user_id(request))
    return json_response({"version": etag_for(version)})


async def export_user(request: web.Request) -> web.Response:
    """Give the gateway everything accounts holds about a user (internal)."""
    export = await usecases.export_user(request.app[ACCOUNTS], path_user_id(request))
    return json_response(export)
