"""Bad requests as a whole: bodies that are not JSON objects, sizes, paths, queries, cursors."""

from __future__ import annotations

import json
import secrets

import pytest

JSON = {"Content-Type": "application/json"}
ONE_MIB = 1024 * 1024


@pytest.fixture
async def record(api, new_user, collection):
    """Return (owner, the owner's record as created) in the collection under test."""
    me = new_user()
    return me, await api.create(collection, me)


async def assert_unchanged(api, collection, me, before) -> None:
    assert await api.get(collection, before["id"], me) == before
    assert await api.items(collection, me) == [before]


async def test_malformed_json_is_a_400_on_post_and_nothing_is_written(
    client, api, new_user, collection
) -> None:
    me = new_user()
    response = await client.post(
        f"/{collection}", data=b'{"name": "x",', headers=me.with_headers(**JSON)
    )
    problem = await api.problem(response, 400)
    assert "not valid JSON" in problem["detail"]
    assert await api.items(collection, me) == []


async def test_malformed_json_is_a_400_on_patch_and_the_record_is_unchanged(
    client, api, collection, record
) -> None:
    me, before = record
    response = await client.patch(
        f"/{collection}/{before['id']}", data=b"{'name': 'x'}", headers=me.with_headers(**JSON)
    )
    await api.problem(response, 400)
    await assert_unchanged(api, collection, me, before)


async def test_a_body_that_is_not_utf8_is_a_400(client, api, new_user) -> None:
    me = new_user()
    response = await client.post(
        "/assets", data=b'{"name": "\xff"}', headers=me.with_headers(**JSON)
    )
    await api.problem(response, 400)
    assert await api.items("assets", me) == []


@pytest.mark.parametrize("body", [[], [{"name": "x"}], "text", 42, None])
async def test_a_json_body_that_is_not_an_object_is_a_422_on_post(
    client, api, new_user, collection, body
) -> None:
    me = new_user()
    response = await client.post(
        f"/{collection}", data=json.dumps(body), headers=me.with_headers(**JSON)
    )
    assert await api.fields(response) == ["body"]
    assert await api.items(collection, me) == []


async def test_a_json_array_is_a_422_on_patch_and_the_record_is_unchanged(
    client, api, collection, record
) -> None:
    me, before = record
    response = await client.patch(
        f"/{collection}/{before['id']}", json=[{"name": "x"}], headers=me.headers
    )
    assert await api.fields(response) == ["body"]
    await assert_unchanged(api, collection, me, before)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_a_body_that_is_not_json_is_a_415(
    client, api, new_user, collection, content_type
) -> None:
    me = new_user()
    response = await client.post(
        f"/{collection}",
        data=json.dumps(api.body(collection)),
        headers=me.with_headers(Content_Type=content_type),
    )
    await api.problem(response, 415)
    assert await api.items(collection, me) == []


async def test_a_patch_that_is_not_json_is_a_415_and_the_record_is_unchanged(
    client, api, collection, record
) -> None:
    me, before = record
    response = await client.patch(
        f"/{collection}/{before['id']}",
        data='{"name": "Changed"}',
        headers=me.with_headers(Content_Type="text/plain"),
    )
    await api.problem(response, 415)
    await assert_unchanged(api, collection, me, before)


async def test_a_post_without_a_body_is_a_400(client, api, new_user, collection) -> None:
    me = new_user()
    await api.problem(await client.post(f"/{collection}", headers=me.with_headers(**JSON)), 400)
    assert await api.items(collection, me) == []


async def test_a_json_content_type_with_a_charset_is_accepted(client, api, new_user) -> None:
    me = new_user()
    response = await client.post(
        "/assets",
        data=json.dumps(api.body("assets")),
        headers=me.with_headers(Content_Type="application/json; charset=utf-8"),
    )
    assert response.status == 201, await response.text()


async def test_a_body_over_one_mib_is_a_413_and_nothing_is_written(
    client, api, new_user, collection
) -> None:
    me = new_user()
    body = json.dumps(api.body(collection, name="x" * (ONE_MIB + 1)))
    response = await client.post(f"/{collection}", data=body, headers=me.with_headers(**JSON))
    await api.problem(response, 413)
    assert await api.items(collection, me) == []


async def test_a_patch_over_one_mib_is_a_413_and_the_record_is_unchanged(
    client, api, collection, record
) -> None:
    me, before = record
    body = json.dumps({"name": "x" * (ONE_MIB + 1)})
    response = await client.patch(
        f"/{collection}/{before['id']}", data=body, headers=me.with_headers(**JSON)
    )
    await api.problem(response, 413)
    await assert_unchanged(api, collection, me, before)


async def test_a_json_number_too_long_to_parse_is_a_4xx_not_a_500(client, api, new_user) -> None:
    me = new_user()
    body = '{"name": "x", "kind": "cash", "balance": ' + "9" * 5000 + "}"
    response = await client.post("/assets", data=body, headers=me.with_headers(**JSON))
    assert response.status in (400, 422), await response.text()
    assert response.content_type == "application/problem+json"


