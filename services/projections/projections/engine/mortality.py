"""Draw lifespans from the SSA period life table shipped with the engine (DESIGN §6.1, §6.7).

Pure numpy and standard library; the only I/O is reading the shipped table once. The table,
its edition and provenance are described in engine/data/README.md; the rule in
docs/ENGINE.md, "Lifespans".
"""

from __future__ import annotations

import csv
import functools
import hashlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LIFE_TABLE_PATH = Path(__file__).resolve().parent / "data" / "ssa_period_life_table_2022.csv"
LIFE_TABLE_EDITION = "SSA period life table, 2022 mortality, as used in the 2025 Trustees Report"
# The table's last age: q(119) = 1, so everyone alive at 119 is dead by 120.
LAST_TABLE_AGE = 119
SEXES = ("female", "male", "unspecified")


@functools.cache
def _table() -> dict[str, FloatArray]:
    """Return q_x for ages 0..119 by sex, read once from the shipped CSV."""
    with LIFE_TABLE_PATH.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    ages = [int(row["age"]) for row in rows]
    if ages != list(range(LAST_TABLE_AGE + 1)):
        raise ValueError(f"{LIFE_TABLE_PATH.name}: expected one row per age 0..{LAST_TABLE_AGE}")
    male = np.array([float(row["male_qx"]) for row in rows], dtype=np.float64)
    female = np.array([float(row["female_qx"]) for row in rows], dtype=np.float64)
    # Close the table whatever the last printed q says: nobody outlives it.
    male[-1] = female[-1] = 1.0
    return {"male": male, "female": female, "unspecified": (male + female) / 2.0}


@functools.cache
def life_table_sha256() -> str:
    """Return the sha256 of the shipped life table (what the results' hashes may cite)."""
    return hashlib.sha256(LIFE_TABLE_PATH.read_bytes()).hexdigest()


def death_probabilities(sex: str) -> FloatArray:
    """Return a copy of q_x for ages 0..119: the chance of dying within a year of exact age x.

    `unspecified` is the mean of the male and female q_x.
    """
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {', '.join(SEXES)}, not {sex!r}")
    return _table()[sex].copy()


@functools.cache
def _death_cdf(age: int, sex: str) -> FloatArray:
    """Return P(K ≤ k | alive at exact age `age`) for k = 0..119 − age (read-only)."""
    q = death_probabilities(sex)[age:]
    survival = np.cumprod(1.0 - q, dtype=np.float64)  # l(age + k + 1) / l(age)
    cdf: FloatArray = 1.0 - survival
    cdf[-1] = 1.0
    cdf.setflags(write=False)
    return cdf


def death_ages(rng: np.random.Generator, *, age: int, sex: str, draws: int) -> IntArray:
    """Draw `draws` death ages for a person alive at exact age `age` today.

    Each draw is the age of the first plan row in which the person is no longer alive: the
    curtate further lifetime K is drawn with P(K = k) = l(x+k)·q(x+k)/l(x) and x + K + 1 is
    returned, so a drawn 95 means what a fixed `life_expectancy` of 95 means (alive in every
    row with age ≤ 94). Every draw is in age + 1 .. 120. One uniform per draw, inverted on the
    cumulative distribution (`age` 0..119; `sex` female, male or unspecified).
    """
    if not 0 <= age <= LAST_TABLE_AGE:
        raise ValueError(f"age must be 0..{LAST_TABLE_AGE}, not {age}")
    if draws < 0:
        raise ValueError(f"draws must not be negative, not {draws}")
    cdf = _death_cdf(age, sex)
    curtate = np.searchsorted(cdf, rng.random(draws), side="right")
    return (age + 1 + np.minimum(curtate, len(cdf) - 1)).astype(np.int64)
