"""The engine's federal income tax and payroll tax against Tax-Calculator on 2,400 households.

2,200 have long-term gains from 0 to 1M, the last 200 a net capital loss (up to 60,000, of
which the law lets 3,000 offset other income).

Tax-Calculator (`taxcalc`, a dev dependency) computes 2026 current law for every generated
household in one batch (one Policy, one Records frame). Like is compared with like:

- `iitax` is income tax *after* credits and includes items the engine leaves out of the
  federal income tax on purpose. Each is named, counted and accounted for: EITC (`eitc`,
  refundable; the engine has no low-income credits), the elderly credit (`c07200`,
  Schedule R) and any other nonrefundable credit (`c07100`). The engine's AMT is compared
  with `c09600` on every household. The Additional Medicare Tax (`ptax_amc`) is in `iitax`
  only under the policy switch `soi_iitax` (off in current law: it is then in `payrolltax`,
  as in the engine); the test reads the switch. On every household without an excluded
  item the engine equals `iitax`; on every household, it equals `iitax` with exactly those
  items backed out.
- `payrolltax` is employee *and* employer FICA; the law's two shares have equal rates, so the
  engine's employee OASDI + Medicare is half of its FICA part. Tax-Calculator applies the
  Additional Medicare Tax to wages net of 401(k) deferrals, the law to Medicare wages
  (deferrals included): the engine follows the law, and the difference is asserted to be
  exactly that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import taxcalc as tc

from projections.engine.tax import federal_tax, load_law, payroll_tax

YEAR = 2026
HOUSEHOLDS = 2_400
LOSSES = 200  # the last households realise a net capital loss (the 3,000 limit applies)
SEED = 20260116


@dataclass(frozen=True)
class Oracle:
    households: pd.DataFrame
    out: pd.DataFrame
    seconds: float
    amc_in_iitax: bool  # Tax-Calculator's soi_iitax switch
    employer_rates: tuple[float, float]


def _generate(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Return n households: single/joint, ages 30-90, every income kind the engine taxes."""
    joint = rng.random(n) < 0.5
    age_head = rng.integers(30, 91, n)
    age_spouse = np.where(joint, np.clip(age_head + rng.integers(-8, 9, n), 30, 90), 0)

    def some(p: float, low: float, high: float, where: np.ndarray | None = None) -> np.ndarray:
        """Whole dollars, log-uniform in [low, high], nonzero with probability p."""
        amount = np.exp(rng.uniform(np.log(low), np.log(high), n)).round()
        keep = rng.random(n) < p
        if where is not None:
            keep &= where
        return np.where(keep, amount, 0.0)

    working_head = age_head < 70
    working_spouse = joint & (age_spouse < 70)
    wages_p = some(0.7, 5_000, 450_000, working_head)
    wages_s = some(0.6, 5_000, 300_000, working_spouse)
    defer_p = np.minimum(some(0.4, 1_000, 23_500), wages_p)
    defer_s = np.minimum(some(0.4, 1_000, 23_500), wages_s)
    gains = some(0.6, 10, 1_000_000)
    gains[n - LOSSES :] = -np.exp(rng.uniform(np.log(10), np.log(60_000), LOSSES)).round()
    return pd.DataFrame(
        {
            "RECID": np.arange(1, n + 1),
            "MARS": np.where(joint, 2, 1),
            "age_head": age_head,
            "age_spouse": age_spouse,
            "wages_p": wages_p,
            "wages_s": wages_s,
            "defer_p": defer_p,
            "defer_s": defer_s,
            "pension": some(0.3, 2_000, 90_000, age_head >= 55),
            "ira": some(0.45, 1_000, 250_000, age_head >= 55),
            "social_security": some(0.85, 8_000, 75_000, age_head >= 62),
            "interest": some(0.5, 10, 60_000),
            "qualified_dividends": some(0.5, 10, 150_000),
            "gains": gains,
        }
    )


def _records(h: pd.DataFrame) -> pd.DataFrame:
    """Return Tax-Calculator's input frame (wages net of deferrals, deferrals as pencon)."""
    net_p = h.wages_p - h.defer_p
    net_s = h.wages_s - h.defer_s
    return pd.DataFrame(
        {
            "RECID": h.RECID,
            "MARS": h.MARS,
            "age_head": h.age_head,
            "age_spouse": h.age_spouse,
            "e00200": net_p + net_s,
            "e00200p": net_p,
            "e00200s": net_s,
            "pencon_p": h.defer_p,
            "pencon_s": h.defer_s,
            "e00300": h.interest,
            "e00600": h.qualified_dividends,
            "e00650": h.qualified_dividends,
            "e01400": h.ira,
            "e01500": h.pension,
            "e01700": h.pension,
            "e02400": h.social_security,
            "p23250": h.gains,
        }
    )


