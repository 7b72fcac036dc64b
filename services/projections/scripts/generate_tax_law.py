"""Write the engine's US tax-law data file from Tax-Calculator's current-law parameter file.

Run `make tax-law` (or this script with the repository's venv, where `taxcalc` is a dev
dependency). The output, `projections/engine/data/us_tax_law.json`, is never typed by hand: a
test regenerates it and compares it byte for byte. The engine reads it at run time and never
imports `taxcalc`.

Which years: from FIRST_YEAR (the first year of the law now in force, P.L. 119-21, which
added the senior deduction) to the last year in which every *indexed* parameter the engine
uses has an explicit value in the file (the latest year whose inflation adjustments the IRS
has published). Years after that are the engine's own indexing of the last law year by each
path's inflation. For unindexed parameters the file's explicit future changes are kept too
(the senior deduction ends after 2028): the engine applies them by calendar year.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

FIRST_YEAR = 2025
SOURCE_FILE = "taxcalc/policy_current_law.json"
OUTPUT = Path(__file__).resolve().parents[1] / "projections" / "engine" / "data" / "us_tax_law.json"
# The engine's two filing statuses, in the order of every per-status list in the output.
STATUSES = (("single", "single"), ("married_joint", "mjoint"))
# Tax-Calculator spells "no limit" as 9e99.
UNBOUNDED = 9e99

# (engine name, Tax-Calculator names, by filing status?, what it is)
PARAMETERS: tuple[tuple[str, tuple[str, ...], bool, str], ...] = (
    (
        "ordinary_brackets",
        tuple(f"II_brk{i}" for i in range(1, 7)),
        True,
        "tops of the first six ordinary brackets (the seventh is unbounded)",
    ),
    ("ordinary_rates", tuple(f"II_rt{i}" for i in range(1, 8)), False, "ordinary rates"),
    ("standard_deduction", ("STD",), True, "basic standard deduction"),
    ("aged_deduction", ("STD_Aged",), True, "additional standard deduction per person 65+"),
    ("senior_deduction", ("SeniorDed_c",), False, "senior deduction per person 65+"),
    ("senior_phaseout_start", ("SeniorDed_ps",), True, "AGI where the senior deduction shrinks"),
    ("senior_phaseout_rate", ("SeniorDed_prt",), False, "its reduction per dollar of AGI above"),
    ("gains_brackets", ("CG_brk1", "CG_brk2"), True, "tops of the 0% and 15% gains brackets"),
    ("gains_rates", ("CG_rt1", "CG_rt2", "CG_rt3"), False, "qualified dividend and LTCG rates"),
    ("capital_loss_limit", ("Capital_loss_limitation",), True, "net capital loss allowed"),
    ("ss_thresholds", ("SS_thd1", "SS_thd2"), True, "provisional-income thresholds"),
    ("ss_fractions", ("SS_percentage1", "SS_percentage2"), False, "taxable shares of benefits"),
    ("niit_threshold", ("NIIT_thd",), True, "modified AGI above which NIIT applies"),
    ("niit_rate", ("NIIT_rt",), False, "net investment income tax rate"),
    ("amt_exemption", ("AMT_em",), True, "AMT exemption"),
    ("amt_phaseout_start", ("AMT_em_ps",), True, "AMT income where the exemption shrinks"),
    ("amt_phaseout_rate", ("AMT_prt",), False, "its reduction per dollar above"),
    ("amt_bracket", ("AMT_brk1",), True, "AMT income above which the add-on rate applies"),
    ("amt_rates", ("AMT_rt1", "AMT_rt2_addon"), False, "AMT rate and the add-on above"),
    (
        "amt_gains_brackets",
        ("AMT_CG_brk1", "AMT_CG_brk2"),
        True,
        "tops of the 0% and 15% gains brackets inside the AMT",
    ),
    ("amt_gains_rates", ("AMT_CG_rt1", "AMT_CG_rt2", "AMT_CG_rt3"), False, "gains rates in AMT"),
    ("ss_payroll_rate", ("FICA_ss_trt_employee",), False, "employee OASDI rate"),
    ("medicare_rate", ("FICA_mc_trt_employee",), False, "employee HI (Medicare) rate"),
    ("ss_wage_base", ("SS_Earnings_c",), False, "OASDI maximum taxable earnings per person"),
    (
        "additional_medicare_threshold",
        ("AMEDT_ec",),
        True,
        "Medicare wages above which the additional Medicare tax applies",
    ),
    ("additional_medicare_rate", ("AMEDT_rt",), False, "additional Medicare tax rate"),
)

# Conditions the engine's formulas rely on; the generator refuses a file that breaks one.
# (parameter, MARS or None, test, what it means)
CHECKS: tuple[tuple[str, str | None, str, str], ...] = (
    ("II_brk7", "single", "unbounded", "no eighth ordinary bracket (single)"),
    ("II_brk7", "mjoint", "unbounded", "no eighth ordinary bracket (joint)"),
    ("CG_brk3", "single", "unbounded", "no fourth gains bracket (single)"),
    ("CG_brk3", "mjoint", "unbounded", "no fourth gains bracket (joint)"),
    ("AMT_CG_brk3", "single", "unbounded", "no fourth gains bracket in the AMT (single)"),
    ("AMT_CG_brk3", "mjoint", "unbounded", "no fourth gains bracket in the AMT (joint)"),
    ("CG_nodiff", None, "false", "qualified dividends and gains keep their own rates"),
    ("SS_all_in_agi", None, "false", "Social Security taxed by the provisional-income rule"),
    ("II_em", None, "zero", "no personal exemption"),
    ("SS_Earnings_thd", None, "unbounded", "no OASDI bracket above the wage base"),
)


def _entries(raw: dict[str, Any], name: str, mars: str | None) -> list[tuple[int, Any]]:
    """Return a parameter's explicit (year, value) entries for one filing status, by year."""
    values = raw[name]["value"]
    found = [
        (int(entry["year"]), entry["value"])
        for entry in values
        if mars is None or entry.get("MARS") == mars
    ]
    if not found:
        raise SystemExit(f"{name}: no value for MARS={mars}")
    return sorted(found, key=lambda pair: pair[0])


