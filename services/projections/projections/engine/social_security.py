"""Social Security by the SSA's rules (DESIGN §6.2): claiming factors, spousal, survivor.

Pure numpy and standard library. Each rule's source (SSA pages, POMS sections) and every
simplification is in docs/ENGINE.md, "Social Security".

Birth years are SSA's: a person born on 1 January attains each age on 31 December, so SSA
files them under the previous year (`ssa_birth_year`). A caller that knows only today's age
passes `run_year - age`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EARLIEST_CLAIM_MONTHS = 62 * 12
LATEST_CLAIM_MONTHS = 70 * 12
# Early-retirement reduction (POMS RS 00615.101): 5/9 of 1 % a month for the first 36
# months before FRA, 5/12 of 1 % for each further month.
_OWN_FIRST = Fraction(5, 900)
_OWN_FURTHER = Fraction(5, 1200)
# Spousal reduction (POMS RS 00615.201): 25/36 of 1 % a month for 36 months, 5/12 of 1 % beyond.
_SPOUSAL_FIRST = Fraction(25, 3600)
_SPOUSAL_FURTHER = Fraction(5, 1200)
_REDUCTION_STEP_MONTHS = 36
SPOUSAL_SHARE = 0.5
# RIB-LIM (POMS RS 00615.320): a survivor's benefit is limited to the larger of what the
# deceased received and 82.5 % of the deceased's PIA when the deceased claimed early.
RIB_LIM_FLOOR = 0.825


def ssa_birth_year(birth_date: date) -> int:
    """Return the birth year SSA's tables use: a 1 January birthday counts in the year before.

    SSA holds that a person attains an age the day before the anniversary of their birth
    (Social Security Ruling SSR 63-15), hence the notes under its FRA and credit tables.
    """
    return (birth_date - timedelta(days=1)).year


def full_retirement_age_months(birth_year: int) -> int:
    """Return the full retirement age (FRA) in months for an SSA birth year.

    SSA's table (ssa.gov/benefits/retirement/planner/agereduction.html): 65 for births up to
    1937; 65 + 2 months a year for 1938–42; 66 for 1943–54; 66 + 2 months a year for
    1955–59; 67 from 1960.
    """
    if birth_year <= 1937:
        return 65 * 12
    if birth_year <= 1942:
        return 65 * 12 + 2 * (birth_year - 1937)
    if birth_year <= 1954:
        return 66 * 12
    if birth_year <= 1959:
        return 66 * 12 + 2 * (birth_year - 1954)
    return 67 * 12


def survivor_full_retirement_age_months(birth_year: int) -> int:
    """Return the FRA for survivor benefits in months (SSA's survivors' table, two years later).

    ssa.gov/benefits/survivors/survivorchartred.html: 65 up to 1939; 65 + 2 months a year for
    1940–44; 66 for 1945–56; 66 + 2 months a year for 1957–61; 67 from 1962.
    """
    if birth_year <= 1939:
        return 65 * 12
    if birth_year <= 1944:
        return 65 * 12 + 2 * (birth_year - 1939)
    if birth_year <= 1956:
        return 66 * 12
    if birth_year <= 1961:
        return 66 * 12 + 2 * (birth_year - 1956)
    return 67 * 12


def delayed_credit_per_month(birth_year: int) -> Fraction:
    """Return the delayed retirement credit per month after FRA, as a fraction of the PIA.

    SSA's table (ssa.gov/benefits/retirement/planner/delayret.html): 2/3 of 1 % (8 % a year)
    from 1943; 1/2 % a year less for each two earlier birth years down to 3 % a year for
    1917–24; 1/12 of 1 % (1 % a year) before 1917.
    """
    if birth_year >= 1943:
        return Fraction(8, 1200)
    if birth_year < 1917:
        return Fraction(1, 1200)
    if birth_year <= 1924:
        return Fraction(3, 1200)
    # 1925–26: 3.5 %, 1927–28: 4 %, …, 1941–42: 7.5 % a year.
    half_points = 7 + (birth_year - 1925) // 2
    return Fraction(half_points, 2 * 1200)


def _clamp_claim(claim_age_months: int) -> int:
    return min(max(claim_age_months, EARLIEST_CLAIM_MONTHS), LATEST_CLAIM_MONTHS)


def _reduction(months_early: int, first: Fraction, further: Fraction) -> Fraction:
    step = min(months_early, _REDUCTION_STEP_MONTHS)
    return step * first + (months_early - step) * further


@functools.cache
def own_benefit_factor(birth_year: int, claim_age_months: int) -> float:
    """Return the retirement benefit as a multiple of the PIA when claimed at this age.

    Before FRA: 5/9 of 1 % less a month for the first 36 months, 5/12 of 1 % for each further
    month. After FRA: the delayed credit of the birth year a month (2/3 of 1 % from 1943),
    earned up to 70. Claiming ages are clamped to 62–70 (no one can claim earlier; no credits
    accrue after 70). Born 1960, 62 → 0.70, 67 → 1.00, 70 → 1.24.
    """
    months = _clamp_claim(claim_age_months)
    fra = full_retirement_age_months(birth_year)
    if months < fra:
        return float(1 - _reduction(fra - months, _OWN_FIRST, _OWN_FURTHER))
    return float(1 + (months - fra) * delayed_credit_per_month(birth_year))


@functools.cache
def spousal_benefit_factor(birth_year: int, claim_age_months: int) -> float:
    """Return the spousal benefit's share of the partner's PIA when it starts at this age.

    50 % at or after the person's FRA (no delayed credits); before FRA reduced by 25/36 of 1 %
    a month for the first 36 months and 5/12 of 1 % for each further month. Ages are clamped
    to 62–70. The person is paid this share less their own PIA
    (`max(0, 0.5 × partner PIA − own PIA)` reduced in the same proportion): see `benefits`.
    """
    months = _clamp_claim(claim_age_months)
    fra = full_retirement_age_months(birth_year)
    early = max(fra - months, 0)
    return float(Fraction(1, 2) * (1 - _reduction(early, _SPOUSAL_FIRST, _SPOUSAL_FURTHER)))


@dataclass(frozen=True)
class Claimant:
    """Hold one person's Social Security: PIA, birth year, claiming age and age in each row.

    `pia` is the annual primary insurance amount in today's money (the benefit at FRA);
    `claim_age` is in whole years and is clamped to 62–70; `ages` (shape (rows,)) is this
    person's age in each plan row. A person already past `claim_age` on the first row claimed
    in the past at `claim_age`.
    """

    pia: float
    birth_year: int
    claim_age: int
    ages: IntArray


def benefits(
    first: Claimant | None,
    second: Claimant | None,
    alive_first: BoolArray,
    alive_second: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """Return each person's annual benefit in today's money, each shaped (rows, paths).

    `alive_*` are (rows, paths) booleans (paths may be 1 and broadcast): alive at the start of
    the row. They must be True on a prefix of the rows (once dead, dead). The row in which a
    person dies still pays them; nothing is paid from the first row where they are not alive.
    The kernel multiplies the result by each path's price index (COLA).

    - Own benefit from the first row whose age ≥ claim age: PIA × `own_benefit_factor`.
    - Spousal excess `max(0, 0.5 × partner PIA − own PIA)` × the spousal reduction at the age
      the person is when both have claimed, from that row while both are alive.
    - Survivor: from the later of the partner's death and the survivor's own survivor FRA, the
      larger of the survivor's own benefit and the deceased's: what the deceased received
      (at least 82.5 % of their PIA if they claimed early), or — not yet claimed — their PIA
      with the delayed credits earned by their age in the year they died (the PIA if that is
      before their FRA). Until then the survivor keeps their own benefit.
    A single person (`second=None`) gets only their own benefit; a missing person's array is
    zeros.
    """
    alive_first = np.asarray(alive_first, dtype=np.bool_)
    alive_second = np.asarray(alive_second, dtype=np.bool_)
    shape = np.broadcast_shapes(alive_first.shape, alive_second.shape)
    if first is None or second is None:
        zeros = np.zeros(shape, dtype=np.float64)
        if first is None and second is None:
            return zeros, zeros.copy()
        person, alive = (first, alive_first) if first is not None else (second, alive_second)
        assert person is not None
        paid = _full(_own_schedule(person)[:, None] * alive, shape)
        return (paid, zeros) if first is not None else (zeros, paid)
    # Each deceased's legacy is computed once per path and serves the other person.
    from_first = _survivor_base(first, alive_first)
    from_second = _survivor_base(second, alive_second)
    one = _one_person(first, second, alive_first, alive_second, from_second)
    two = _one_person(second, first, alive_second, alive_first, from_first)
    return _full(one, shape), _full(two, shape)


def _full(values: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """Return `values` as a contiguous array of `shape` (copied only when broadcast)."""
    return np.ascontiguousarray(np.broadcast_to(values, shape), dtype=np.float64)


def _claim_years(person: Claimant) -> int:
    """Return the claiming age in whole years, clamped to 62–70."""
    return _clamp_claim(12 * person.claim_age) // 12


def _claim_row(person: Claimant) -> int:
    """Return the first row in which the person has claimed (rows if never within the plan)."""
    return int(np.searchsorted(np.asarray(person.ages) >= _claim_years(person), True))


def _own_schedule(person: Claimant) -> FloatArray:
    """Return the own benefit paid in each row if alive: 0 before the claim row."""
    amount = person.pia * own_benefit_factor(person.birth_year, 12 * person.claim_age)
    rows = len(person.ages)
    return np.where(np.arange(rows) >= _claim_row(person), amount, 0.0)


def _first_dead_row(alive: BoolArray) -> IntArray:
    """Return, per path, the first row where the person is not alive (rows if alive to the end).

    `alive` is True on a prefix of the rows, so this is the count of True (cheaper than argmax).
    """
    first: IntArray = alive.sum(axis=0, dtype=np.int64)
    return first


def _survivor_base(deceased: Claimant, alive: BoolArray) -> FloatArray:
    """Return, per path, the benefit a survivor inherits from the deceased (today's money)."""
    ages = np.asarray(deceased.ages, dtype=np.int64)
    rows = len(ages)
    if rows == 0:
        return np.zeros(alive.shape[1], dtype=np.float64)
    # The last row the deceased was alive in; they died during it, at that completed age.
    last_alive = np.clip(_first_dead_row(alive) - 1, 0, rows - 1)
    claimed = last_alive >= _claim_row(deceased)
    factor = own_benefit_factor(deceased.birth_year, 12 * deceased.claim_age)
    received = deceased.pia * (max(factor, RIB_LIM_FLOOR) if factor < 1.0 else factor)
    fra = full_retirement_age_months(deceased.birth_year)
    # Not claimed: the PIA before FRA, the PIA with the credits earned by the death after it.
    unclaimed_by_row = np.array(
        [
            deceased.pia
            * (own_benefit_factor(deceased.birth_year, 12 * int(a)) if 12 * a >= fra else 1.0)
            for a in ages
        ],
        dtype=np.float64,
    )
    return np.where(claimed, received, unclaimed_by_row[last_alive])


def _one_person(
    person: Claimant,
    partner: Claimant,
    alive: BoolArray,
    partner_alive: BoolArray,
    legacy: FloatArray,
) -> FloatArray:
    """Return the person's benefit in each row and path: own + spousal, or survivor's.

    `legacy` is, per path, what the partner's death leaves the person (`_survivor_base`).
    Masks multiply rather than `np.where` over (rows, paths): several times faster.
    """
    rows = len(person.ages)
    row = np.arange(rows)
    own = _own_schedule(person)
    # Spousal: from the row in which both have claimed, reduced by the person's age then: their
    # own claiming age, or their age when the partner claimed if that came later (in the past
    # as well as in the plan, hence from the age gap rather than from a row).
    both_row = max(_claim_row(person), _claim_row(partner))
    age_gap = int(person.ages[0]) - int(partner.ages[0]) if rows else 0
    spousal_age = max(_claim_years(person), _claim_years(partner) + age_gap)
    excess = max(0.0, SPOUSAL_SHARE * partner.pia - person.pia)
    spousal_factor = spousal_benefit_factor(person.birth_year, 12 * spousal_age) / SPOUSAL_SHARE
    spousal = np.where(row >= both_row, excess * spousal_factor, 0.0)
    # Survivor: after the partner's death, from the survivor's own survivor FRA on, the larger
    # of the own benefit and the legacy: own + max(0, legacy − own). In place: one (rows,
    # paths) array, no temporaries of that size beyond the masks.
    surv_fra = survivor_full_retirement_age_months(person.birth_year)
    from_fra = 12 * np.asarray(person.ages, dtype=np.int64) >= surv_fra
    paid = np.subtract(legacy[None, :], own[:, None])
    np.maximum(paid, 0.0, out=paid)
    paid *= ~partner_alive & from_fra[:, None]
    paid += own[:, None]
    if excess > 0.0:
        paid += spousal[:, None] * partner_alive
    if alive.shape == paid.shape:
        paid *= alive
        return paid
    return paid * alive