OUTPUTS = [
    "RECID",
    "iitax",
    "taxbc",
    "niit",
    "c00100",
    "c02500",
    "c04800",
    "eitc",
    "refund",
    "c07100",
    "c07200",
    "c09600",
    "ptax_amc",
    "payrolltax",
]


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    households = _generate(np.random.default_rng(SEED), HOUSEHOLDS)
    start = time.perf_counter()
    records = tc.Records(data=_records(households), start_year=YEAR, gfactors=None, weights=None)
    calc = tc.Calculator(policy=tc.Policy(), records=records, verbose=False)
    calc.advance_to_year(YEAR)
    calc.calc_all()
    out = calc.dataframe(OUTPUTS)
    seconds = time.perf_counter() - start
    assert (out.RECID.to_numpy() == households.RECID.to_numpy()).all()
    policy = calc.policy_param
    return Oracle(
        households=households,
        out=out,
        seconds=seconds,
        amc_in_iitax=bool(policy("soi_iitax")),
        employer_rates=(
            float(policy("FICA_ss_trt_employer")),
            float(policy("FICA_mc_trt_employer")),
        ),
    )


def _engine(h: pd.DataFrame):
    law = load_law().year_law(YEAR)
    status = (h.MARS.to_numpy() == 2).astype(np.intp)
    one = np.ones(len(h))
    fed = federal_tax(
        law,
        status,
        one,
        age_head=h.age_head.to_numpy(),
        age_spouse=h.age_spouse.to_numpy(),
        wages=(h.wages_p - h.defer_p + h.wages_s - h.defer_s).to_numpy(),
        interest=h.interest.to_numpy(),
        ordinary=(h.ira + h.pension).to_numpy(),
        qualified_dividends=h.qualified_dividends.to_numpy(),
        capital_gains=h.gains.to_numpy(),
        social_security=h.social_security.to_numpy(),
    )
    pay = payroll_tax(
        law, status, one, wages_head=h.wages_p.to_numpy(), wages_spouse=h.wages_s.to_numpy()
    )
    return law, status, fed, pay


def test_the_households_cover_what_the_issue_asks(oracle: Oracle) -> None:
    h = oracle.households
    assert len(h) >= 2_000
    assert set(h.MARS) == {1, 2}
    assert h.age_head.min() == 30 and h.age_head.max() == 90
    assert h.gains.max() > 900_000 and (h.gains == 0).sum() > 500
    assert (h.gains < -3_000).sum() > 50 and ((h.gains < 0) & (h.gains > -3_000)).sum() > 50
    for column in ("wages_p", "pension", "ira", "social_security", "interest"):
        assert (h[column] > 0).sum() > 300, column
    print(f"\nTax-Calculator on {len(h):,} households: {oracle.seconds:.2f} s")


def test_regular_tax_and_niit_equal_tax_calculator_s_on_every_household(oracle: Oracle) -> None:
    _, _, fed, _ = _engine(oracle.households)
    out = oracle.out
    # Like with like on all households: AGI, taxable SS, taxable income, tax before credits, NIIT.
    for mine, theirs in (
        (fed.agi, out.c00100),
        (fed.taxable_social_security, out.c02500),
        (fed.taxable_income, out.c04800),
        (fed.income_tax, out.taxbc),
        (fed.niit, out.niit),
        (fed.amt, out.c09600),
    ):
        np.testing.assert_allclose(mine, theirs.to_numpy(), rtol=0, atol=0.01)


def test_federal_income_tax_equals_iitax_to_the_dollar(oracle: Oracle) -> None:
    _, _, fed, _ = _engine(oracle.households)
    out = oracle.out
    amc = out.ptax_amc.to_numpy() if oracle.amc_in_iitax else np.zeros(len(out))
    excluded = {
        "EITC (eitc)": out.eitc.to_numpy() != 0,
        "refundable credits other than EITC (refund - eitc)": (out.refund - out.eitc).abs() > 0,
        "nonrefundable credits (c07100)": out.c07100.to_numpy() != 0,
        "  of which the elderly credit (c07200)": out.c07200.to_numpy() != 0,
        "Additional Medicare Tax in iitax (ptax_amc, soi_iitax on)": amc != 0,
    }
    any_excluded = np.logical_or.reduce(list(excluded.values()))
    clean = ~any_excluded
    diff = np.abs(fed.total - out.iitax.to_numpy())
    print(
        f"\n{clean.sum():,} of {len(out):,} households with no excluded item: "
        f"max |engine - iitax| = {diff[clean].max():.6f}"
    )
    for name, mask in excluded.items():
        print(f"  excluded {name}: {int(mask.sum())} households")
    amt = out.c09600.to_numpy() > 0
    print(
        f"  AMT (c09600, in the engine too): {int(amt.sum())} households, max "
        f"{out.c09600.max():,.0f}, max |engine - taxcalc| {np.abs(fed.amt - out.c09600).max():.6f}"
    )
    assert amt.sum() > 20
    assert clean.sum() >= 2_000
    assert diff[clean].max() < 1.0
    # Every household: iitax is the engine's tax less credits (plus the Additional Medicare Tax
    # under soi_iitax); nothing else differs.
    explained = (out.iitax + out.refund + out.c07100).to_numpy() - amc
    assert np.abs(fed.total - explained).max() < 1.0
    # The elderly credit is part of c07100 and, like EITC, reaches only low incomes.
    assert excluded["refundable credits other than EITC (refund - eitc)"].sum() == 0
    assert (out.c04800[excluded["EITC (eitc)"]] < 20_000).all()


