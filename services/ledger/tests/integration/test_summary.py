"""`GET /ledger/summary`: totals as decimal strings, computed by hand here from the records."""

from __future__ import annotations

from decimal import Decimal

KEYS = {
    "total_assets",
    "total_debts",
    "net_worth",
    "annual_income",
    "annual_expenses",
    "one_time_income",
    "one_time_expenses",
}


async def summary_of(client, user) -> dict[str, str]:
    response = await client.get("/ledger/summary", headers=user.headers)
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    body: dict[str, str] = await response.json()
    assert set(body) == KEYS
    return body


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


async def test_the_summary_adds_up_every_record_by_hand(client, api, new_user) -> None:
    me = new_user()
    assets = ["1000.50", "2500", "0.49"]
    debts = ["300.25", "199.75"]
    incomes = [("5000", "monthly"), ("1200.10", "annual"), ("33.33", "monthly")]
    expenses = [("1500.99", "monthly"), ("800", "annual")]
    for balance in assets:
        await api.create("assets", me, api.body("assets", balance=balance))
    for balance in debts:
        await api.create("debts", me, api.body("debts", balance=balance))
    for amount, frequency in incomes:
        await api.create("incomes", me, api.body("incomes", amount=amount, frequency=frequency))
    for amount, frequency in expenses:
        await api.create("expenses", me, api.body("expenses", amount=amount, frequency=frequency))

    def annual(items):
        return sum(Decimal(a) * (12 if f == "monthly" else 1) for a, f in items)

    total_assets = sum(map(Decimal, assets))
    total_debts = sum(map(Decimal, debts))
    assert await summary_of(client, me) == {
        "total_assets": money(total_assets),
        "total_debts": money(total_debts),
        "net_worth": money(total_assets - total_debts),
        "annual_income": money(annual(incomes)),
        "annual_expenses": money(annual(expenses)),
        "one_time_income": "0.00",
        "one_time_expenses": "0.00",
    }
    # The same, spelled out: 3500.99, 500.00, 3000.99, 60000 + 1200.10 + 399.96, 18011.88 + 800.
    assert await summary_of(client, me) == {
        "total_assets": "3500.99",
        "total_debts": "500.00",
        "net_worth": "3000.99",
        "annual_income": "61600.06",
        "annual_expenses": "18811.88",
        "one_time_income": "0.00",
        "one_time_expenses": "0.00",
    }


async def test_once_items_are_left_out_of_the_yearly_totals_and_summed_apart(
    client, api, new_user
) -> None:
    me = new_user()
    incomes = [("5000", "monthly"), ("1200.10", "annual"), ("25000", "once"), ("0.99", "once")]
    expenses = [("800", "annual"), ("18000", "once"), ("150.5", "monthly")]
    for amount, frequency in incomes:
        body = api.body("incomes", kind="other", amount=amount, frequency=frequency)
        await api.create("incomes", me, body)
    for amount, frequency in expenses:
        await api.create("expenses", me, api.body("expenses", amount=amount, frequency=frequency))
    summary = await summary_of(client, me)
    # By hand: 60000 + 1200.10; 25000 + 0.99; 800 + 1806.00; 18000.
    assert summary["annual_income"] == "61200.10"
    assert summary["one_time_income"] == "25000.99"
    assert summary["annual_expenses"] == "2606.00"
    assert summary["one_time_expenses"] == "18000.00"


async def test_the_net_worth_is_negative_when_debts_exceed_assets(client, api, new_user) -> None:
    me = new_user()
    await api.create("assets", me, api.body("assets", balance="1000"))
    await api.create("debts", me, api.body("debts", balance="250000.01"))
    summary = await summary_of(client, me)
    assert summary["net_worth"] == "-249000.01"


async def test_the_summary_follows_patches_and_deletes(client, api, new_user) -> None:
    me = new_user()
    asset = await api.create("assets", me, api.body("assets", balance="100"))
    income = await api.create("incomes", me, api.body("incomes", amount="10", frequency="annual"))
    await client.patch(f"/assets/{asset['id']}", json={"balance": "250.5"}, headers=me.headers)
    await client.patch(
        f"/incomes/{income['id']}", json={"frequency": "monthly"}, headers=me.headers
    )
    summary = await summary_of(client, me)
    assert (summary["total_assets"], summary["annual_income"]) == ("250.50", "120.00")
    await client.delete(f"/assets/{asset['id']}", headers=me.headers)
    assert Decimal((await summary_of(client, me))["total_assets"]) == 0


async def test_the_summary_of_the_largest_balances_is_exact(client, api, new_user) -> None:
    me = new_user()
    for _ in range(3):
        await api.create("assets", me, api.body("assets", balance="999999999999.99"))
    await api.create("expenses", me, api.body("expenses", amount="999999999999.99"))
    summary = await summary_of(client, me)
    assert summary["total_assets"] == "2999999999999.97"
    assert summary["annual_expenses"] == "11999999999999.88"


async def test_an_empty_ledger_sums_to_zero(client, new_user) -> None:
    summary = await summary_of(client, new_user())
    assert {k: Decimal(v) for k, v in summary.items()} == dict.fromkeys(KEYS, Decimal(0))


async def test_an_empty_ledger_shows_zero_with_two_places_like_all_money(client, new_user):
    summary = await summary_of(client, new_user())
    assert summary == dict.fromkeys(KEYS, "0.00")


async def test_a_ledger_with_only_debts_shows_every_total_with_two_places(
    client, api, new_user
) -> None:
    me = new_user()
    await api.create("debts", me, api.body("debts", balance="500"))
    assert await summary_of(client, me) == {
        "total_assets": "0.00",
        "total_debts": "500.00",
        "net_worth": "-500.00",
        "annual_income": "0.00",
        "annual_expenses": "0.00",
        "one_time_income": "0.00",
        "one_time_expenses": "0.00",
    }