def _in_force(entries: list[tuple[int, Any]], year: int) -> tuple[int, Any]:
    """Return the latest explicit entry at or before a year."""
    earlier = [pair for pair in entries if pair[0] <= year]
    if not earlier:
        raise SystemExit(f"no value in force in {year}")
    return earlier[-1]


def _marses(by_status: bool) -> list[str | None]:
    return [mars for _, mars in STATUSES] if by_status else [None]


def last_law_year(raw: dict[str, Any]) -> int:
    """Return the last year in which every indexed parameter has an explicit value."""
    last: int | None = None
    for _, names, by_status, _ in PARAMETERS:
        for name in names:
            if not raw[name]["indexed"]:
                continue
            for mars in _marses(by_status):
                latest = _entries(raw, name, mars)[-1][0]
                last = latest if last is None else min(last, latest)
    assert last is not None
    return last


def _check(raw: dict[str, Any], year: int) -> list[str]:
    """Verify the structural conditions the engine relies on; return their descriptions."""
    passed = []
    for name, mars, test, meaning in CHECKS:
        _, value = _in_force(_entries(raw, name, mars), year)
        ok = {
            "unbounded": lambda v: float(v) >= UNBOUNDED,
            "false": lambda v: v is False,
            "zero": lambda v: float(v) == 0.0,
        }[test](value)
        if not ok:
            raise SystemExit(f"{name} ({mars}) = {value!r} in {year}: the engine assumes {meaning}")
        passed.append(f"{name}{'' if mars is None else f'[{mars}]'}: {meaning}")
    return passed


def build(raw: dict[str, Any], *, version: str, sha256: str) -> dict[str, Any]:
    """Return the engine's law document for the parsed Tax-Calculator parameter file."""
    last = last_law_year(raw)
    if last < FIRST_YEAR:
        raise SystemExit(f"the file's last explicit year {last} is before {FIRST_YEAR}")
    years = list(range(FIRST_YEAR, last + 1))
    for year in years:
        checks = _check(raw, year)
    parameters: dict[str, Any] = {}
    for engine_name, names, by_status, meaning in PARAMETERS:
        indexed = {bool(raw[name]["indexed"]) for name in names}
        if len(indexed) != 1:
            raise SystemExit(f"{engine_name}: {names} mix indexed and unindexed parameters")
        is_indexed = indexed.pop()
        schedule_years = set(years)
        for name in names:
            for mars in _marses(by_status):
                later = {y for y, _ in _entries(raw, name, mars) if y > last}
                if later and is_indexed:
                    raise SystemExit(f"{name}: explicit indexed values after {last}: {later}")
                schedule_years |= later
        values: dict[str, Any] = {}
        for year in sorted(schedule_years):

            def value(name: str, mars: str | None, year: int = year) -> float:
                return float(_in_force(_entries(raw, name, mars), year)[1])

            if by_status:
                row: Any = [[value(name, mars) for name in names] for _, mars in STATUSES]
                if len(names) == 1:
                    row = [pair[0] for pair in row]
            else:
                row = [value(name, None) for name in names]
                if len(names) == 1:
                    row = row[0]
            values[str(year)] = row
        parameters[engine_name] = {
            "taxcalc": list(names),
            "indexed": is_indexed,
            "by_filing_status": by_status,
            "description": meaning,
            "values": values,
        }
    return {
        "about": (
            "US federal tax parameters for the projection engine, generated by "
            "services/projections/scripts/generate_tax_law.py from Tax-Calculator's "
            "current-law parameter file; do not edit by hand (make tax-law)."
        ),
        "source": {
            "package": "taxcalc",
            "version": version,
            "file": SOURCE_FILE,
            "sha256": sha256,
            "licence": "CC0-1.0",
        },
        "filing_statuses": [name for name, _ in STATUSES],
        "years": years,
        "semantics": (
            "values[year] is in force from that year until the next entry. Indexed parameters "
            "have an entry for each law year only; the engine indexes a law year's values by "
            "each path's inflation. Unindexed parameters also list the file's scheduled changes "
            "after the last law year, applied by calendar year."
        ),
        "checks": checks,
        "parameters": parameters,
    }


def render(document: dict[str, Any]) -> str:
    """Return the document as the exact text written to the data file."""
    return json.dumps(document, indent=1, sort_keys=False) + "\n"


def generate() -> str:
    """Read the installed Tax-Calculator's parameter file and return the data file's text."""
    import taxcalc  # a dev dependency: imported here only, never by the engine

    path = Path(taxcalc.__file__).resolve().parent / Path(SOURCE_FILE).name
    data = path.read_bytes()
    raw = json.loads(data)
    return render(
        build(raw, version=str(taxcalc.__version__), sha256=hashlib.sha256(data).hexdigest())
    )


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the engine's tax-law data file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run make tax-law", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
