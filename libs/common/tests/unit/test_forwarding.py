"""The client's address: the gateway's signed X-Forwarded-For, or else the TCP peer."""

from __future__ import annotations

from unittest import mock

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from nestegg_common.forwarding import (
    FORWARDED_FOR,
    FORWARDED_PROOF,
    client_address,
    forwarded_proof,
    vouch_for_client,
)
from nestegg_common.service_token import SERVICE_TOKEN

KEY = b"service-token"
PEER = "192.0.2.200"  # the TCP peer of every request here


def request(headers: dict[str, str], key: bytes = KEY) -> web.Request:
    app = web.Application()
    app[SERVICE_TOKEN] = key
    transport = mock.Mock()
    transport.get_extra_info.return_value = (PEER, 40000)
    return make_mocked_request("GET", "/", headers=headers, app=app, transport=transport)


def test_the_gateway_appends_its_peer_and_replaces_any_proof_the_client_sent() -> None:
    sent: CIMultiDict[str] = CIMultiDict()
    vouch_for_client(request({FORWARDED_FOR: "10.9.8.7", FORWARDED_PROOF: "f" * 64}), sent)
    assert sent[FORWARDED_FOR] == f"10.9.8.7, {PEER}"
    assert sent[FORWARDED_PROOF] == forwarded_proof(KEY, f"10.9.8.7, {PEER}")
    unsigned: CIMultiDict[str] = CIMultiDict({FORWARDED_PROOF: "f" * 64})
    vouch_for_client(request({}, key=b""), unsigned)
    assert FORWARDED_PROOF not in unsigned  # no service token: nothing to prove with


def test_a_forwarded_address_is_believed_only_with_its_own_proof_and_the_right_key() -> None:
    chain = "1.2.3.4, 192.0.2.5"
    good = {FORWARDED_FOR: chain, FORWARDED_PROOF: forwarded_proof(KEY, chain)}
    assert client_address(request(good)) == "192.0.2.5"  # the last hop: the gateway's peer
    assert client_address(request(good, b"another-deployment")) == PEER
    assert client_address(request(good, b"")) == PEER  # no token: nothing is believed
    moved = {FORWARDED_FOR: "192.0.2.6", FORWARDED_PROOF: forwarded_proof(KEY, "192.0.2.5")}
    assert client_address(request(moved)) == PEER
    assert client_address(request({FORWARDED_FOR: "192.0.2.7"})) == PEER
    assert client_address(request({FORWARDED_FOR: "192.0.2.7", FORWARDED_PROOF: "é"})) == PEER
