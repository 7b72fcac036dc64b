"""Guessable passwords are refused at registration, naming `password` (issue 13, item 7)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from accounts.models import Registration
from accounts.passwords import common_passwords, weak_password_reason

EMAIL = "alice.smith@example.com"


@pytest.mark.parametrize(
    "password",
    [
        "a" * 12,  # the example
        "abababababab",
        EMAIL,  # the email itself
        "ALICE.SMITH@EXAMPLE.COM",
        "alice.smith!!2024",  # the local part padded
        "alice.smithalice.smith",
        "password1234",  # a common password padded with digits
        "!!qwerty12345",
        "monkeymonkey",  # a common password repeated
        "ＰＡＳＳＷＯＲＤ１２３４",  # fullwidth
        "abcdefghijkl",  # a run
        "123456789012",
        "987654321098",
        "nesteggnestegg",  # the service name
        "1qaz2wsx3edc",  # in the list as it is
    ],
)
def test_a_guessable_password_is_refused(password: str) -> None:
    assert weak_password_reason(password, email=EMAIL) is not None


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "Tr0ub4dor&3xyz", "alice.smith loves long walks", "9v!Kq2#pLm7Z"],
)
def test_a_hard_to_guess_password_is_accepted(password: str) -> None:
    assert weak_password_reason(password, email=EMAIL) is None


def test_the_shipped_list_holds_ten_thousand_common_passwords() -> None:
    common = common_passwords()
    assert len(common) == 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common


def test_registration_names_the_password_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Registration.model_validate({"email": EMAIL, "password": "a" * 12})
    (error,) = caught.value.errors()
    assert error["loc"] == ("password",)
    assert "different characters" in error["msg"]
