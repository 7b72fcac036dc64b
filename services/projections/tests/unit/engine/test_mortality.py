"""Lifespans drawn from the shipped SSA period life table (DESIGN §6.1, §6.7).

The expected values come from SSA's published table, not from the code under test: SSA Office
of the Chief Actuary, "Period Life Table, 2022, as used in the 2025 Trustees Report" (Table
4C6, ssa.gov/oact/STATS/table4c6_2022_TR2025.html) prints e(65) = 17.48 (male) and 20.12
(female). l(x) is rebuilt here from the CSV's q_x with the csv module.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from projections.engine.mortality import LIFE_TABLE_PATH, death_ages, death_probabilities

README = LIFE_TABLE_PATH.parent / "README.md"
REFERENCE = (
    Path(__file__).resolve().parents[5].parent / "shared/data/ssa_period_life_table_2022.csv"
)
DRAWS = 100_000
# SSA's published period life expectancy at 65 in the 2022 table (Table 4C6, TR2025).
PUBLISHED_E65 = {"male": 17.48, "female": 20.12}


def table_column(name: str) -> list[float]:
    with LIFE_TABLE_PATH.open(newline="") as handle:
        return [float(row[name]) for row in csv.DictReader(handle)]


def survivors(sex: str, from_age: int) -> list[float]:
    """Return l(from_age + k) / l(from_age) for k = 0..120 − from_age, by hand from q_x."""
    q = table_column(f"{sex}_qx")
    alive, out = 1.0, [1.0]
    for x in range(from_age, 120):
        alive *= 1.0 - q[x]
        out.append(alive)
    return out


def test_the_readme_names_the_table_s_sha256_edition_source_and_licence() -> None:
    text = README.read_text()
    digest = hashlib.sha256(LIFE_TABLE_PATH.read_bytes()).hexdigest()
    assert digest in re.findall(r"\b[0-9a-f]{64}\b", text)
    assert "2022 mortality, as used in the 2025" in text
    assert "table4c6_2022_TR2025" in text
    assert "public domain" in text


def test_the_shipped_table_is_the_reference_copy_byte_for_byte() -> None:
    if not REFERENCE.is_file():
        pytest.skip(f"no reference copy at {REFERENCE} to compare with (a plain clone)")
    assert LIFE_TABLE_PATH.read_bytes() == REFERENCE.read_bytes()


def test_the_table_is_packaged_with_the_engine() -> None:
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    assert f'"data/{LIFE_TABLE_PATH.name}"' in pyproject.read_text()


@pytest.mark.parametrize("sex", ["male", "female"])
def test_mean_remaining_lifetime_at_65_matches_the_published_e65(sex: str) -> None:
    # SSA's e_x is the curtate expectancy + 1/2 (deaths mid-year): K + 0.5 = death age − 65 − 0.5.
    # Its standard error over 10^5 draws is about 0.03 years (sd ≈ 8.5 years).
    drawn = death_ages(np.random.default_rng(65), age=65, sex=sex, draws=DRAWS)
    assert float(np.mean(drawn - 65 - 0.5)) == pytest.approx(PUBLISHED_E65[sex], abs=0.05)


def test_unspecified_uses_the_mean_of_the_two_tables_q() -> None:
    male, female = table_column("male_qx"), table_column("female_qx")
    expected = [(m + f) / 2 for m, f in zip(male[:119], female[:119], strict=True)] + [1.0]
    assert death_probabilities("unspecified") == pytest.approx(expected, abs=1e-15)
    drawn = death_ages(np.random.default_rng(1), age=65, sex="unspecified", draws=DRAWS)
    assert PUBLISHED_E65["male"] < float(np.mean(drawn - 65.5)) < PUBLISHED_E65["female"]


@pytest.mark.parametrize(("sex", "age"), [("male", 65), ("female", 65), ("female", 40)])
def test_the_share_still_alive_at_each_age_matches_l_x(sex: str, age: int) -> None:
    # Alive in the row at age a ⇔ death age > a; its share is l(a) / l(age). Binomial standard
    # error ≤ 0.0016 at 10^5 draws.
    drawn = death_ages(np.random.default_rng(age), age=age, sex=sex, draws=DRAWS)
    l_ratio = survivors(sex, age)
    for later in (age + 10, 75, 85, 95, 100, 105):
        if later >= age:
            share = float(np.mean(drawn > later))
            assert share == pytest.approx(l_ratio[later - age], abs=0.005), later


def test_dying_in_the_first_year_has_probability_q_x() -> None:
    # P(death age = x + 1) = q(x); the table prints male q(80) = 0.060660.
    q80 = table_column("male_qx")[80]
    drawn = death_ages(np.random.default_rng(80), age=80, sex="male", draws=DRAWS)
    assert float(np.mean(drawn == 81)) == pytest.approx(q80, abs=0.003)


@pytest.mark.parametrize("age", [0, 30, 65, 100, 118])
def test_draws_are_conditional_on_being_alive_today_and_end_by_120(age: int) -> None:
    drawn = death_ages(np.random.default_rng(age), age=age, sex="female", draws=10_000)
    assert drawn.dtype == np.int64
    assert drawn.shape == (10_000,)
    assert drawn.min() >= age + 1
    assert drawn.max() <= 120


def test_everyone_alive_at_119_is_dead_by_120() -> None:
    # The 2022 table prints q(119) = 1.000000.
    assert table_column("male_qx")[119] == table_column("female_qx")[119] == 1.0
    drawn = death_ages(np.random.default_rng(0), age=119, sex="male", draws=100)
    assert (drawn == 120).all()


def test_the_same_generator_state_gives_the_same_draws() -> None:
    first = death_ages(np.random.default_rng(9), age=50, sex="male", draws=1000)
    second = death_ages(np.random.default_rng(9), age=50, sex="male", draws=1000)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"age": 65, "sex": "other"}, "sex must be one of"),
        ({"age": 120, "sex": "male"}, "age must be 0..119"),
        ({"age": -1, "sex": "male"}, "age must be 0..119"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        death_ages(np.random.default_rng(0), draws=10, **kwargs)  # type: ignore[arg-type]
