"""A historical range outside the data is a 422 naming the field and the years available, at
create, at update and at run time (issue 13, item 11); before, 2030 was clipped silently."""

from __future__ import annotations

import pytest

from projections.engine import load_historical

from .helpers import asset, expense


@pytest.fixture(scope="module")
def settings_overrides(historical_data_file):
    return {"historical_data": historical_data_file}


@pytest.fixture(scope="module")
def data_years(historical_data_file) -> tuple[int, int]:
    years = load_historical(historical_data_file).years
    return years[0], years[-1]


@pytest.fixture
def retiree(new_user, upstream):
    me = new_user()
    upstream.person(
        me.id, age=62, retire_at=62, plan_to=70, assets=[asset(200_000)], expenses=[expense(8000)]
    )
    return me


def out_of_range(data_years: tuple[int, int]) -> list[tuple[dict[str, int], list[str]]]:
    first, last = data_years
    return [
        ({"last_year": 2030}, ["last_year"]),
        ({"last_year": last + 1}, ["last_year"]),
        ({"first_year": first - 1}, ["first_year"]),
        ({"first_year": 1800, "last_year": 2200}, ["first_year", "last_year"]),
        ({"first_year": last + 1}, ["first_year"]),
    ]


@pytest.mark.parametrize("mode", ["historical", "monte_carlo"])
async def test_creating_a_projection_with_years_outside_the_data_is_a_422_naming_them(
    api, retiree, data_years, mode
) -> None:
    first, last = data_years
    for historical, names in out_of_range(data_years):
        body = {"name": "Future", "assumptions": {"mode": mode, "historical": historical}}
        response = await api.post(retiree, "/projections", body)
        problem = await api.problem(response, 422)
        assert [e["field"] for e in problem["errors"]] == [
            f"assumptions.historical.{n}" for n in names
        ]
        assert f"{first}–{last}" in problem["detail"]
        assert all(f"{first}–{last}" in e["message"] for e in problem["errors"])
    assert await api.count("projections", retiree.id) == 0


async def test_the_data_s_own_first_and_last_years_are_accepted(api, retiree, data_years):
    first, last = data_years
    created = await api.create_projection(
        retiree, mode="historical", historical={"first_year": first, "last_year": last}
    )
    assert created["assumptions"]["historical"] == {"first_year": first, "last_year": last}


async def test_changing_a_projection_to_years_outside_the_data_is_a_422_and_changes_nothing(
    api, retiree, data_years
) -> None:
    created = await api.create_projection(retiree, mode="historical")
    response = await api.client.patch(
        f"/projections/{created['id']}",
        json={"assumptions": {"historical": {"last_year": 2030}}},
        headers=retiree.headers,
    )
    problem = await api.problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["assumptions.historical.last_year"]
    again = await api.client.get(f"/projections/{created['id']}", headers=retiree.headers)
    assert (await again.json())["assumptions"] == created["assumptions"]


async def test_running_a_stored_range_outside_the_data_is_a_422_naming_it(
    api, retiree, data_years
) -> None:
    # Stored before the check existed (or the data file was swapped for a shorter one).
    created = await api.create_projection(retiree, mode="historical")
    assumptions = {**created["assumptions"], "historical": {"first_year": 1900, "last_year": 2030}}
    await api.pool.execute(
        "UPDATE projections SET assumptions = $1::jsonb WHERE id = $2::uuid",
        assumptions,
        created["id"],
    )
    response = await api.post(retiree, f"/projections/{created['id']}/run")
    problem = await api.problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["assumptions.historical.last_year"]
    assert f"{data_years[0]}–{data_years[1]}" in problem["detail"]
    assert await api.count("runs", retiree.id) == 0
