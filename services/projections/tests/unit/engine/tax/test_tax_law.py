"""The shipped tax law: generated from Tax-Calculator, documented, and read as the law says."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import taxcalc

from projections.engine.rmd import UNIFORM_LIFETIME_TABLE
from projections.engine.tax import federal_tax, load_law
from projections.engine.tax.law import IRMAA_FILE, LAW_FILE, data_sha256, load_irmaa

PROJECTIONS = Path(__file__).resolve().parents[4]
SCRIPT = PROJECTIONS / "scripts" / "generate_tax_law.py"
README = LAW_FILE.parent / "README.md"
REFERENCE = PROJECTIONS.parents[2] / "shared" / "data" / "irs_uniform_lifetime_table_2022.csv"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_tax_law", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_tax_law"] = module
    spec.loader.exec_module(module)
    return module


def test_regenerating_the_law_gives_the_shipped_file_byte_for_byte() -> None:
    assert _generator().generate() == LAW_FILE.read_text(encoding="utf-8")


def test_the_script_s_check_mode_fails_on_a_stale_file(tmp_path, capsys) -> None:
    stale = tmp_path / "law.json"
    stale.write_text("{}\n")
    assert _generator().main(["--check", "--output", str(stale)]) == 1
    assert "make tax-law" in capsys.readouterr().err
    assert _generator().main(["--check", "--output", str(LAW_FILE)]) == 0


def test_the_file_names_its_source_and_it_is_the_installed_tax_calculator() -> None:
    law = load_law()
    source = Path(taxcalc.__file__).parent / "policy_current_law.json"
    assert law.source["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert law.source["version"] == taxcalc.__version__
    assert law.source["licence"] == "CC0-1.0"
    assert law.years == (2025, 2026)


def test_the_law_indexes_what_it_indexes_and_nothing_else() -> None:
    indexed = {name for name, p in load_law().parameters.items() if p["indexed"]}
    assert indexed == {
        "ordinary_brackets",
        "standard_deduction",
        "aged_deduction",
        "gains_brackets",
        "ss_wage_base",
        "amt_exemption",
        "amt_phaseout_start",
        "amt_bracket",
        "amt_gains_brackets",
    }
    # Statutory, never indexed: SS and NIIT thresholds, the senior deduction, the additional
    # Medicare threshold, the capital loss limit.


def test_the_engine_indexes_exactly_the_parameters_the_file_marks_indexed() -> None:
    # Inflate by hand every field that comes from an indexed parameter and run at index 1;
    # the engine at index 1.37 must agree (whatever its internal shortcut).
    law, i = load_law().year_law(2026), 1.37
    scaled = dataclasses.replace(
        law,
        ordinary_lower=law.ordinary_lower * i,
        ordinary_base=law.ordinary_base * i,
        standard=law.standard * i,
        aged=law.aged * i,
        gains_tops=law.gains_tops * i,
        amt_exemption=law.amt_exemption * i,
        amt_phaseout_start=law.amt_phaseout_start * i,
        amt_bracket=law.amt_bracket * i,
        amt_gains_tops=law.amt_gains_tops * i,
    )
    rng = np.random.default_rng(7)
    n = 4_000
    kw = {
        "age_head": rng.integers(30, 91, n),
        "age_spouse": rng.integers(30, 91, n),
        "wages": rng.choice([0.0, 1.0], n) * rng.uniform(0, 400_000, n),
        "interest": rng.uniform(0, 30_000, n),
        "ordinary": rng.uniform(0, 200_000, n),
        "qualified_dividends": rng.uniform(0, 80_000, n),
        "capital_gains": rng.choice([0.0, 1.0], n) * rng.uniform(-5_000, 1_200_000, n),
        "social_security": rng.uniform(0, 70_000, n),
    }
    status = rng.integers(0, 2, n)
    ours = federal_tax(law, status, np.full(n, i), **kw)
    theirs = federal_tax(scaled, status, np.ones(n), **kw)
    for field in ("agi", "taxable_income", "ordinary_tax", "gains_tax", "amt", "niit"):
        np.testing.assert_allclose(getattr(ours, field), getattr(theirs, field), atol=1e-6)


def test_scheduled_changes_apply_by_calendar_year_indexed_values_by_law_year() -> None:
    law = load_law()
    assert [law.year_law(2026, y).senior_amount for y in (2026, 2028, 2029, 2040)] == [
        6_000.0,
        6_000.0,
        0.0,
        0.0,
    ]
    assert law.year_law(2025, 2026).standard.tolist() == [15_750.0, 31_500.0]  # 2025's, to index
    assert law.year_law(2026).standard.tolist() == [16_100.0, 32_200.0]
    with pytest.raises(ValueError, match="not in the shipped law years"):
        law.year_law(2024)
    with pytest.raises(ValueError, match="before the law year"):
        law.year_law(2026, 2025)


def test_the_data_readme_names_every_shipped_file_s_sha256_and_source() -> None:
    text = README.read_text()
    sums = set(re.findall(r"\b[0-9a-f]{64}\b", text))
    for path in (LAW_FILE, IRMAA_FILE, UNIFORM_LIFETIME_TABLE):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in sums, path.name
    assert set(data_sha256().values()) <= sums
    assert data_sha256()[LAW_FILE.name] == load_law().sha256
    for words in ("Tax-Calculator", "CC0", "CMS", "Uniform Lifetime", "public domain"):
        assert words in text


def test_the_uniform_lifetime_table_is_the_reference_copy_byte_for_byte() -> None:
    if not REFERENCE.is_file():
        pytest.skip(f"no reference copy at {REFERENCE} to compare with (a plain clone)")
    assert UNIFORM_LIFETIME_TABLE.read_bytes() == REFERENCE.read_bytes()


def test_the_irmaa_tables_are_ordered_and_name_cms() -> None:
    doc = json.loads(IRMAA_FILE.read_text())
    assert all("cms.gov" in url for url in doc["source"].values())
    for table in load_irmaa().values():
        assert (np.diff(table.thresholds, axis=1) > 0).all()
        assert (np.diff(table.monthly) > 0).all()


def test_the_amt_cannot_bind_below_the_exemption_phase_out_so_skipping_it_is_exact() -> None:
    # federal_tax skips the AMT unless some path's AMT income passes the phase-out start.
    # Sweep every mix of ordinary and preferred income below it, both statuses, 0-2 seniors,
    # in every law year: the tentative minimum tax never exceeds the regular tax there. (The
    # smallest margin where the tentative tax is positive is about $3,300, at a joint AGI
    # near 439,000, far more than either tax moves between grid points 2,500 apart.)
    from projections.engine.tax.federal import tentative_minimum_tax

    grid = np.linspace(0.0, 1_000_000.0, 401)
    ordinary, preferred = (a.ravel() for a in np.meshgrid(grid, grid))
    for year in load_law().years:
        law = load_law().year_law(year)
        for status in (0, 1):
            start = law.amt_phaseout_start[status]
            keep = ordinary + preferred <= start
            o, p = ordinary[keep], preferred[keep]
            for age in (40, 70):
                zeros = np.zeros(o.size)
                fed = federal_tax(
                    law,
                    status,
                    np.ones(o.size),
                    age_head=age,
                    age_spouse=age,
                    wages=zeros,
                    interest=zeros,
                    ordinary=o,
                    qualified_dividends=zeros,
                    capital_gains=p,
                    social_security=zeros,
                )
                plain = fed.taxable_income - np.minimum(p, fed.taxable_income)
                # The compiled rule takes one path's scalars (law: YearLaw.vector).
                tentative = np.array(
                    [
                        tentative_minimum_tax(law.vector, status, a, b, c)
                        for a, b, c in zip(fed.agi, plain, p, strict=True)
                    ]
                )
                assert (tentative <= fed.income_tax + 1e-6).all(), (year, status, age)


def test_scalar_and_per_path_filing_status_give_the_same_taxes() -> None:
    from projections.engine.tax import irmaa_surcharge, irmaa_year
    from projections.engine.tax.irmaa import irmaa_tier

    law, rng, n = load_law().year_law(2026), np.random.default_rng(11), 3_000
    kw = {
        "age_head": 70,
        "age_spouse": 66,
        "wages": rng.uniform(0, 300_000, n),
        "interest": rng.uniform(0, 50_000, n),
        "ordinary": rng.uniform(0, 900_000, n),
        "qualified_dividends": rng.uniform(0, 90_000, n),
        "capital_gains": rng.uniform(0, 900_000, n),
        "social_security": rng.uniform(0, 80_000, n),
    }
    index = rng.uniform(1.0, 2.0, n)
    table = irmaa_year(2026)
    magi = rng.uniform(0, 1_200_000, n)
    for status in (0, 1):
        per_path = np.full(n, status)
        a = federal_tax(law, status, index, **kw)
        b = federal_tax(law, per_path, index, **kw)
        for field in ("agi", "taxable_income", "ordinary_tax", "gains_tax", "amt", "niit"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
        np.testing.assert_array_equal(a.marginal_rate, b.marginal_rate)
        # IRMAA tiers by the CMS rule written out: above each threshold, at or above the top.
        thresholds = table.thresholds[status]
        real = magi / index
        expected = sum((real > t).astype(int) for t in thresholds[:-1]) + (real >= thresholds[-1])
        tiers = [irmaa_tier(table.vector, status, m, i) for m, i in zip(magi, index, strict=True)]
        np.testing.assert_array_equal(tiers, expected)
        yearly = irmaa_surcharge(
            table, per_path, index, magi_two_years_before=magi, enrollees=np.full(n, 2.0)
        )
        np.testing.assert_allclose(yearly, 24.0 * table.monthly[expected] * index)


def test_the_engine_s_tax_code_imports_only_numpy_numba_and_the_standard_library() -> None:
    import ast

    engine = LAW_FILE.parent.parent
    roots: set[str] = set()
    for path in [*(engine / "tax").glob("*.py"), engine / "rmd.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
    # numba compiles the rules (docs/ENGINE.md, "Compiled us kernel").
    assert roots - set(sys.stdlib_module_names) <= {"numpy", "numba"}
