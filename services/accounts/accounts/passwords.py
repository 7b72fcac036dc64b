"""Hash and check passwords with argon2id, off the event loop."""

from __future__ import annotations

import asyncio

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
