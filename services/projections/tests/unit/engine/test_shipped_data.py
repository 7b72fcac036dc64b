"""The Shiller series shipped in the engine: intact, documented, and the default everywhere."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from projections.engine import SHIPPED_HISTORICAL_DATA, load_historical, run_projection
from projections.settings import ProjectionsSettings

TODAY = date(2025, 6, 1)
README = SHIPPED_HISTORICAL_DATA.parent / "README.md"
# The project's reference copy, beside the repository when it is checked out with ../shared.
REFERENCE = Path(__file__).resolve().parents[5].parent / "shared" / "data" / "shiller_monthly.csv"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_readme_names_the_shipped_file_s_sha256_source_and_licence() -> None:
    text = README.read_text()
    assert sha256(SHIPPED_HISTORICAL_DATA) in re.findall(r"\b[0-9a-f]{64}\b", text)
    assert "Robert Shiller" in text
    assert "PDDL" in text


def test_the_shipped_file_is_the_reference_copy_byte_for_byte() -> None:
    if not REFERENCE.is_file():
        pytest.skip(f"no reference copy at {REFERENCE} to compare with (a plain clone)")
    assert SHIPPED_HISTORICAL_DATA.read_bytes() == REFERENCE.read_bytes()


def test_without_the_variable_the_engine_loads_the_shipped_series(monkeypatch) -> None:
    monkeypatch.delenv("NESTEGG_HISTORICAL_DATA", raising=False)
    series = load_historical()
    assert (series.years[0], series.years[-1]) == (1871, 2022)
    assert series.sha256 == sha256(SHIPPED_HISTORICAL_DATA)


def test_the_variable_still_points_the_engine_at_a_newer_file(monkeypatch, tmp_path) -> None:
    # A "newer" file of the same format: here the shipped one cut at the end of 1950.
    lines = SHIPPED_HISTORICAL_DATA.read_text().splitlines(keepends=True)
    newer = tmp_path / "newer.csv"
    newer.write_text(lines[0] + "".join(line for line in lines[1:] if line < "1951-02"))
    monkeypatch.setenv("NESTEGG_HISTORICAL_DATA", str(newer))
    assert load_historical().years[-1] == 1950


def test_a_fresh_settings_object_runs_a_historical_projection(monkeypatch, make_plan) -> None:
    monkeypatch.delenv("NESTEGG_HISTORICAL_DATA", raising=False)
    settings = ProjectionsSettings()
    assert settings.historical_data == SHIPPED_HISTORICAL_DATA
    result = run_projection(
        make_plan(mode="historical"), today=TODAY, historical_path=settings.historical_data
    )
    assert result["dataset_hash"] == sha256(SHIPPED_HISTORICAL_DATA)
    assert result["paths"] == (2022 - 30 + 1) - 1871 + 1  # a 30-year plan: one per start year


def test_an_empty_setting_means_the_shipped_copy(monkeypatch) -> None:
    monkeypatch.setenv("NESTEGG_HISTORICAL_DATA", "")
    assert ProjectionsSettings().historical_data == SHIPPED_HISTORICAL_DATA


def test_a_file_that_does_not_exist_stops_the_service_at_start(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("NESTEGG_HISTORICAL_DATA", str(tmp_path / "missing.csv"))
    with pytest.raises(ValidationError, match="historical_data"):
        ProjectionsSettings()
