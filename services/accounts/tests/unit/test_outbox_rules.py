"""Back-off of outbox retries and the subscriber settings, without I/O."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from accounts.outbox import retry_delay_s
from accounts.settings import AccountsSettings


def delay(attempts: int, jitter: float) -> float:
    return retry_delay_s(attempts, base_s=0.5, max_s=60.0, jitter=jitter)


def test_the_retry_delay_doubles_with_each_failed_attempt() -> None:
    assert [delay(n, jitter=1.0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]


def test_jitter_spreads_the_delay_over_the_upper_half_of_the_step() -> None:
    assert delay(3, jitter=0.0) == 1.0
    assert 1.0 < delay(3, jitter=0.5) < 2.0


def test_the_retry_delay_is_capped_even_after_very_many_attempts() -> None:
    assert delay(8, jitter=1.0) == 60.0
    assert delay(10_000, jitter=1.0) == 60.0
    assert delay(10_000, jitter=0.0) == 30.0


def test_by_default_ledger_projections_and_the_gateway_subscribe_at_their_default_urls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("EVENT_SUBSCRIBERS", "LEDGER_URL", "PROJECTIONS_URL", "GATEWAY_URL"):
        monkeypatch.delenv(f"NESTEGG_{name}", raising=False)
    assert AccountsSettings().subscriber_urls() == {
        "ledger": "http://127.0.0.1:8082",
        "projections": "http://127.0.0.1:8083",
        "gateway": "http://127.0.0.1:8080",
    }


def test_subscribers_and_their_urls_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NESTEGG_EVENT_SUBSCRIBERS", " ledger , ledger,")
    monkeypatch.setenv("NESTEGG_LEDGER_URL", "http://ledger.internal:9000/")
    assert AccountsSettings().subscriber_urls() == {"ledger": "http://ledger.internal:9000"}
    monkeypatch.setenv("NESTEGG_EVENT_SUBSCRIBERS", "")
    assert AccountsSettings().subscriber_urls() == {}


def test_an_unknown_subscriber_is_refused_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NESTEGG_EVENT_SUBSCRIBERS", "ledger,billing")
    with pytest.raises(ValidationError, match="billing"):
        AccountsSettings()


def test_the_back_off_cap_cannot_be_below_its_base() -> None:
    with pytest.raises(ValidationError, match="outbox_backoff_max_s"):
        AccountsSettings(outbox_backoff_base_s=5.0, outbox_backoff_max_s=1.0)
