"""The gateway's `/internal/events`: accounts pushes `user.deleted` here (service token).

The gateway has no database: an erasure only goes into the in-memory set its verifier
consults, which is idempotent, so a redelivery changes nothing. A restarted gateway reads the
recent erasures from accounts instead (nestegg_common.erasure).
"""

from __future__ import annotations

from aiohttp import web

from nestegg_common.erasure import ERASED_USERS
from nestegg_common.events import Event, note_erasure
from nestegg_common.http import json_response, read_body_model


async def receive_event(request: web.Request) -> web.StreamResponse:
    """Refuse the tokens of an erased user from now on; acknowledge any other event (internal)."""
    event = await read_body_model(request, Event)
    note_erasure(request.app[ERASED_USERS], event)
    return json_response({"applied": True})
