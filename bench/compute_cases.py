"""Computations users wait for, through the gateway (issue 19, goal 3).

A couple on the `us` tax regime with `guardrails` spending (the issues before 19: household,
taxes, spending policy), 10,000 paths: an uncached run, a compare of the baseline and five
scenarios, and a spending solve. Each run and compare is made uncached by changing the
projection's inflation by a millionth first (new inputs, same work); a solve is never stored.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "bench password 1234"  # noqa: S105 (a throwaway user on a scratch database)
GOALS_MS = {"run": 250.0, "compare": 600.0, "solve": 1000.0}  # p50, issue 19 goal 3
PROFILE = {
    "birth_date": "1972-03-01",
    "sex": "female",
    "retirement_age": 62,
    "life_expectancy": 95,
    "currency": "USD",
    "filing_status": "married_joint",
    "partner": {
        "name": "Sam",
        "birth_date": "1970-06-01",
        "sex": "male",
        "retirement_age": 65,
        "life_expectancy": 92,
    },
}
RECORDS: dict[str, list[dict[str, Any]]] = {
    "assets": [
        {"name": "Cash", "kind": "cash", "balance": "40000.00", "owner": "joint"},
        {
            "name": "Brokerage",
            "kind": "taxable",
            "balance": "300000.00",
            "cost_basis": "200000.00",
            "owner": "joint",
        },
        {
            "name": "Her 401(k)",
            "kind": "tax_deferred",
            "balance": "600000.00",
            "annual_contribution": "23000.00",
        },
        {"name": "His IRA", "kind": "tax_deferred", "balance": "300000.00", "owner": "partner"},
        {"name": "Roth", "kind": "tax_free", "balance": "150000.00", "owner": "self"},
    ],
    "incomes": [
        {
            "name": "Her salary",
            "kind": "salary",
            "amount": "120000.00",
            "frequency": "annual",
            "inflation_indexed": True,
            "end_age": 61,
        },
        {
            "name": "His salary",
            "kind": "salary",
            "amount": "90000.00",
            "frequency": "annual",
            "inflation_indexed": True,
            "end_age": 64,
            "owner": "partner",
        },
        {
            "name": "Her SS",
            "kind": "social_security",
            "amount": "2400.00",
            "frequency": "monthly",
            "start_age": 67,
        },
        {
            "name": "His SS",
            "kind": "social_security",
            "amount": "2000.00",
            "frequency": "monthly",
            "start_age": 67,
            "owner": "partner",
        },
    ],
    "expenses": [
        {
            "name": "Living",
            "category": "living",
            "amount": "75000.00",
            "frequency": "annual",
            "owner": "joint",
            "essential": True,
        },
        {
            "name": "Travel",
            "category": "leisure",
            "amount": "25000.00",
            "frequency": "annual",
            "owner": "joint",
            "essential": False,
        },
    ],
}
ASSUMPTIONS = {
    "mode": "monte_carlo",
    "paths": 10_000,
    "tax": {"regime": "us", "state_rate": 0.05},
    "withdrawal_strategy": "guardrails",
    "inflation": 0.025,
}
SCENARIOS = [
    {"retirement_age": 60},
    {"retirement_age": 64},
    {"expense_scale": 0.9},
    {"expense_scale": 1.1},
    {"retirement_age": 63, "expense_scale": 0.95},
]


@dataclass
class ComputeCases:
    """The couple, registered through the gateway, and the three timings."""

    http: httpx.Client
    projection_id: str

    @classmethod
    def prepare(cls, gateway: str) -> ComputeCases:
        """Register the couple, record their ledger, create the projection and its scenarios."""
        http = httpx.Client(base_url=f"{gateway}/api/v1", timeout=120)
        email = f"bench-couple-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": PASSWORD}
        http.post("/auth/register", json=body).raise_for_status()
        token = http.post("/auth/login", json=body).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        http.put("/me/profile", json=PROFILE).raise_for_status()
        for collection, records in RECORDS.items():
            for record in records:
                http.post(f"/{collection}", json=record).raise_for_status()
        created = http.post(
            "/projections", json={"name": "Couple, us, guardrails", "assumptions": ASSUMPTIONS}
        )
        created.raise_for_status()
        projection_id = created.json()["id"]
        for n, overrides in enumerate(SCENARIOS):
            http.post(
                f"/projections/{projection_id}/scenarios",
                json={"name": f"What if {n}", "overrides": overrides},
            ).raise_for_status()
        return cls(http, projection_id)

    def _bust(self, n: int) -> None:
        # New inputs, the same amount of work: every plan's inflation moves by a millionth.
        inflation = ASSUMPTIONS["inflation"] + (n + 1) * 1e-6  # type: ignore[operator]
        self.http.patch(
            f"/projections/{self.projection_id}", json={"assumptions": {"inflation": inflation}}
        ).raise_for_status()

    def _timed(self, url: str, body: dict[str, Any]) -> float:
        started = time.perf_counter()
        answer = self.http.post(url, json=body)
        elapsed_ms = (time.perf_counter() - started) * 1000
        answer.raise_for_status()
        return elapsed_ms

    def measure(self, case: str, n: int, counter: list[int]) -> list[float]:
        """Time `n` requests of `case` (run, compare, solve); `counter` numbers the busts."""
        url = f"/projections/{self.projection_id}/{case}"
        timings = []
        for _ in range(n):
            if case in ("run", "compare"):
                self._bust(counter[0])
                counter[0] += 1
            body: dict[str, Any] = {}
            if case == "solve":
                body = {"target": "annual_spending", "success_rate": 0.9}
            timings.append(self._timed(url, body))
            if case == "run":
                assert self.http.post(url, json={}).json()["cached"] is True  # it was stored
        return timings

    def close(self) -> None:
        """Close the client."""
        self.http.close()
