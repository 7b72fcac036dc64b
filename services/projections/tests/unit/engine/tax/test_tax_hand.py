"""Hand-checked cases of the US tax rules (2026 law; docs/ENGINE.md "Taxes (US regime)").

Every expected number is worked out in the comment beside it from the published 2026
parameters (IRS Rev. Proc. 2025-32 as carried by Tax-Calculator; CMS's 2026 IRMAA table; the
IRS Uniform Lifetime Table), not from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from projections.engine.rmd import distribution_period, required_distribution, rmd_start_age
from projections.engine.tax import (
    federal_tax,
    irmaa_surcharge,
    irmaa_year,
    load_law,
    payroll_tax,
    state_tax,
)

LAW = load_law().year_law(2026)
ONE = np.ones(1)


def fed(status: int = 0, index: float = 1.0, law=LAW, **kw: float):
    ages = {"age_head": kw.pop("age_head", 45), "age_spouse": kw.pop("age_spouse", 0)}
    incomes = {
        name: np.array([kw.pop(name, 0.0)], dtype=np.float64)
        for name in (
            "wages",
            "interest",
            "ordinary",
            "qualified_dividends",
            "capital_gains",
            "social_security",
        )
    }
    assert not kw, kw
    return federal_tax(law, np.array([status]), np.array([index]), **ages, **incomes)


def test_the_three_examples_of_the_shared_data_readme() -> None:
    # Single 67, SS 30,000 + IRA 40,000: provisional 40,000 + 15,000 = 55,000; taxable SS
    # min(0.85 × 21,000 + 0.5 × 9,000, 0.85 × 30,000) = 22,350; AGI 62,350; deduction 16,100
    # + 2,050 + 6,000 = 24,150; taxable 38,200; tax 1,240 + 12% × 25,800 = 4,336.
    a = fed(age_head=67, ordinary=40_000, social_security=30_000)
    assert a.total[0] == pytest.approx(4_336.0, abs=0.005)
    # Joint 70/68, SS 50,000 + IRA 80,000 + QD 10,000 + LTCG 20,000: AGI 152,500, senior
    # deduction 2 × (6,000 − 6% × 2,500) = 11,700, taxable 105,300, tax 9,500.
    b = fed(
        1,
        age_head=70,
        age_spouse=68,
        ordinary=80_000,
        qualified_dividends=10_000,
        capital_gains=20_000,
        social_security=50_000,
    )
    assert b.agi[0] == 152_500 and b.total[0] == pytest.approx(9_500.0, abs=0.005)
    # Single 45, wages 120,000: taxable 103,900; 1,240 + 4,560 + 22% × 53,500 = 17,570.
    assert fed(wages=120_000).total[0] == pytest.approx(17_570.0, abs=0.005)


def test_the_tax_torpedo_an_ira_dollar_costs_22_2_cents_in_the_12_percent_bracket() -> None:
    # +1,000 IRA to the first case: provisional 56,000, taxable SS 22,350 + 850 = 23,200
    # (still under the 25,500 cap), AGI 64,200, taxable 40,050, tax 1,240 + 12% × 27,650
    # = 4,558: 222 more, i.e. 12% × (1 + 0.85) on each IRA dollar.
    before = fed(age_head=67, ordinary=40_000, social_security=30_000)
    after = fed(age_head=67, ordinary=41_000, social_security=30_000)
    assert after.taxable_social_security[0] == pytest.approx(23_200.0)
    assert after.total[0] == pytest.approx(4_558.0, abs=0.005)
    assert (after.total - before.total)[0] / 1_000 == pytest.approx(0.222)
    assert after.marginal_rate[0] == 0.12  # the bracket alone says 12%


def test_a_retiree_couple_under_the_threshold_pays_0_percent_on_gains() -> None:
    # Joint 68/66: SS 40,000, pension 30,000, QD 10,000, LTCG 30,000. Provisional 70,000 +
    # 20,000 = 90,000; taxable SS min(0.85 × 46,000 + 6,000, 34,000) = 34,000; AGI 104,000;
    # deduction 32,200 + 2 × 1,650 + 2 × 6,000 = 47,500; taxable 56,500 of which 40,000
    # preferred and 16,500 ordinary: 10% × 16,500 = 1,650, and 56,500 < 98,900 so the
    # dividends and gains are all in the 0% band.
    c = fed(
        1,
        age_head=68,
        age_spouse=66,
        ordinary=30_000,
        qualified_dividends=10_000,
        capital_gains=30_000,
        social_security=40_000,
    )
    assert c.taxable_income[0] == pytest.approx(56_500.0)
    assert c.gains_tax[0] == 0.0
    assert c.total[0] == pytest.approx(1_650.0, abs=0.005)


def test_an_irmaa_cliff_one_dollar_costs_a_whole_tier() -> None:
    table = irmaa_year(2026)
    single, joint = np.array([0]), np.array([1])

    def yearly(status, magi, enrollees=1.0):
        return irmaa_surcharge(
            table,
            status,
            ONE,
            magi_two_years_before=np.array([magi]),
            enrollees=np.array([enrollees]),
        )[0]

    assert yearly(single, 109_000.0) == 0.0  # "$109,000 or less": standard premium only
    # One dollar more: 12 × (Part B 284.10 − 202.90 = 81.20 + Part D 14.50) = 1,148.40.
    assert yearly(single, 109_001.0) == pytest.approx(1_148.40)
    # The top tier starts *at* 500,000: 12 × (487.00 + 91.00) = 6,936; just below, tier 4:
    # 12 × (446.30 + 83.30) = 6,355.20.
    assert yearly(single, 499_999.0) == pytest.approx(6_355.20)
    assert yearly(single, 500_000.0) == pytest.approx(6_936.00)
    # A couple, both enrolled, joint MAGI 218,001: each pays the first tier.
    assert yearly(joint, 218_001.0, 2.0) == pytest.approx(2 * 1_148.40)
    # Indexed: with 10% inflation since the law year, 119,000 is 108,182 in 2026 dollars.
    indexed = irmaa_surcharge(
        table,
        single,
        np.array([1.1]),
        magi_two_years_before=np.array([119_000.0]),
        enrollees=np.ones(1),
    )
    assert indexed[0] == 0.0


def test_an_rmd_year_at_75_divides_by_the_table_s_24_6() -> None:
    # Born 1960: first RMD year at 75. 500,000 at the end of the previous year ÷ 24.6.
    assert rmd_start_age(1960) == 75 and rmd_start_age(1959) == 73 and rmd_start_age(1951) == 73
    assert rmd_start_age(1950) == 72
    start = rmd_start_age(1960)
    assert required_distribution(500_000.0, 74, start) == 0.0
    assert required_distribution(500_000.0, 75, start) == pytest.approx(20_325.20, abs=0.005)
    # Born 1955, at 73: ÷ 26.5 = 18,867.92.
    assert required_distribution(500_000.0, 73, rmd_start_age(1955)) == pytest.approx(
        18_867.92, abs=0.005
    )
    np.testing.assert_array_equal(
        distribution_period([71, 72, 80, 90, 100, 120, 130]),
        [np.inf, 27.4, 20.2, 12.2, 6.4, 2.0, 2.0],
    )


def test_payroll_tax_to_the_wage_base_and_the_additional_medicare_threshold() -> None:
    # Single, 250,000: OASDI 6.2% × 184,500 = 11,439; Medicare 1.45% × 250,000 = 3,625;
    # additional 0.9% × (250,000 − 200,000) = 450.
    p = payroll_tax(
        LAW, np.array([0]), ONE, wages_head=np.array([250_000.0]), wages_spouse=np.zeros(1)
    )
    assert (p.social_security[0], p.medicare[0], p.additional_medicare[0]) == pytest.approx(
        (11_439.0, 3_625.0, 450.0)
    )
    # A couple earning 150,000 each: OASDI 2 × 9,300; threshold 250,000 on joint wages: 450.
    q = payroll_tax(
        LAW,
        np.array([1]),
        ONE,
        wages_head=np.array([150_000.0]),
        wages_spouse=np.array([150_000.0]),
    )
    assert (q.social_security[0], q.additional_medicare[0]) == pytest.approx((18_600.0, 450.0))


def test_state_tax_leaves_social_security_out() -> None:
    # 5% × (62,350 − 22,350) = 2,000 for the first README case.
    a = fed(age_head=67, ordinary=40_000, social_security=30_000)
    assert state_tax(0.05, a.agi, a.taxable_social_security)[0] == pytest.approx(2_000.0)


def test_the_senior_deduction_ends_after_2028_as_the_law_says() -> None:
    # In 2029 under the 2026 law: deduction 16,100 + 2,050 = 18,150 (index 1 to isolate the
    # rule); taxable 44,200; tax 1,240 + 12% × 31,800 = 5,056.
    law_2029 = load_law().year_law(2026, 2029)
    assert law_2029.senior_amount == 0.0
    a = fed(law=law_2029, age_head=67, ordinary=40_000, social_security=30_000)
    assert a.total[0] == pytest.approx(5_056.0, abs=0.005)


def test_indexing_scales_brackets_and_deductions_but_not_the_statutory_thresholds() -> None:
    # Wages only: everything that applies is indexed, so 10% more of both is 10% more tax.
    assert fed(wages=132_000, index=1.1).total[0] == pytest.approx(1.1 * 17_570.0)
    # Social Security thresholds are not indexed: the same real income makes more of the
    # benefits taxable after inflation (33,000 + 16,500 = 49,500 provisional vs 45,000 → in
    # nominal terms 0.85 × (49,500 − 34,000) + 4,500 = 17,675 vs 0.85 × 11,000 + 4,500 = 13,850).
    now = fed(age_head=67, ordinary=30_000, social_security=30_000)
    later = fed(age_head=67, ordinary=33_000, social_security=33_000, index=1.1)
    assert now.taxable_social_security[0] == pytest.approx(13_850.0)
    assert later.taxable_social_security[0] == pytest.approx(17_675.0)
