"""The API's value types, defined once: money, rates, currency codes and display text.

Every service's models use these, so a kind of value has one representation and one set of
rules everywhere (docs/API.md, "Values"):

- money is a decimal string with exactly 2 places in every answer (`"1234.50"`); a request may
  send it as such a string or as a JSON number. Only plain ASCII decimals are read: `"1_000"`,
  `"1e3"`, `" 12"` or `"٣"` are refused, though Python's `Decimal` would take them.
- rates and fractions are JSON numbers, in and out (`0.05` = 5 %); a string is refused.
- a currency is an active ISO 4217 code (`nestegg_common.iso4217`).
- display text (names, categories) is NFC-normalised and trimmed, and refused when nothing
  visible is left or when it holds control characters or bidi overrides/isolates, which can make
  a name display as something else (CVE-2021-42574, "Trojan Source").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import to_jsonable_python

from nestegg_common.iso4217 import CURRENCY_CODES

MONEY_PATTERN = r"^-?[0-9]+(\.[0-9]{1,2})?$"
# [0-9], not \d: in Python `\d` matches every Unicode digit, Arabic-Indic ones included.
_PLAIN_DECIMAL = re.compile(MONEY_PATTERN)
# numeric(14,2) in every database: twelve digits before the point, two after.
MONEY_MAX_DIGITS = 14
# A sign, the digits and the point; leading zeros aside, nothing longer can be valid.
MONEY_MAX_LENGTH = MONEY_MAX_DIGITS + 2


def _money_input(value: object) -> object:
    """Pass a JSON number or a plain decimal string on to `Decimal`; refuse anything else."""
    if isinstance(value, bool):
        raise ValueError('expected money as a decimal string like "1234.50", not true/false')
    if isinstance(value, str):
        if len(value) > MONEY_MAX_LENGTH or not _PLAIN_DECIMAL.fullmatch(value):
            raise ValueError(
                'expected money as a plain decimal string with at most 2 places, like "1234.50" '
                "(no exponent, separators, spaces or non-ASCII digits)"
            )
        return value
    if isinstance(value, int | float | Decimal):
        return value
    raise ValueError('expected money as a decimal string like "1234.50" or a JSON number')


def _money_output(value: Decimal) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True)
class _MoneyRules(GroupedMetadata):
    """Money's validation, JSON output and schema, as one piece of `Annotated` metadata."""

    minimum: int | None

    def __iter__(self) -> Iterator[object]:
        number: dict[str, Any] = {"type": "number"}
        if self.minimum is not None:
            number["minimum"] = self.minimum
        string = {"type": "string", "pattern": MONEY_PATTERN, "maxLength": MONEY_MAX_LENGTH}
        # A total of many amounts may outgrow one column's digits; an amount sent may not.
        digits = None if self.minimum is None else MONEY_MAX_DIGITS
        yield Field(ge=self.minimum, max_digits=digits, decimal_places=2, allow_inf_nan=False)
        yield BeforeValidator(_money_input)
        yield PlainSerializer(_money_output, return_type=str, when_used="json")
        yield WithJsonSchema({"anyOf": [number, string]}, mode="validation")
        # Answers always carry exactly two places.
        shown = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
        yield WithJsonSchema(shown, mode="serialization")


Money = Annotated[Decimal, _MoneyRules(minimum=0)]
"""An amount of money that cannot be negative (a balance, an amount, a payment)."""

SignedMoney = Annotated[Decimal, _MoneyRules(minimum=None)]
"""An amount of money of any sign and size: a total or a net worth, never a stored amount."""


def _number_input(value: object) -> object:
    """Refuse what lax pydantic would turn into a number: a string, true or false."""
    if isinstance(value, bool | str):
        raise ValueError("expected a JSON number (a fraction: 0.05 = 5 %), not a string or boolean")
    return value


@dataclass(frozen=True)
class Rate(GroupedMetadata):
    """A rate or fraction kept exact (`numeric` in a database), a JSON number in and out.

    Use as `Annotated[Decimal, Rate(ge=0, le=1, places=6)]`; `places` is the column's scale:
    more places are refused rather than rounded silently.
    """

    ge: float
    le: float
    places: int

    def __iter__(self) -> Iterator[object]:
        yield Field(
            ge=self.ge,
            le=self.le,
            decimal_places=self.places,
            max_digits=self.places + 1,
            allow_inf_nan=False,
        )
        yield BeforeValidator(_number_input)
        yield PlainSerializer(float, return_type=float, when_used="json")
        yield WithJsonSchema({"type": "number", "minimum": self.ge, "maximum": self.le})


def _currency(value: object) -> object:
    if isinstance(value, str) and value not in CURRENCY_CODES:
        raise ValueError(
            f"{value[:10]!r} is not an active ISO 4217 currency code (e.g. USD, EUR, GBP)"
        )
    return value


CurrencyCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", examples=["USD"]),
    BeforeValidator(_currency),
]
"""An active ISO 4217 alphabetic code: `USD`, `EUR`, `GBP`…"""

# Bidi embeddings/overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Categories that show nothing by themselves: format (zero-width space, joiners, marks),
# separators and space. Text made only of them (after trimming) is empty.
_INVISIBLE = frozenset({"Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
# Never in a name: C0/C1 controls (newline, tab, escape…), surrogates, line/paragraph separators.
_REFUSED = frozenset({"Cc", "Cs", "Zl", "Zp"})


def _display_text(value: object) -> object:
    if not isinstance(value, str):
        return value  # the str type refuses it with its own message
    text = unicodedata.normalize("NFC", value).strip()
    for char in text:
        if char in _BIDI_CONTROLS:
            raise ValueError(
                f"must not contain the bidi control U+{ord(char):04X}: it can make text "
                "display as something else"
            )
        if unicodedata.category(char) in _REFUSED:
            raise ValueError(f"must not contain the control character U+{ord(char):04X}")
    if all(unicodedata.category(char) in _INVISIBLE for char in text):
        raise ValueError("must contain a visible character (not only spaces or invisible ones)")
    return text


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """Display text: NFC, trimmed, something visible, 1..`max_length` code points.

    Use as `Annotated[str, Text(50)]`; `DisplayText` is the usual 100-character name.
    """

    max_length: int

    def __iter__(self) -> Iterator[object]:
        yield Field(min_length=1, max_length=self.max_length)
        yield BeforeValidator(_display_text)


DisplayText = Annotated[str, Text(100)]
"""A name as people see it: 1 to 100 characters after trimming, something visible."""


def json_timestamp(value: datetime) -> str:
    """Write a timestamp as every answer does: RFC 3339 in UTC with `Z`, as pydantic writes it.

    For the answers built as dicts rather than models, so that `created_at` reads the same in
    a run as in a record (`isoformat()` would write `+00:00`).
    """
    shown: str = to_jsonable_python(value)
    return shown
