"""`.env.example` lists every setting any process reads, so operators can see them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from accounts.settings import AccountsSettings
from gateway.settings import GatewaySettings
from ledger.settings import LedgerSettings
from projections.settings import ProjectionsSettings

ROOT = Path(__file__).resolve().parents[1]
SETTINGS: list[type[BaseSettings]] = [
    AccountsSettings,
    LedgerSettings,
    ProjectionsSettings,
    GatewaySettings,
]


def documented_variables() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            names.add(line.split("=", 1)[0].strip())
    return names


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: s.__name__)
def test_every_setting_is_in_the_env_example(settings: type[BaseSettings]) -> None:
    prefix = settings.model_config.get("env_prefix", "")
    expected = {f"{prefix}{name}".upper() for name in settings.model_fields}
    assert sorted(expected - documented_variables()) == []


def test_the_env_example_names_no_setting_that_does_not_exist() -> None:
    known = {
        f"{s.model_config.get('env_prefix', '')}{name}".upper()
        for s in SETTINGS
        for name in s.model_fields
    }
    # Read by the test fixtures and the engine's CLI rather than a settings class.
    known |= {"NESTEGG_TEST_DATABASE_URL", "NESTEGG_DATABASE_URL"}
    assert sorted(documented_variables() - known) == []
