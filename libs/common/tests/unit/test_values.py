"""The shared value types: what each reads, refuses and writes (docs/API.md, "Values")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ValidationError

from nestegg_common.iso4217 import CURRENCY_CODES
from nestegg_common.values import (
    CurrencyCode,
    DisplayText,
    Money,
    Rate,
    SignedMoney,
    json_timestamp,
)


class Values(BaseModel):
    money: Money = Decimal("0")
    total: SignedMoney = Decimal("0")
    rate: Annotated[Decimal, Rate(ge=0, le=1, places=6)] = Decimal("0")
    currency: CurrencyCode = "USD"
    name: DisplayText = "x"


@pytest.mark.parametrize(
    ("sent", "shown"),
    [("0", "0.00"), ("12.5", "12.50"), (12, "12.00"), (12.25, "12.25"), (1e3, "1000.00")],
)
def test_money_reads_plain_decimals_and_json_numbers_and_writes_two_places(sent, shown) -> None:
    assert Values(money=sent).model_dump(mode="json")["money"] == shown


@pytest.mark.parametrize(
    "sent", ["1_000", "\u0663", "1e3", "Infinity", "NaN", " 1", "1.", ".1", "+1", "1.001", True, []]
)
def test_money_refuses_anything_but_a_plain_decimal(sent: Any) -> None:
    with pytest.raises(ValidationError):
        Values(money=sent)


def test_a_total_may_be_negative_and_larger_than_one_amount() -> None:
    total = Values(total=Decimal("-199999999999999.98")).model_dump(mode="json")["total"]
    assert total == "-199999999999999.98"


def test_rates_are_numbers_in_and_out() -> None:
    assert Values(rate=0.045).model_dump(mode="json")["rate"] == 0.045
    for sent in ("0.045", True, 0.1234567, 1.5):
        with pytest.raises(ValidationError):
            Values(rate=sent)


def test_the_currency_list_is_iso_4217_list_one_without_test_codes() -> None:
    assert {"USD", "EUR", "GBP", "JPY", "CHF", "ZWG", "XCG"} <= CURRENCY_CODES
    assert not {"ZZZ", "XTS", "XXX", "usd"} & CURRENCY_CODES
    assert all(len(code) == 3 and code.isascii() and code.isupper() for code in CURRENCY_CODES)


def test_display_text_is_nfc_and_trimmed() -> None:
    assert Values(name=" Cafe\u0301\u00a0").name == "Caf\u00e9"


def test_timestamps_are_written_with_z() -> None:
    assert json_timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    at = datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC)
    assert json_timestamp(at) == "2026-01-02T03:04:05.000600Z"
