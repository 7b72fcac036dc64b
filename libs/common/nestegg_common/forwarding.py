"""Which address a request came from: the TCP peer, unless the gateway vouches for another.

Only the gateway talks to clients, so a service's TCP peer is the gateway and the client's
address travels in `X-Forwarded-For`, which anyone who reaches a service directly can also
write. The gateway therefore signs the value it sends: an HMAC-SHA256 of it, keyed with the
deployment's service token, in `X-Nestegg-Forwarded-Proof`. A service believes the header only
when the proof matches (compared in constant time; with no token configured, never); otherwise
the address is its TCP peer. A proof is bound to its value: one seen on the wire vouches for
that one address and no other.
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web
from multidict import CIMultiDict

from nestegg_common.service_token import SERVICE_TOKEN

FORWARDED_FOR = "X-Forwarded-For"
FORWARDED_PROOF = "X-Nestegg-Forwarded-Proof"


def forwarded_proof(key: bytes, forwarded: str) -> str:
    """Return the proof of an X-Forwarded-For value: its HMAC-SHA256 under `key`, in hex."""
    return hmac.new(key, forwarded.encode(), hashlib.sha256).hexdigest()


def vouch_for_client(request: web.Request, headers: CIMultiDict[str]) -> None:
    """Set `headers`' X-Forwarded-For to the chain the client sent plus its peer, signed.

    What the client sent is kept for the record but only the last hop (the peer the gateway
    saw) is ever used; a proof or chain the client sent of its own is replaced.
    """
    peer = request.remote or "unknown"
    previous = request.headers.get(FORWARDED_FOR, "")
    forwarded = f"{previous}, {peer}" if previous and previous.isascii() else peer
    headers[FORWARDED_FOR] = forwarded
    key = request.app.get(SERVICE_TOKEN, b"")
    if key:
        headers[FORWARDED_PROOF] = forwarded_proof(key, forwarded)
    else:
        headers.popall(FORWARDED_PROOF, None)


def client_address(request: web.Request) -> str:
    """Return the client's address: the last hop of a proven X-Forwarded-For, else the peer."""
    key = request.app.get(SERVICE_TOKEN, b"")
    forwarded = request.headers.get(FORWARDED_FOR)
    proof = request.headers.get(FORWARDED_PROOF, "")
    proven = (
        key
        and forwarded is not None
        and proof.isascii()
        and hmac.compare_digest(proof.encode(), forwarded_proof(key, forwarded).encode())
    )
    if proven and forwarded is not None:
        last_hop = forwarded.rsplit(",", 1)[-1].strip()
        if last_hop:
            return last_hop
    return request.remote or "unknown"
