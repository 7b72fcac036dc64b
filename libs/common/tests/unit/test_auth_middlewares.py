"""The service-token and user-token middlewares in front of a real aiohttp app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import ec

from nestegg_common.auth import (
    JwtVerifier,
    current_user_id,
    internal_auth_middleware,
    user_auth_middleware,
)
from nestegg_common.problems import problem_middleware

SERVICE_TOKEN = "s3rvice-token-of-this-deployment"


async def say_ok(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def who_am_i(request: web.Request) -> web.Response:
    return web.json_response({"user_id": str(current_user_id(request))})


def routes(app: web.Application) -> None:
    app.router.add_get("/internal/users", say_ok)
    app.router.add_get("/auth/login", say_ok)
    app.router.add_get("/healthz", say_ok)
    app.router.add_get("/readyz", say_ok)
    app.router.add_get("/metrics", say_ok)
    app.router.add_get("/me", who_am_i)


async def serve(middlewares: list[Any]) -> TestClient[Any, Any]:
    app = web.Application(middlewares=[problem_middleware, *middlewares])
    routes(app)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def service_client() -> AsyncIterator[TestClient[Any, Any]]:
    client = await serve([internal_auth_middleware(SERVICE_TOKEN)])
    yield client
    await client.close()


@pytest_asyncio.fixture
async def user_client(jwks: dict[str, Any]) -> AsyncIterator[TestClient[Any, Any]]:
    async def fetch() -> dict[str, Any]:
        return jwks

    verifier = JwtVerifier(fetch, issuer="nestegg-accounts", audience="nestegg")
    client = await serve(
        [
            internal_auth_middleware(SERVICE_TOKEN),
            user_auth_middleware(verifier, public_prefixes=["/auth/"]),
        ]
    )
    yield client
    await client.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_internal_path_without_a_token_is_401(
    service_client: TestClient[Any, Any],
) -> None:
    response = await service_client.get("/internal/users")
    assert response.status == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="nestegg"'
    assert (await response.json())["detail"] == (
        "Send an access token as `Authorization: Bearer <token>`."
    )


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {SERVICE_TOKEN}x", f"Bearer {SERVICE_TOKEN[:-1]}", f"Basic {SERVICE_TOKEN}"],
)
async def test_an_internal_path_with_a_wrong_token_is_401(
    service_client: TestClient[Any, Any], authorization: str
) -> None:
    response = await service_client.get("/internal/users", headers={"Authorization": authorization})
    assert response.status == 401


async def test_an_internal_path_with_the_service_token_is_served(
    service_client: TestClient[Any, Any],
) -> None:
    response = await service_client.get("/internal/users", headers=bearer(SERVICE_TOKEN))
    assert response.status == 200
    assert await response.json() == {"ok": True}


async def test_the_bearer_scheme_is_case_insensitive(
    service_client: TestClient[Any, Any],
) -> None:
    response = await service_client.get(
        "/internal/users", headers={"Authorization": f"bearer {SERVICE_TOKEN}"}
    )
    assert response.status == 200


async def test_a_non_internal_path_needs_no_service_token(
    service_client: TestClient[Any, Any],
) -> None:
    response = await service_client.get("/auth/login")
    assert response.status == 200


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer x", "Bearer  "])
async def test_an_empty_configured_service_token_refuses_everything(
    authorization: str | None,
) -> None:
    client = await serve([internal_auth_middleware("")])
    try:
        headers = {"Authorization": authorization} if authorization is not None else {}
        response = await client.get("/internal/users", headers=headers)
        assert response.status == 401
        assert (await client.get("/auth/login")).status == 200
    finally:
        await client.close()


@pytest.mark.parametrize("path", ["/auth/login", "/healthz", "/readyz", "/metrics"])
async def test_public_paths_need_no_user_token(
    user_client: TestClient[Any, Any], path: str
) -> None:
    response = await user_client.get(path)
    assert response.status == 200


async def test_internal_paths_take_the_service_token_instead_of_a_user_token(
    user_client: TestClient[Any, Any], mint: Any
) -> None:
    assert (await user_client.get("/internal/users", headers=bearer(SERVICE_TOKEN))).status == 200
    assert (await user_client.get("/internal/users", headers=bearer(mint()))).status == 401


async def test_a_private_path_without_a_user_token_is_401(
    user_client: TestClient[Any, Any],
) -> None:
    response = await user_client.get("/me")
    assert response.status == 401
    assert (await response.json())["type"] == "urn:nestegg:problem:unauthorized"


async def test_a_private_path_with_a_valid_user_token_knows_the_user(
    user_client: TestClient[Any, Any], mint: Any, user_id: Any
) -> None:
    response = await user_client.get("/me", headers=bearer(mint()))
    assert response.status == 200
    assert await response.json() == {"user_id": str(user_id)}


async def test_a_private_path_with_an_expired_user_token_is_401(
    user_client: TestClient[Any, Any], mint: Any, claims: dict[str, Any]
) -> None:
    token = mint(exp=claims["iat"] - 60, iat=claims["iat"] - 600)
    response = await user_client.get("/me", headers=bearer(token))
    assert response.status == 401
    assert (await response.json())["detail"] == "The access token has expired; refresh it."


async def test_the_service_token_is_not_a_user_token(user_client: TestClient[Any, Any]) -> None:
    response = await user_client.get("/me", headers=bearer(SERVICE_TOKEN))
    assert response.status == 401
    assert (await response.json())["detail"] == "The access token is malformed."


async def test_an_es256_token_naming_an_ed25519_key_is_401_not_500(
    user_client: TestClient[Any, Any], claims: dict[str, Any]
) -> None:
    token = jwt.encode(
        claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": "key-1"}
    )
    response = await user_client.get("/me", headers=bearer(token))
    assert response.status == 401


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic x"])
async def test_a_hidden_internal_path_looks_like_an_unknown_route_without_the_token(
    authorization: str | None,
) -> None:
    client = await serve([internal_auth_middleware(SERVICE_TOKEN, hide=True)])
    try:
        headers = {} if authorization is None else {"Authorization": authorization}
        hidden = await client.get("/internal/users", headers=headers)
        unknown = await client.get("/internal/nothing-here", headers=headers)
        assert hidden.status == unknown.status == 404
        assert (await hidden.json())["title"] == (await unknown.json())["title"]
        served = await client.get("/internal/users", headers=bearer(SERVICE_TOKEN))
        assert served.status == 200
    finally:
        await client.close()
