"""Load the US tax law shipped with the engine: federal parameters and Medicare IRMAA tiers.

Both are data files in `engine/data/` (README there: sources, licences, how they are made).
Amounts here are the law year's, before indexing: the tax functions multiply the indexed ones
by each path's cumulative inflation since the law year. Per-status arrays are indexed by the
filing-status code (0 single, 1 married filing jointly).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

DATA = Path(__file__).resolve().parent.parent / "data"
LAW_FILE = DATA / "us_tax_law.json"
IRMAA_FILE = DATA / "us_irmaa.json"
SINGLE, JOINT = 0, 1
STATUS_CODES = {"single": SINGLE, "married_joint": JOINT}
BRACKETS = 7  # ordinary brackets of every shipped law year

# The compiled tax rules (federal.py, payroll.py) read one year's law from one flat float64
# vector, `YearLaw.vector`: one argument instead of thirty, and no object for numba to type.
# Offsets of each parameter; a per-status pair holds single then joint, a (2, k) table its
# single row then its joint row.
LOWER = 0  # (2, 7) ordinary bracket bottoms
BASE = LOWER + 2 * BRACKETS  # (2, 7) tax below each bottom
RATES = BASE + 2 * BRACKETS  # (7,)
STANDARD = RATES + BRACKETS  # (2,)
AGED = STANDARD + 2  # (2,)
SENIOR_AMOUNT = AGED + 2
SENIOR_RATE = SENIOR_AMOUNT + 1
SENIOR_START = SENIOR_RATE + 1  # (2,)
GAINS_TOPS = SENIOR_START + 2  # (2, 2)
GAINS_RATES = GAINS_TOPS + 4  # (3,)
LOSS_LIMIT = GAINS_RATES + 3  # (2,)
SS_THRESHOLDS = LOSS_LIMIT + 2  # (2, 2)
SS_FRACTIONS = SS_THRESHOLDS + 4  # (2,)
NIIT_THRESHOLD = SS_FRACTIONS + 2  # (2,)
NIIT_RATE = NIIT_THRESHOLD + 2
AMT_EXEMPTION = NIIT_RATE + 1  # (2,)
AMT_START = AMT_EXEMPTION + 2  # (2,)
AMT_PHASEOUT_RATE = AMT_START + 2
AMT_BRACKET = AMT_PHASEOUT_RATE + 1  # (2,)
AMT_RATES = AMT_BRACKET + 2  # (2,)
AMT_GAINS_TOPS = AMT_RATES + 2  # (2, 2)
AMT_GAINS_RATES = AMT_GAINS_TOPS + 4  # (3,)
SS_PAYROLL_RATE = AMT_GAINS_RATES + 3
MEDICARE_RATE = SS_PAYROLL_RATE + 1
SS_WAGE_BASE = MEDICARE_RATE + 1
ADDITIONAL_MEDICARE_THRESHOLD = SS_WAGE_BASE + 1  # (2,)
ADDITIONAL_MEDICARE_RATE = ADDITIONAL_MEDICARE_THRESHOLD + 2
LAW_SIZE = ADDITIONAL_MEDICARE_RATE + 1

# IrmaaYear.vector: the (2, 5) thresholds, the top tier's inclusiveness, the 6 monthly surcharges.
IRMAA_THRESHOLDS, IRMAA_INCLUSIVE, IRMAA_MONTHLY, IRMAA_SIZE = 0, 10, 11, 17


@dataclass(frozen=True)
class YearLaw:
    """The federal parameters that apply in one calendar year under one law year.

    Indexed amounts (brackets, deductions, wage base) are the law year's; unindexed ones
    (Social Security and NIIT thresholds, the senior deduction, rates) are those in force in
    the calendar year, so scheduled changes such as the senior deduction's end apply.
    """

    law_year: int
    year: int
    ordinary_lower: FloatArray  # (2, 7): the bottom of each ordinary bracket
    ordinary_rates: FloatArray  # (7,)
    ordinary_base: FloatArray  # (2, 7): the tax on income up to each bracket's bottom
    standard: FloatArray  # (2,)
    aged: FloatArray  # (2,): per person 65+
    senior_amount: float  # per person 65+; 0 when the law no longer has it
    senior_start: FloatArray  # (2,)
    senior_rate: float
    gains_tops: FloatArray  # (2, 2): tops of the 0% and 15% brackets
    gains_rates: FloatArray  # (3,)
    capital_loss_limit: FloatArray  # (2,)
    ss_thresholds: FloatArray  # (2, 2)
    ss_fractions: FloatArray  # (2,)
    niit_threshold: FloatArray  # (2,)
    niit_rate: float
    amt_exemption: FloatArray  # (2,)
    amt_phaseout_start: FloatArray  # (2,)
    amt_phaseout_rate: float
    amt_bracket: FloatArray  # (2,)
    amt_rates: FloatArray  # (2,): the rate, and the add-on above the bracket
    amt_gains_tops: FloatArray  # (2, 2)
    amt_gains_rates: FloatArray  # (3,)
    ss_payroll_rate: float
    medicare_rate: float
    ss_wage_base: float
    additional_medicare_threshold: FloatArray  # (2,)
    additional_medicare_rate: float
    vector: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Pack the parameters into `vector` (offsets above) for the compiled rules."""
        parts = (
            self.ordinary_lower,
            self.ordinary_base,
            self.ordinary_rates,
            self.standard,
            self.aged,
            [self.senior_amount, self.senior_rate],
            self.senior_start,
            self.gains_tops,
            self.gains_rates,
            self.capital_loss_limit,
            self.ss_thresholds,
            self.ss_fractions,
            self.niit_threshold,
            [self.niit_rate],
            self.amt_exemption,
            self.amt_phaseout_start,
            [self.amt_phaseout_rate],
            self.amt_bracket,
            self.amt_rates,
            self.amt_gains_tops,
            self.amt_gains_rates,
            [self.ss_payroll_rate, self.medicare_rate, self.ss_wage_base],
            self.additional_medicare_threshold,
            [self.additional_medicare_rate],
        )
        flat = np.concatenate([np.asarray(x, dtype=np.float64).ravel() for x in parts])
        if flat.size != LAW_SIZE or self.ordinary_lower.shape != (2, BRACKETS):
            raise ValueError("the law file's shape does not match the compiled rules' layout")
        object.__setattr__(self, "vector", flat)


