"""A first pass over every ledger route."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

ASSET = {"name": "Brokerage", "kind": "taxable", "balance": "1000.50", "annual_contribution": 1200}


async def test_an_asset_goes_through_create_get_list_patch_delete(client: TestClient, user) -> None:
    me = user()
    created = await client.post("/assets", json=ASSET, headers=me)
    assert created.status == 201, await created.text()
    body = await created.json()
    assert body["balance"] == "1000.50"
    assert body["annual_contribution"] == "1200.00"
    assert body["stock_allocation"] == 0.6
    assert created.headers["ETag"] == '"v1"'
    assert created.headers["Location"] == f"/api/v1/assets/{body['id']}"
    got = await client.get(f"/assets/{body['id']}", headers=me)
    assert (await got.json()) == body
    page = await (await client.get("/assets", headers=me)).json()
    assert page == {"items": [body], "next_cursor": None}
    patched = await client.patch(
        f"/assets/{body['id']}", json={"balance": "2000"}, headers={**me, "If-Match": '"v1"'}
    )
    assert patched.status == 200, await patched.text()
    assert (await patched.json())["balance"] == "2000.00"
    assert (await patched.json())["name"] == "Brokerage"
    assert patched.headers["ETag"] == '"v2"'
    summary = await (await client.get("/ledger/summary", headers=me)).json()
    assert summary["total_assets"] == "2000.00"
    deleted = await client.delete(f"/assets/{body['id']}", headers=me)
    assert deleted.status == 204
    assert (await client.get(f"/assets/{body['id']}", headers=me)).status == 404
