"""Historical runs on the shipped Shiller series: one path per start year, its hash kept."""

from __future__ import annotations

import pytest

from .helpers import asset, expense, sha256_of


@pytest.fixture
def retiree(new_user, upstream):
    me = new_user()
    upstream.person(
        me.id, age=62, retire_at=62, plan_to=70, assets=[asset(200_000)], expenses=[expense(8000)]
    )
    return me


async def test_a_historical_run_uses_the_shipped_file_and_names_its_hash(
    api, retiree, historical_data_file
) -> None:
    projection = await api.create_projection(
        retiree, "History", mode="historical", historical={"first_year": 1900, "last_year": 1949}
    )
    result = await api.run(retiree, projection["id"])
    assert result["dataset_hash"] == sha256_of(historical_data_file)
    # An 8-year plan within 1900–1949 starts in each of 1900..1942.
    assert result["paths"] == 43
    assert result["seed"] is None
    assert 0.0 <= result["success_rate"] <= 1.0
    assert result["years"][0]["portfolio"]["p10"] == 200_000.0
    again = await api.run(retiree, projection["id"])
    assert (again["cached"], again["run_id"]) == (True, result["run_id"])
    stored = await api.pool.fetchval(
        "SELECT dataset_hash FROM runs WHERE id = $1::uuid", result["run_id"]
    )
    assert stored == sha256_of(historical_data_file)


async def test_a_historical_range_shorter_than_the_plan_is_a_422(api, retiree) -> None:
    projection = await api.create_projection(
        retiree, "Too short", mode="historical", historical={"first_year": 1940, "last_year": 1943}
    )
    response = await api.post(retiree, f"/projections/{projection['id']}/run")
    body = await api.problem(response, 422)
    assert "the plan needs 8" in body["detail"]
    assert await api.count("runs", retiree.id) == 0
