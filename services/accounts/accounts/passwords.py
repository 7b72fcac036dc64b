"""Hash and check passwords with argon2id, off the event loop, and refuse guessable ones."""

from __future__ import annotations

import asyncio
import functools
import itertools
import unicodedata
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    """argon2id with the configured cost; hashing runs in a worker thread."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        # Checked against when the email is unknown, so both cases take the same time.
        self._decoy_hash = self._hasher.hash("decoy password for unknown accounts")

    async def hash(self, password: str) -> str:
        """Return the PHC-format hash of `password`."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Say whether `password` matches; with no hash, spend the same time and say no."""
        try:
            await asyncio.to_thread(
                self._hasher.verify, password_hash or self._decoy_hash, password
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        """Say whether a stored hash was made with weaker parameters than today's."""
        return self._hasher.check_needs_rehash(password_hash)


# Password policy at registration (NIST SP 800-63B §5.1.1.2: a minimum length, and no password
# found in breach corpora, no repetitive or sequential characters, no context-specific words).
# The length bounds are the model's (accounts.models); the rest is here.
_MIN_DISTINCT_CHARACTERS = 5
_SERVICE_NAME = "nestegg"


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords (accounts/data/README.md: source, licence)."""
    text = resources.files("accounts").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line)


# Digits and ASCII symbols people pad a word with: `password1234!`.
_PADDING = "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _cores(folded: str) -> set[str]:
    """Return the password and what is left of it without padding or repetition."""
    stripped = folded.strip(_PADDING)
    cores = {folded, stripped, folded.rstrip(_PADDING), folded.lstrip(_PADDING)}
    for word in list(cores):
        for size in range(1, len(word) // 2 + 1):
            if len(word) % size == 0 and word[:size] * (len(word) // size) == word:
                cores.add(word[:size])
                break
    return {c for c in cores if c}


def _step(a: str, b: str) -> int:
    step = ord(b) - ord(a)
    return {9: -1, -9: 1}.get(step, step) if a.isdigit() and b.isdigit() else step  # 9→0 wraps


def _is_sequence(folded: str) -> bool:
    steps = {_step(a, b) for a, b in itertools.pairwise(folded)}
    return steps in ({1}, {-1})


def weak_password_reason(password: str, *, email: str) -> str | None:
    """Say why `password` is too easy to guess for the account `email`; None when it is not."""
    folded = _fold(password)
    if len(set(folded)) < _MIN_DISTINCT_CHARACTERS:
        return f"must contain at least {_MIN_DISTINCT_CHARACTERS} different characters"
    if _is_sequence(folded):
        return "must not be a run of consecutive characters such as abcdef or 123456"
    if _cores(folded) & common_passwords():
        return "is one of the most common passwords (or one with digits or symbols added)"
    address = _fold(email)
    context = {w for w in (address, address.rpartition("@")[0], _SERVICE_NAME) if len(w) >= 3}
    if _cores(folded) & context or any(
        word in folded and len(folded.replace(word, "")) < 8 for word in context
    ):
        return "must not be (or be little more than) your email address or the service name"
    return None
