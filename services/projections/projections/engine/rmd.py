"""Required minimum distributions (DESIGN §6.4) by the IRS Uniform Lifetime Table.

Each tax_deferred account pays out, from its owner's RMD start age, its balance at the end of
the previous year divided by the table's distribution period for the owner's age that year.
The table ships in `engine/data/` (README there: source, licence, sha256).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

UNIFORM_LIFETIME_TABLE = (
    Path(__file__).resolve().parent / "data" / "irs_uniform_lifetime_table_2022.csv"
)


@lru_cache(maxsize=1)
def _table() -> tuple[int, FloatArray]:
    """Return the table's first age and its periods by age (the last row means "and over")."""
    with UNIFORM_LIFETIME_TABLE.open(encoding="utf-8", newline="") as handle:
        rows = [(int(r["age"]), float(r["distribution_period"])) for r in csv.DictReader(handle)]
    ages = [age for age, _ in rows]
    if ages != list(range(ages[0], ages[0] + len(ages))):
        raise ValueError("the Uniform Lifetime Table must list every age once, in order")
    return ages[0], np.array([period for _, period in rows], dtype=np.float64)


def rmd_start_age(birth_year: int) -> int:
    """Return the age of a person's first RMD year (SECURE 2.0, § 401(a)(9)(C)(v)).

    73 for people born 1951–1959, 75 from 1960. Earlier births: 72 (SECURE Act 2019). Those
    born before July 1949 began at 70½ under the old rule, but a projection run in 2025 or
    later sees them at 76 or older, already taking RMDs, so no projected year depends on it.
    """
    if birth_year >= 1960:
        return 75
    if birth_year >= 1951:
        return 73
    return 72


def distribution_period(ages: npt.ArrayLike) -> FloatArray:
    """Return the Uniform Lifetime Table period for each age (inf below the table: no RMD)."""
    first, periods = _table()
    age = np.asarray(ages, dtype=np.int64)
    row = np.clip(age - first, 0, periods.size - 1)
    return np.where(age < first, np.inf, periods[row])


def required_distribution(
    prior_year_end_balance: npt.ArrayLike, age: npt.ArrayLike, start_age: int
) -> FloatArray:
    """Return the RMD for the year: last year-end balance ÷ the period, from the start age on."""
    balance = np.asarray(prior_year_end_balance, dtype=np.float64)
    ages = np.asarray(age)
    due = np.maximum(balance, 0.0) / distribution_period(ages)
    return np.where(ages >= start_age, due, 0.0)
