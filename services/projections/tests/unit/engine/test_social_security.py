"""Social Security rules (DESIGN §6.2) against hand computations from the SSA's published rules.

Every expected number below is worked out by hand in its comment from the SSA's rules, never
by calling the code under test:
- FRA by birth year: ssa.gov/benefits/retirement/planner/agereduction.html.
- Early reduction 5/9 of 1 % a month for 36 months, 5/12 of 1 % beyond; spousal 25/36 of 1 %
  and 5/12 of 1 %: POMS RS 00615.101, ssa.gov/oact/quickcalc/earlyretire.html.
- Delayed credits 2/3 of 1 % a month (8 % a year) for births from 1943, less before:
  ssa.gov/benefits/retirement/planner/delayret.html, ssa.gov/oact/ProgData/ar_drc.html.
- Survivor's FRA: ssa.gov/benefits/survivors/survivorchartred.html.
- RIB-LIM (82.5 % of the deceased's PIA): POMS RS 00615.320.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from projections.engine.social_security import (
    Claimant,
    benefits,
    full_retirement_age_months,
    own_benefit_factor,
    spousal_benefit_factor,
    ssa_birth_year,
    survivor_full_retirement_age_months,
)


def months(years: int, extra: int = 0) -> int:
    return 12 * years + extra


# (birth year, FRA as (years, months)) from SSA's table.
FRA_TABLE = [
    (1937, (65, 0)),
    (1938, (65, 2)),
    (1940, (65, 6)),
    (1942, (65, 10)),
    (1943, (66, 0)),
    (1950, (66, 0)),
    (1954, (66, 0)),
    (1955, (66, 2)),
    (1956, (66, 4)),
    (1957, (66, 6)),
    (1958, (66, 8)),
    (1959, (66, 10)),
    (1960, (67, 0)),
    (1990, (67, 0)),
]


@pytest.mark.parametrize(("birth_year", "fra"), FRA_TABLE)
def test_full_retirement_age_follows_ssa_s_table(birth_year: int, fra: tuple[int, int]) -> None:
    assert full_retirement_age_months(birth_year) == months(*fra)


@pytest.mark.parametrize(
    ("birth_date", "year"),
    [(date(1960, 1, 1), 1959), (date(1960, 1, 2), 1960), (date(1954, 12, 31), 1954)],
)
def test_a_1_january_birthday_counts_in_the_year_before(birth_date: date, year: int) -> None:
    # SSA's tables: "If you were born on January 1st, refer to the previous year."
    assert ssa_birth_year(birth_date) == year


# Survivors' FRA (SSA's survivors' table: the retirement table two birth years later).
SURVIVOR_FRA_TABLE = [
    (1939, (65, 0)),
    (1944, (65, 10)),
    (1945, (66, 0)),
    (1956, (66, 0)),
    (1957, (66, 2)),
    (1961, (66, 10)),
    (1962, (67, 0)),
]


@pytest.mark.parametrize(("birth_year", "fra"), SURVIVOR_FRA_TABLE)
def test_survivor_full_retirement_age_follows_ssa_s_survivor_table(
    birth_year: int, fra: tuple[int, int]
) -> None:
    assert survivor_full_retirement_age_months(birth_year) == months(*fra)


# Own benefit factor: (birth year, claim age (years, months), factor worked out by hand).
OWN_FACTORS = [
    # Born 1943–54, FRA 66 (792 months), delayed credit 2/3 % a month.
    (1950, (62, 0), 0.75),  # 48 early: 36 × 5/9 % = 20 % + 12 × 5/12 % = 5 % → 75 %
    (1950, (62, 1), 1 - 0.20 - 11 * 5 / 1200),  # 47 early: 20 % + 4.5833 % → 75.4167 %
    (1943, (63, 0), 0.80),  # 36 early: 20 %
    (1954, (64, 0), 1 - 24 * 5 / 900),  # 24 early: 13.333 % → 86.667 %
    (1950, (65, 0), 1 - 12 * 5 / 900),  # 12 early: 6.667 % → 93.333 %
    (1950, (65, 11), 1 - 5 / 900),  # 1 early: 0.5556 % → 99.444 %
    (1950, (66, 0), 1.00),
    (1950, (66, 1), 1 + 2 / 300),  # 1 late: 0.6667 %
    (1950, (67, 0), 1.08),
    (1950, (68, 0), 1.16),
    (1950, (69, 0), 1.24),
    (1954, (70, 0), 1.32),  # 48 late × 2/3 % = 32 % (SSA ar_drc: 132 %)
    # Born 1955–59: FRA 66 + 2 months a year.
    (1955, (62, 0), 1 - 0.20 - 14 * 5 / 1200),  # 50 early: 20 % + 5.8333 % → 74.1667 %
    (1955, (66, 0), 1 - 2 * 5 / 900),  # 2 early: 1.1111 % → 98.889 %
    (1955, (70, 0), 1 + 46 * 2 / 300),  # 46 late: 30.667 % → 130.667 %
    (1957, (62, 0), 0.725),  # 54 early: 20 % + 18 × 5/12 % = 7.5 % → 72.5 % (the figure)
    (1957, (63, 0), 0.775),  # 42 early: 20 % + 2.5 %
    (1957, (63, 6), 0.80),  # 36 early
    (1957, (64, 0), 1 - 30 * 5 / 900),  # 30 early: 16.667 % → 83.333 %
    (1957, (65, 0), 0.90),  # 18 early: 10 %
    (1957, (66, 0), 1 - 6 * 5 / 900),  # 6 early: 3.333 % → 96.667 %
    (1957, (66, 6), 1.00),
    (1957, (67, 0), 1.04),  # 6 late × 2/3 %
    (1957, (68, 0), 1.12),
    (1957, (69, 0), 1.20),
    (1957, (70, 0), 1.28),  # 42 late: 28 %
    (1959, (62, 0), 1 - 0.20 - 22 * 5 / 1200),  # 58 early: 20 % + 9.1667 % → 70.833 %
    (1959, (70, 0), 1 + 38 * 2 / 300),  # 38 late: 25.333 % → 125.333 %
    # Born 1960 and later: FRA 67 (804 months).
    (1960, (62, 0), 0.70),  # 60 early: 20 % + 24 × 5/12 % = 10 % → 70 % (the figure)
    (1960, (62, 6), 0.725),  # 54 early
    (1960, (63, 0), 0.75),  # 48 early
    (1960, (64, 0), 0.80),  # 36 early
    (1960, (64, 1), 1 - 35 * 5 / 900),  # 35 early: 19.444 % → 80.556 %
    (1960, (65, 0), 1 - 24 * 5 / 900),  # 86.667 %
    (1960, (66, 0), 1 - 12 * 5 / 900),  # 93.333 %
    (1970, (66, 11), 1 - 5 / 900),
    (1960, (67, 0), 1.00),
    (1960, (67, 1), 1 + 2 / 300),
    (1960, (68, 0), 1.08),
    (1960, (69, 0), 1.16),
    (1960, (69, 6), 1.20),
    (1960, (70, 0), 1.24),  # 36 late × 2/3 % = 24 % (the figure)
    # Claiming ages outside 62–70 are clamped.
    (1960, (60, 0), 0.70),
    (1960, (72, 0), 1.24),
    # Before 1943 (SSA's tables): born 1940, FRA 65y6m, credit 7 %/year = 7/12 % a month.
    (1940, (62, 0), 0.775),  # 42 early: 20 % + 2.5 %
    (1940, (70, 0), 1 + 54 * 7 / 1200),  # 54 late × 7/12 % = 31.5 % (ar_drc: 131.5 %)
    (1937, (62, 0), 0.80),  # FRA 65: 36 early
    (1937, (70, 0), 1 + 60 * 6.5 / 1200),  # 60 late × 6.5/12 % = 32.5 %
]


@pytest.mark.parametrize(("birth_year", "age", "factor"), OWN_FACTORS)
def test_own_benefit_factor_matches_the_hand_computed_table(
    birth_year: int, age: tuple[int, int], factor: float
) -> None:
    assert own_benefit_factor(birth_year, months(*age)) == pytest.approx(factor, abs=1e-12)


@pytest.mark.parametrize("birth_year", [1943, 1950, 1954, 1955, 1956, 1957, 1958, 1959, 1960, 1975])
def test_own_factor_moves_month_by_month_by_ssa_s_steps(birth_year: int) -> None:
    # Each month closer to FRA adds 5/12 % while more than 36 months early, 5/9 % within 36
    # months, and each month after FRA adds 2/3 %, from 62 to 70.
    fra = full_retirement_age_months(birth_year)
    for month in range(months(62), months(70)):
        step = own_benefit_factor(birth_year, month + 1) - own_benefit_factor(birth_year, month)
        early = fra - month
        expected = 5 / 1200 if early > 36 else 5 / 900 if early > 0 else 2 / 300
        assert step == pytest.approx(expected, abs=1e-12), (birth_year, month)


# Spousal factor as a share of the partner's PIA (before subtracting the own PIA).
SPOUSAL_FACTORS = [
    (1960, (62, 0), 0.325),  # 60 early: 36 × 25/36 % = 25 % + 24 × 5/12 % = 10 % → 50 % × 0.65
    (1960, (63, 0), 0.35),  # 48 early: 25 % + 5 % → 50 % × 0.70
    (1960, (64, 0), 0.375),  # 36 early: 25 % → 50 % × 0.75
    (1960, (65, 0), 0.5 * (1 - 24 * 25 / 3600)),  # 16.667 % → 41.667 %
    (1960, (66, 0), 0.5 * (1 - 12 * 25 / 3600)),  # 8.333 % → 45.833 %
    (1960, (67, 0), 0.5),
    (1960, (70, 0), 0.5),  # no delayed credits on a spousal benefit
    (1950, (62, 0), 0.35),  # FRA 66, 48 early: 30 % → 35 % (SSA: 35 % at 62)
    (1950, (63, 0), 0.375),
    (1950, (66, 0), 0.5),
    (1957, (62, 0), 0.5 * (1 - 0.25 - 18 * 5 / 1200)),  # 54 early: 25 % + 7.5 % → 33.75 %
    (1957, (63, 6), 0.375),
]


@pytest.mark.parametrize(("birth_year", "age", "factor"), SPOUSAL_FACTORS)
def test_spousal_factor_matches_the_hand_computed_table(
    birth_year: int, age: tuple[int, int], factor: float
) -> None:
    assert spousal_benefit_factor(birth_year, months(*age)) == pytest.approx(factor, abs=1e-12)


def claimant(monthly_pia: float, birth_year: int, claim_age: int, first_age: int, rows: int):
    return Claimant(
        pia=12 * monthly_pia,
        birth_year=birth_year,
        claim_age=claim_age,
        ages=np.arange(first_age, first_age + rows, dtype=np.int64),
    )


def always(rows: int, paths: int = 1) -> np.ndarray:
    return np.ones((rows, paths), dtype=bool)


def test_spousal_both_at_fra_pays_own_plus_half_the_difference() -> None:
    # PIA 800 with a partner's 2,400, both born 1950 (FRA 66) and claiming at 66:
    # 800 + (50 % × 2,400 − 800) = 800 + 400 = 1,200 a month; the partner gets 2,400.
    low = claimant(800, 1950, 66, 66, 5)
    high = claimant(2400, 1950, 66, 66, 5)
    one, two = benefits(low, high, always(5), always(5))
    assert one[:, 0] / 12 == pytest.approx([1200.0] * 5)
    assert two[:, 0] / 12 == pytest.approx([2400.0] * 5)


def test_spousal_36_months_before_fra_with_the_partner_already_claimed() -> None:
    # The lower earner (born 1950, FRA 66) claims at 63 = 36 months early; the partner (66)
    # already draws. Own: 800 × 0.80; spousal: 400 × (1 − 36 × 25/36 %) = 400 × 0.75.
    # 640 + 300 = 940 a month, from the row at 63 on; nothing before (age 62).
    low = claimant(800, 1950, 63, 62, 4)
    high = claimant(2400, 1946, 66, 66, 4)
    one, _ = benefits(low, high, always(4), always(4))
    assert one[:, 0] / 12 == pytest.approx([0.0, 940.0, 940.0, 940.0])


def test_spousal_starts_when_the_partner_claims_reduced_by_the_age_then() -> None:
    # Born 1960 (FRA 67), own claim at 62 (800 × 0.70 = 560); the partner claims two rows
    # later, when this person is 64 = 36 months early: spousal 400 × 0.75 = 300 from then.
    low = claimant(800, 1960, 62, 62, 4)
    high = claimant(2400, 1958, 66, 64, 4)
    one, two = benefits(low, high, always(4), always(4))
    assert one[:, 0] / 12 == pytest.approx([560.0, 560.0, 860.0, 860.0])
    # Born 1958: FRA 66y8m, claiming at 66 = 8 months early: 2,400 × (1 − 8 × 5/9 %).
    reduced = 2400 * (1 - 8 * 5 / 900)
    assert two[:, 0] / 12 == pytest.approx([0.0, 0.0, reduced, reduced])


def test_spousal_claimed_in_the_past_is_reduced_by_the_age_when_the_partner_claimed() -> None:
    # Now 68 (born 1958, FRA 66y8m), claimed at 62; the partner, two years older, claimed at
    # 66, when this person was 64 = 32 months before FRA: spousal reduction 32 × 25/36 % =
    # 22.222 %. Own: 800 × (1 − 36 × 5/9 % − 20 × 5/12 %) = 800 × (1 − 20 % − 8.333 %).
    low = claimant(800, 1958, 62, 68, 2)
    high = claimant(2400, 1956, 66, 70, 2)
    one, _ = benefits(low, high, always(2), always(2))
    expected = 800 * (1 - 0.20 - 20 * 5 / 1200) + 400 * (1 - 32 * 25 / 3600)
    assert one[:, 0] / 12 == pytest.approx([expected, expected])


def random_alive(rng: np.random.Generator, rows: int, paths: int) -> np.ndarray:
    # Each path dies at a random row (rows = never within the plan): alive on a prefix.
    death = rng.integers(0, rows + 1, size=paths)
    return np.arange(rows)[:, None] < death[None, :]


def test_the_higher_benefit_continues_after_either_death_on_every_path() -> None:
    # Both born 1950 (FRA 66, survivor FRA 66), both claimed at 66 long ago (now 72 and 70):
    # A draws 2,400, B 1,000 + spousal (1,200 − 1,000) = 1,200 while both live. After A's death
    # B gets A's 2,400; after B's death A keeps 2,400; nothing is paid to the dead.
    rows, paths = 30, 2_000
    rng = np.random.default_rng(15)
    alive_a, alive_b = random_alive(rng, rows, paths), random_alive(rng, rows, paths)
    a = claimant(2400, 1950, 66, 72, rows)
    b = claimant(1000, 1952, 66, 70, rows)
    paid_a, paid_b = benefits(a, b, alive_a, alive_b)
    both = alive_a & alive_b
    expected_a = np.where(alive_a, 2400.0, 0.0)
    expected_b = np.where(both, 1200.0, np.where(alive_b, 2400.0, 0.0))
    assert paid_a.shape == paid_b.shape == (rows, paths)
    np.testing.assert_allclose(paid_a / 12, expected_a)
    np.testing.assert_allclose(paid_b / 12, expected_b)


def test_nothing_is_paid_to_the_dead_on_any_path() -> None:
    rows, paths = 40, 1_000
    rng = np.random.default_rng(7)
    alive_a, alive_b = random_alive(rng, rows, paths), random_alive(rng, rows, paths)
    paid_a, paid_b = benefits(
        claimant(1800, 1962, 62, 60, rows), claimant(900, 1965, 70, 57, rows), alive_a, alive_b
    )
    assert not paid_a[~alive_a].any()
    assert not paid_b[~alive_b].any()
    assert (paid_a[alive_a & (np.arange(60, 100)[:, None] >= 62)] > 0).all()


def test_a_survivor_below_fra_keeps_their_own_benefit_until_their_survivor_fra() -> None:
    # B born 1964 (FRA 67, survivor FRA 67) claims at 62: own 1,000 × 0.70 = 700, spousal
    # (1,200 − 1,000) × (1 − 25 % − 24 × 5/12 %) = 200 × 0.65 = 130 → 830 while A lives.
    # A (born 1950, 2,400 at 66 already claimed) dies in the row where B is 64 (alive at its
    # start, so B still gets 830 then); from 65 B keeps 700 until 67, then A's 2,400.
    rows = 7  # B aged 62..68
    a = claimant(2400, 1950, 66, 76, rows)
    b = claimant(1000, 1964, 62, 62, rows)
    alive_a = np.array([[True]] * 3 + [[False]] * 4)
    _, paid_b = benefits(a, b, alive_a, always(rows))
    assert paid_b[:, 0] / 12 == pytest.approx([830, 830, 830, 700, 700, 2400, 2400])


@pytest.mark.parametrize(
    ("deceased_birth", "claim_age", "expected"),
    [
        # Born 1960 (FRA 67), claimed at 62: received 2,000 × 0.70 = 1,400 < 82.5 % × 2,000
        # = 1,650, so the survivor gets 1,650 (RIB-LIM).
        (1960, 62, 1650.0),
        # Born 1950 (FRA 66), claimed at 62: 2,000 × 0.75 = 1,500 < 1,650 → 1,650.
        (1950, 62, 1650.0),
        # Born 1960, claimed at 65: 2,000 × (1 − 24 × 5/9 %) = 1,733.33 > 1,650 → what they got.
        (1960, 65, 2000 * (1 - 120 / 900)),
        # Born 1960, claimed at 70: 2,000 × 1.24 = 2,480 with the delayed credits.
        (1960, 70, 2480.0),
    ],
)
def test_a_deceased_who_claimed_early_leaves_at_least_82_5_percent_of_pia(
    deceased_birth: int, claim_age: int, expected: float
) -> None:
    # The deceased claimed, then died in their 71st year's row (alive at 70 start, dead from
    # 71). The survivor (born 1955, past survivor FRA 66 at 72, own 500) gets the larger.
    rows = 3
    deceased = claimant(2000, deceased_birth, claim_age, 70, rows)
    survivor = claimant(500, 1955, 66, 72, rows)
    alive_deceased = np.array([[True], [False], [False]])
    _, paid = benefits(deceased, survivor, alive_deceased, always(rows))
    assert paid[1:, 0] / 12 == pytest.approx([expected, expected])


@pytest.mark.parametrize(
    ("last_alive_age", "expected"),
    [
        # Died (unclaimed, claim age 70) in the row at 64, before FRA 67: the PIA, 2,000.
        (64, 2000.0),
        # Died in the row at 68: credits to the completed age 68, 12 × 2/3 % = 8 % → 2,160.
        (68, 2160.0),
    ],
)
def test_an_unclaimed_deceased_leaves_pia_with_credits_earned_by_the_death(
    last_alive_age: int, expected: float
) -> None:
    rows = 10
    deceased = claimant(2000, 1960, 70, 60, rows)  # ages 60..69
    survivor = claimant(500, 1950, 66, 72, rows)
    alive = (np.arange(60, 70) <= last_alive_age)[:, None]
    _, paid = benefits(deceased, survivor, alive, always(rows))
    after = paid[np.arange(60, 70) > last_alive_age, 0] / 12
    assert after == pytest.approx([expected] * len(after))


def test_a_single_person_gets_only_their_own_benefit() -> None:
    # Born 1960, PIA 2,000 claimed at 70: 2,480 from the row at 70; nothing to a second person.
    rows = 4
    alive = np.array([[True, True], [True, True], [True, False], [True, False]])
    first, second = benefits(claimant(2000, 1960, 70, 68, rows), None, alive, alive)
    np.testing.assert_allclose(first / 12, [[0, 0], [0, 0], [2480, 0], [2480, 0]])
    assert first.shape == second.shape == (rows, 2)
    assert not second.any()


def test_fixed_lifespans_broadcast_against_many_paths() -> None:
    # One fixed column for the first person, 3 paths for the second: (rows, 3) for both.
    rows = 3
    alive_b = np.array([[True, True, True], [True, False, True], [True, False, False]])
    first, second = benefits(
        claimant(2000, 1950, 66, 70, rows), claimant(600, 1950, 66, 70, rows), always(rows), alive_b
    )
    assert first.shape == second.shape == (rows, 3)
    # B: 600 + (1,000 − 600) = 1,000 while both live; A keeps 2,000 whatever happens to B.
    np.testing.assert_allclose(second / 12, [[1000] * 3, [1000, 0, 1000], [1000, 0, 0]])
    np.testing.assert_allclose(first / 12, np.full((rows, 3), 2000.0))


def test_an_empty_plan_pays_nothing() -> None:
    empty = np.zeros((0, 4), dtype=bool)
    first, second = benefits(
        claimant(1000, 1960, 67, 65, 0), claimant(500, 1960, 67, 65, 0), empty, empty
    )
    assert first.shape == second.shape == (0, 4)