@dataclass(frozen=True)
class IrmaaYear:
    """Medicare IRMAA for one premium year: MAGI tiers and monthly surcharges per person."""

    year: int
    thresholds: FloatArray  # (2, 5): tier k applies above thresholds[:, k - 1]
    top_inclusive: bool  # the top tier starts *at* its threshold, the others above theirs
    part_b: FloatArray  # (6,): monthly Part B surcharge of tiers 0..5 (tier 0 pays none)
    part_d: FloatArray  # (6,)
    vector: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Pack the table into `vector` (offsets above) for the compiled rule (irmaa.py)."""
        flat = np.concatenate(
            [self.thresholds.ravel(), [float(self.top_inclusive)], self.part_b + self.part_d]
        )
        if flat.size != IRMAA_SIZE:
            raise ValueError("the IRMAA file's shape does not match the compiled rule's layout")
        object.__setattr__(self, "vector", flat)

    @property
    def monthly(self) -> FloatArray:
        """Return the combined Part B + Part D monthly surcharge of each tier."""
        return self.part_b + self.part_d


def _schedule(values: dict[str, Any], year: int) -> Any:
    """Return the entry in force in a year: the latest at or before it."""
    years = sorted(int(y) for y in values)
    earlier = [y for y in years if y <= year]
    if not earlier:
        raise ValueError(f"no tax-law value in force in {year} (the file starts in {years[0]})")
    return values[str(earlier[-1])]


@dataclass(frozen=True)
class TaxLaw:
    """The parsed federal law file: its law years, provenance and parameter schedules."""

    years: tuple[int, ...]
    sha256: str
    source: dict[str, str]
    parameters: dict[str, Any]

    def value(self, name: str, law_year: int, year: int) -> FloatArray:
        """Return a parameter for a calendar year under a law year, as an array."""
        entry = self.parameters[name]
        at = law_year if entry["indexed"] else year
        return np.asarray(_schedule(entry["values"], at), dtype=np.float64)

    def year_law(self, law_year: int, year: int | None = None) -> YearLaw:
        """Return the parameters of calendar `year` (default: the law year) under a law year."""
        if law_year not in self.years:
            raise ValueError(f"tax.year {law_year} is not in the shipped law years {self.years}")
        year = law_year if year is None else year
        if year < law_year:
            raise ValueError(f"year {year} is before the law year {law_year}")
        return _build_year(self, law_year, year)


def _build_year(law: TaxLaw, law_year: int, year: int) -> YearLaw:
    """Assemble one year's arrays, including each bracket's cumulative base tax."""

    def v(name: str) -> FloatArray:
        return law.value(name, law_year, year)

    tops = v("ordinary_brackets")  # (2, 6)
    rates = v("ordinary_rates")  # (7,)
    lower = np.concatenate([np.zeros((2, 1)), tops], axis=1)
    widths = np.diff(lower, axis=1)  # (2, 6)
    base = np.concatenate([np.zeros((2, 1)), np.cumsum(widths * rates[:-1], axis=1)], axis=1)
    return YearLaw(
        law_year=law_year,
        year=year,
        ordinary_lower=lower,
        ordinary_rates=rates,
        ordinary_base=base,
        standard=v("standard_deduction"),
        aged=v("aged_deduction"),
        senior_amount=float(v("senior_deduction")),
        senior_start=v("senior_phaseout_start"),
        senior_rate=float(v("senior_phaseout_rate")),
        gains_tops=v("gains_brackets"),
        gains_rates=v("gains_rates"),
        capital_loss_limit=v("capital_loss_limit"),
        ss_thresholds=v("ss_thresholds"),
        ss_fractions=v("ss_fractions"),
        niit_threshold=v("niit_threshold"),
        niit_rate=float(v("niit_rate")),
        amt_exemption=v("amt_exemption"),
        amt_phaseout_start=v("amt_phaseout_start"),
        amt_phaseout_rate=float(v("amt_phaseout_rate")),
        amt_bracket=v("amt_bracket"),
        amt_rates=v("amt_rates"),
        amt_gains_tops=v("amt_gains_brackets"),
        amt_gains_rates=v("amt_gains_rates"),
        ss_payroll_rate=float(v("ss_payroll_rate")),
        medicare_rate=float(v("medicare_rate")),
        ss_wage_base=float(v("ss_wage_base")),
        additional_medicare_threshold=v("additional_medicare_threshold"),
        additional_medicare_rate=float(v("additional_medicare_rate")),
    )


@lru_cache(maxsize=4)
def load_law(path: Path = LAW_FILE) -> TaxLaw:
    """Read the federal law file; its sha256 names the law in results (`tax_law`)."""
    data = path.read_bytes()
    doc = json.loads(data)
    return TaxLaw(
        years=tuple(int(y) for y in doc["years"]),
        sha256=hashlib.sha256(data).hexdigest(),
        source=dict(doc["source"]),
        parameters=doc["parameters"],
    )


@lru_cache(maxsize=4)
def load_irmaa(path: Path = IRMAA_FILE) -> dict[int, IrmaaYear]:
    """Read the IRMAA file: one tier table per premium year."""
    doc = json.loads(path.read_bytes())
    out: dict[int, IrmaaYear] = {}
    for key, table in doc["years"].items():
        thresholds = np.array(
            [table["magi_thresholds"][status] for status in ("single", "married_joint")],
            dtype=np.float64,
        )
        out[int(key)] = IrmaaYear(
            year=int(key),
            thresholds=thresholds,
            top_inclusive=bool(doc["top_tier_inclusive"]),
            part_b=np.array([0.0, *table["part_b_monthly_surcharge"]], dtype=np.float64),
            part_d=np.array([0.0, *table["part_d_monthly_surcharge"]], dtype=np.float64),
        )
    return out


def data_sha256() -> dict[str, str]:
    """Return the sha256 of each tax data file: a result's `tax_law` should name both.

    The federal law file's hash alone would miss a change of the IRMAA tiers.
    """
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in (LAW_FILE, IRMAA_FILE)
    }


def irmaa_year(law_year: int) -> IrmaaYear:
    """Return the IRMAA table of a law year (the latest one published at or before it)."""
    tables = load_irmaa()
    earlier = [y for y in tables if y <= law_year]
    if not earlier:
        raise ValueError(f"no IRMAA table at or before {law_year}")
    return tables[max(earlier)]