def test_payroll_tax_equals_tax_calculator_s_employee_share(oracle: Oracle) -> None:
    h, out = oracle.households, oracle.out
    law, _, _, pay = _engine(h)
    # Employer and employee rates are equal, so the employee's share is half of the FICA part.
    assert oracle.employer_rates == (law.ss_payroll_rate, law.medicare_rate)
    amc = out.ptax_amc.to_numpy()
    fica = out.payrolltax.to_numpy() - (0.0 if oracle.amc_in_iitax else amc)
    employee = (pay.social_security + pay.medicare) * 2.0
    assert np.abs(employee - fica).max() < 1.0
    assert ((h.wages_p > law.ss_wage_base) | (h.wages_s > law.ss_wage_base)).sum() > 100

    deferred = ((h.defer_p + h.defer_s) > 0).to_numpy()
    same = ~deferred
    assert np.abs(pay.additional_medicare[same] - amc[same]).max() < 0.01
    # With deferrals, Tax-Calculator taxes wages net of them; the law (and the engine) does not.
    threshold = law.additional_medicare_threshold[(h.MARS.to_numpy() == 2).astype(int)]
    gross = (h.wages_p + h.wages_s).to_numpy()
    net = gross - (h.defer_p + h.defer_s).to_numpy()
    gap = law.additional_medicare_rate * (
        np.maximum(gross - threshold, 0.0) - np.maximum(net - threshold, 0.0)
    )
    np.testing.assert_allclose(pay.additional_medicare - amc, gap, atol=0.01)
    print(
        f"\nAdditional Medicare Tax: {int((np.abs(gap) > 0).sum())} households differ only "
        f"by deferrals; {int((amc[same] > 0).sum())} pay it and match"
    )


def test_later_years_index_what_the_law_indexes_as_tax_calculator_does(oracle: Oracle) -> None:
    # Tax-Calculator projects 2027-2029 by indexing the 2026 law by its price inflation (to the
    # cent) and applying scheduled changes (no senior deduction from 2029). The engine under
    # law year 2026 with the same cumulative inflation must give the same federal tax: indexed
    # amounts scaled, SS and NIIT thresholds and the senior deduction not.
    h = oracle.households
    records = tc.Records(data=_records(h), start_year=YEAR, gfactors=None, weights=None)
    policy = tc.Policy()
    calc = tc.Calculator(policy=policy, records=records, verbose=False)
    rates = policy.inflation_rates()
    index = 1.0
    status = (h.MARS.to_numpy() == 2).astype(np.intp)
    for year in (2027, 2028, 2029):
        index *= 1.0 + rates[year - 1 - policy.start_year]
        calc.advance_to_year(year)
        calc.calc_all()
        out = calc.dataframe(["iitax", "eitc", "c07100", "taxbc", "c09600", "niit"])
        fed = federal_tax(
            load_law().year_law(YEAR, year),
            status,
            np.full(len(h), index),
            age_head=h.age_head.to_numpy(),
            age_spouse=h.age_spouse.to_numpy(),
            wages=(h.wages_p - h.defer_p + h.wages_s - h.defer_s).to_numpy(),
            interest=h.interest.to_numpy(),
            ordinary=(h.ira + h.pension).to_numpy(),
            qualified_dividends=h.qualified_dividends.to_numpy(),
            capital_gains=h.gains.to_numpy(),
            social_security=h.social_security.to_numpy(),
        )
        clean = (out.eitc.to_numpy() == 0) & (out.c07100.to_numpy() == 0)
        diff = np.abs(fed.total - out.iitax.to_numpy())
        print(
            f"\n{year} (index {index:.4f}): {clean.sum():,} households, "
            f"max |engine - iitax| = {diff[clean].max():.4f}"
        )
        assert clean.sum() >= 2_000
        # Tax-Calculator rounds each indexed amount to the cent; the engine does not.
        assert diff[clean].max() < 1.0