async def test_a_deeply_nested_json_body_is_a_4xx_not_a_500(client, api, new_user) -> None:
    me = new_user()
    body = "[" * 100_000 + "]" * 100_000
    response = await client.post("/assets", data=body, headers=me.with_headers(**JSON))
    assert response.status in (400, 422), await response.text()
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    "bad_id", ["not-a-uuid", "123", "9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b1", "%20"]
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_a_malformed_id_in_the_path_is_a_404(
    client, api, new_user, collection, method, bad_id
) -> None:
    me = new_user()
    response = await client.request(
        method, f"/{collection}/{bad_id}", json={"name": "x"}, headers=me.headers
    )
    await api.problem(response, 404)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_an_unknown_id_is_a_404(client, api, new_user, collection, method) -> None:
    response = await client.request(
        method,
        f"/{collection}/9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11",
        json={"name": "x"},
        headers=new_user().headers,
    )
    await api.problem(response, 404)


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "", "1.5", "1e2"])
async def test_a_limit_outside_1_to_200_is_a_422_naming_query_limit(
    client, api, new_user, collection, limit
) -> None:
    response = await client.get(
        f"/{collection}", params={"limit": limit}, headers=new_user().headers
    )
    assert await api.fields(response) == ["query.limit"]


async def test_an_unknown_query_parameter_is_a_422_naming_it(client, api, new_user) -> None:
    response = await client.get("/assets", params={"page": "2"}, headers=new_user().headers)
    assert await api.fields(response) == ["query.page"]


async def test_limits_of_1_and_200_are_accepted(client, api, new_user) -> None:
    me = new_user()
    created = await api.create("assets", me)
    for limit in ("1", "200"):
        response = await client.get("/assets", params={"limit": limit}, headers=me.headers)
        assert response.status == 200
        assert await response.json() == {"items": [created], "next_cursor": None}


@pytest.fixture
async def next_cursor(client, api, new_user):
    """Return (user, a real next_cursor of theirs) after a first page of one asset."""
    me = new_user()
    for _ in range(3):
        await api.create("assets", me)
    page = await (await client.get("/assets?limit=1", headers=me.headers)).json()
    assert page["next_cursor"]
    return me, page["next_cursor"]


def flipped(text: str, index: int) -> str:
    replacement = "B" if text[index] != "B" else "C"
    return text[:index] + replacement + text[index + 1 :]


async def test_a_real_cursor_gives_the_next_page(client, next_cursor) -> None:
    me, cursor = next_cursor
    response = await client.get(
        "/assets", params={"limit": "1", "cursor": cursor}, headers=me.headers
    )
    assert response.status == 200
    assert len((await response.json())["items"]) == 1


@pytest.mark.parametrize("where", ["payload start", "payload middle", "mac start", "dot"])
async def test_a_cursor_with_a_flipped_character_is_a_400(client, api, next_cursor, where):
    me, cursor = next_cursor
    dot = cursor.index(".")
    index = {"payload start": 0, "payload middle": dot // 2, "mac start": dot + 1, "dot": dot}
    tampered = flipped(cursor, index[where])
    assert tampered != cursor
    response = await client.get(
        "/assets", params={"limit": "1", "cursor": tampered}, headers=me.headers
    )
    await api.problem(response, 400)


@pytest.mark.parametrize(
    "cursor",
    [
        # A fresh random string each run; its id is fixed so parallel workers collect alike.
        pytest.param(secrets.token_urlsafe(30), id="random"),
        "abc.def",
        "a.b.c",
        "....",
        "é.é",
        "eyJ0IjoiMjAyMC0wMS0wMVQwMDowMDowMCswMDowMCIsImkiOiJ4In0.AAAAAAAAAAAAAAAAAAAAAA",
    ],
)
async def test_a_cursor_we_did_not_make_is_a_400(client, api, next_cursor, cursor) -> None:
    me, _ = next_cursor
    response = await client.get("/assets", params={"cursor": cursor}, headers=me.headers)
    await api.problem(response, 400)


async def test_an_empty_cursor_is_a_422_naming_query_cursor(client, api, new_user) -> None:
    response = await client.get("/assets", params={"cursor": ""}, headers=new_user().headers)
    assert await api.fields(response) == ["query.cursor"]


@pytest.mark.parametrize("path", ["/assets", "/debts/9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11"])
@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"]
)
async def test_a_request_without_a_valid_access_token_is_a_401(
    client, api, path, authorization
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    await api.problem(await client.get(path, headers=headers), 401)


async def test_the_service_token_is_not_an_access_token(client, api, internal_headers) -> None:
    await api.problem(await client.get("/ledger/summary", headers=internal_headers), 401)


async def test_a_method_the_route_does_not_serve_is_a_405_naming_the_allowed_ones(
    client, api, new_user
) -> None:
    response = await client.put(
        "/assets/9f1b0d52-8a43-4f39-9a53-2a2c1f0e5b11", json={}, headers=new_user().headers
    )
    await api.problem(response, 405)
    assert set(response.headers["Allow"].split(",")) == {"DELETE", "GET", "HEAD", "PATCH"}
