"""Runs: the plan built from the profile and ledger, checked by hand; stored runs reused."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from projections.engine.version import ENGINE_VERSION
from projections.planning import projection_seed

from .helpers import DETERMINISTIC, asset, expense, income

AGE, PLAN_TO, START, SPEND, GROWTH, INFLATION = 62, 70, 200_000.0, 15_000.0, 0.06, 0.02
YEARS = PLAN_TO - AGE
PERCENTILES = ("p10", "p25", "p50", "p75", "p90")


@pytest.fixture(scope="module")
def settings_overrides():
    # Two computations of one user at once, as two replicas could run them (one each).
    return {"runs_in_flight_per_user": 2}


def closed_form(n: int, spend: float = SPEND) -> float:
    """B(n) = B0·g^n − E·g·(g^n − 1)/(g − 1): spend E at the start of each year, then grow."""
    g = 1 + GROWTH
    return START * g**n - spend * g * (g**n - 1) / (g - 1)


def by_hand(*, retire_at: int, salary: float, spend: float) -> list[float]:
    """Balances at the start of each row: the salary until retirement, the spending every year."""
    balances, b = [START], START
    for age in range(AGE, PLAN_TO):
        b = (b + (salary if age < retire_at else 0.0) - spend) * (1 + GROWTH)
        balances.append(b)
    return balances


def p50(result: dict, field: str = "portfolio") -> list[float]:
    return [row[field]["p50"] for row in result["years"]]


@pytest.fixture
def retiree(new_user, upstream):
    """A user of 62 retired already, planning to 70: 200k in stocks, spending 15k a year."""
    me = new_user()
    upstream.person(
        me.id,
        age=AGE,
        retire_at=AGE,
        plan_to=PLAN_TO,
        assets=[asset(START)],
        expenses=[expense(SPEND)],
        incomes=[income(20_000)],  # a salary: paid only before retirement, so never here
    )
    return me


async def test_a_deterministic_run_matches_the_closed_form(api, retiree, upstream) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=GROWTH, **DETERMINISTIC)
    result = await api.run(retiree, projection["id"])

    assert result["success_rate"] == 1.0
    assert (result["paths"], result["seed"], result["dataset_hash"]) == (1, None, None)
    assert result["depletion_ages"] == {}
    assert result["engine_version"] == ENGINE_VERSION
    assert len(result["inputs_hash"]) == 64
    this_year = date.today().year
    assert [(y["age"], y["year"]) for y in result["years"]] == [
        (AGE + n, this_year + n) for n in range(YEARS + 1)
    ]
    for n, row in enumerate(result["years"]):
        assert row["portfolio"]["p50"] == pytest.approx(closed_form(n), abs=0.01)
        assert row["portfolio_real"]["p50"] == pytest.approx(
            closed_form(n) / (1 + INFLATION) ** n, abs=0.01
        )
        flowing = SPEND if n < YEARS else 0.0
        assert row["withdrawals"]["p50"] == row["spending"]["p50"] == flowing
        assert row["income"]["p50"] == row["taxes"]["p50"] == row["debt"]["p50"] == 0.0
        assert len({row["portfolio"][p] for p in PERCENTILES}) == 1  # one path
    assert result["years"][-1]["portfolio"]["p50"] == pytest.approx(161399.88, abs=0.01)  # by hand
    assert (result["cached"], result["scenario_id"]) == (False, None)
    assert result["projection_id"] == projection["id"]
    assert ("profile", retiree.id) in upstream.calls
    assert ("snapshot", retiree.id) in upstream.calls
    assert upstream.refused == 0


async def test_a_second_run_on_unchanged_inputs_is_the_stored_one(api, retiree) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=GROWTH, **DETERMINISTIC)
    first = await api.run(retiree, projection["id"])
    again = await api.run(retiree, projection["id"])
    assert again["cached"] is True
    assert {**again, "cached": False} == first
    assert await api.count("runs", retiree.id) == 1


async def test_a_ledger_change_is_a_new_hash_and_a_new_stored_run(api, retiree, upstream) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=GROWTH, **DETERMINISTIC)
    first = await api.run(retiree, projection["id"])
    upstream.snapshots[retiree.id]["expenses"].append(expense(1000))
    changed = await api.run(retiree, projection["id"])
    assert changed["cached"] is False
    assert changed["inputs_hash"] != first["inputs_hash"]
    assert changed["run_id"] != first["run_id"]
    assert p50(changed)[-1] == pytest.approx(closed_form(YEARS, SPEND + 1000), abs=0.01)
    assert await api.count("runs", retiree.id) == 2
    # Back to the first ledger: its stored run is found again.
    upstream.snapshots[retiree.id]["expenses"].pop()
    back = await api.run(retiree, projection["id"])
    assert (back["cached"], back["run_id"]) == (True, first["run_id"])
    assert await api.count("runs", retiree.id) == 2


async def test_an_assumption_change_is_a_new_stored_run(client, api, retiree) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=GROWTH, **DETERMINISTIC)
    first = await api.run(retiree, projection["id"])
    response = await client.patch(
        f"/projections/{projection['id']}",
        json={"assumptions": {"stock_return": 0.0}},
        headers=retiree.headers,
    )
    assert response.status == 200
    flat = await api.run(retiree, projection["id"])
    assert flat["inputs_hash"] != first["inputs_hash"]
    assert p50(flat) == [START - SPEND * n for n in range(YEARS + 1)]


async def test_a_later_retirement_in_a_scenario_adds_the_salary_years(api, retiree) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=GROWTH, **DETERMINISTIC)
    scenario = await api.create_scenario(retiree, projection["id"], "Work on", retirement_age=65)
    baseline = await api.run(retiree, projection["id"])
    result = await api.run(retiree, projection["id"], scenario["id"])
    assert result["scenario_id"] == scenario["id"]
    assert result["run_id"] != baseline["run_id"]
    expected = by_hand(retire_at=65, salary=20_000, spend=SPEND)
    assert p50(result) == pytest.approx(expected, abs=0.01)
    assert p50(result, "income") == [20_000.0] * 3 + [0.0] * (YEARS - 2)
    assert p50(baseline) == pytest.approx(by_hand(retire_at=AGE, salary=0, spend=SPEND), abs=0.01)


async def test_a_scenario_scaling_expenses_spends_that_share(api, retiree) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=GROWTH, **DETERMINISTIC)
    scenario = await api.create_scenario(
        retiree,
        projection["id"],
        "Frugal",
        expense_scale=0.8,
        extra_expenses=[
            {
                "name": "Trip",
                "amount": "3000",
                "start_age": 63,
                "end_age": 63,
                "inflation_indexed": False,
            }
        ],
    )
    result = await api.run(retiree, projection["id"], scenario["id"])
    b, expected = START, [START]
    for age in range(AGE, PLAN_TO):
        b = (b - SPEND * 0.8 - (3000 if age == 63 else 0)) * (1 + GROWTH)
        expected.append(b)
    assert p50(result) == pytest.approx(expected, abs=0.01)
    assert p50(result, "spending")[:3] == [12_000.0, 15_000.0, 12_000.0]


async def test_a_monte_carlo_run_without_a_seed_uses_the_projections_own_and_repeats(
    api, retiree
) -> None:
    projection = await api.create_projection(retiree, "MC", paths=300)
    first = await api.run(retiree, projection["id"])
    assert first["seed"] == projection_seed(uuid.UUID(projection["id"]))
    assert first["paths"] == 300
    assert 0.0 <= first["success_rate"] <= 1.0
    # Forget the stored run, so the second run really computes again.
    await api.pool.execute("DELETE FROM runs WHERE user_id = $1", retiree.id)
    second = await api.run(retiree, projection["id"])
    assert second["cached"] is False
    volatile = ("run_id", "created_at")
    assert {k: v for k, v in second.items() if k not in volatile} == {
        k: v for k, v in first.items() if k not in volatile
    }


async def test_a_monte_carlo_run_with_a_seed_uses_it(api, retiree) -> None:
    projection = await api.create_projection(retiree, "MC", paths=100, seed=42)
    result = await api.run(retiree, projection["id"])
    assert result["seed"] == 42


async def test_a_profile_without_a_birth_date_says_what_to_fill_in(api, new_user, upstream) -> None:
    me = new_user()
    upstream.person(me.id, age=50, retire_at=65, plan_to=90, birth_date=None)
    projection = await api.create_projection(me, "Base")
    response = await api.post(me, f"/projections/{projection['id']}/run")
    body = await api.problem(response, 422)
    assert body["errors"][0]["field"] == "profile.birth_date"
    assert "birth_date" in body["detail"]
    assert await api.count("runs", me.id) == 0


async def test_historical_mode_runs_on_the_shipped_series_by_default(api, retiree) -> None:
    projection = await api.create_projection(retiree, "H", mode="historical")
    result = await api.run(retiree, projection["id"])
    # An 8-year plan over the shipped 1871–2022 series starts in each of 1871..2015.
    assert result["paths"] == 2015 - 1871 + 1
    assert await api.count("runs", retiree.id) == 1


async def test_an_empty_run_body_and_no_body_both_run_the_baseline(client, api, retiree) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=GROWTH, **DETERMINISTIC)
    response = await client.post(f"/projections/{projection['id']}/run", headers=retiree.headers)
    assert response.status == 200, await response.text()
    first = await response.json()
    again = await api.run(retiree, projection["id"])
    assert (again["cached"], again["run_id"]) == (True, first["run_id"])


async def test_an_account_accounts_no_longer_knows_is_not_found(api, new_user) -> None:
    me = new_user()  # never given a profile: accounts answers 404
    projection = await api.create_projection(me, "Base")
    response = await api.post(me, f"/projections/{projection['id']}/run")
    await api.problem(response, 404)


async def test_accounts_or_ledger_down_is_a_502(api, retiree, upstream) -> None:
    projection = await api.create_projection(retiree, "Base", **DETERMINISTIC)
    upstream.down.add(retiree.id)
    response = await api.post(retiree, f"/projections/{projection['id']}/run")
    body = await api.problem(response, 502)
    assert body["type"] == "urn:nestegg:problem:upstream-unavailable"
    assert await api.count("runs", retiree.id) == 0
    upstream.down.discard(retiree.id)
    assert (await api.run(retiree, projection["id"]))["cached"] is False


async def test_accounts_or_ledger_slower_than_the_timeout_is_a_504(api, retiree, upstream) -> None:
    projection = await api.create_projection(retiree, "Base", **DETERMINISTIC)
    upstream.delay_s[retiree.id] = 1.6  # the client gives up after UPSTREAM_TIMEOUT_S = 1.0
    response = await api.post(retiree, f"/projections/{projection['id']}/run")
    body = await api.problem(response, 504)
    assert body["type"] == "urn:nestegg:problem:upstream-timeout"
    assert await api.count("runs", retiree.id) == 0
    del upstream.delay_s[retiree.id]


async def test_two_concurrent_runs_of_the_same_inputs_store_one_run(api, retiree, upstream) -> None:
    projection = await api.create_projection(retiree, "Base", stock_return=GROWTH, **DETERMINISTIC)
    upstream.delay_s[retiree.id] = 0.3  # both are past the stored-run lookup before either stores
    first, second = await asyncio.gather(
        api.run(retiree, projection["id"]), api.run(retiree, projection["id"])
    )
    del upstream.delay_s[retiree.id]
    assert first["run_id"] == second["run_id"]
    assert first["years"] == second["years"]
    assert await api.count("runs", retiree.id) == 1


async def test_a_200_answer_that_is_not_json_is_a_502(api, retiree, upstream) -> None:
    projection = await api.create_projection(retiree, "Base", **DETERMINISTIC)
    upstream.garbled.add(retiree.id)
    response = await api.post(retiree, f"/projections/{projection['id']}/run")
    upstream.garbled.discard(retiree.id)
    await api.problem(response, 502)


async def test_a_projection_deleted_while_it_runs_is_a_404_not_a_500(
    client, api, retiree, upstream
) -> None:
    projection = await api.create_projection(retiree, "Base", **DETERMINISTIC)
    upstream.delay_s[retiree.id] = 0.4
    arrived = upstream.arrival(retiree.id)
    running = asyncio.create_task(api.post(retiree, f"/projections/{projection['id']}/run"))
    await asyncio.wait_for(arrived.wait(), 5)  # the run is fetching its inputs
    deleted = await client.delete(f"/projections/{projection['id']}", headers=retiree.headers)
    assert deleted.status == 204
    response = await running
    del upstream.delay_s[retiree.id]
    assert await api.count("runs", retiree.id) == 0
    await api.problem(response, 404)


async def test_a_profile_of_the_wrong_shape_is_a_502_not_a_500(api, retiree, upstream) -> None:
    projection = await api.create_projection(retiree, "Base", **DETERMINISTIC)
    saved = upstream.profiles[retiree.id]
    upstream.profiles[retiree.id] = {"birth_date": saved["birth_date"]}  # no ages at all
    try:
        response = await api.post(retiree, f"/projections/{projection['id']}/run")
    finally:
        upstream.profiles[retiree.id] = saved
    body = await api.problem(response, 502)
    assert body["detail"] == "The accounts service answered something unexpected."


async def test_a_snapshot_that_is_a_list_is_a_502_not_a_500(api, retiree, upstream) -> None:
    projection = await api.create_projection(retiree, "Base", **DETERMINISTIC)
    saved = upstream.snapshots[retiree.id]
    upstream.snapshots[retiree.id] = []  # type: ignore[assignment]
    try:
        response = await api.post(retiree, f"/projections/{projection['id']}/run")
    finally:
        upstream.snapshots[retiree.id] = saved
    body = await api.problem(response, 502)
    assert body["detail"] == "The ledger service answered something unexpected."
