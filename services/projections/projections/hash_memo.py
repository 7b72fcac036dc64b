"""Remember the inputs hash of recently seen plans, so a cached run skips validating its plan.

The hash of a run's inputs is computed from the plan as the engine validates it (a pydantic
model): for a user with 200 records that validation and dump were a third of the CPU of a
cached `POST /run`. The same plan on the same day always has the same hash, so a bounded memo
keyed by a digest of the plan as built (and the day) answers repeats without the model.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

import orjson


class InputsHashMemo:
    """A least-recently-used map from (plan, day) to inputs hash, at most `size` entries."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._hashes: OrderedDict[bytes, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._hashes)

    def inputs_hash(self, plan: dict[str, Any], today: date, compute: Callable[[], str]) -> str:
        """Return the remembered hash of `plan` on `today`, or `compute()` and remember it.

        Failures are not remembered: `compute` raises again for the same plan.
        """
        # Sorted keys: the same plan built in another order is the same plan. Decimal → str
        # keeps "1.0" and "1.00" apart, which costs at most a second computation.
        key = hashlib.sha256(
            orjson.dumps(
                [plan, today],
                option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
                default=str,
            )
        ).digest()
        known = self._hashes.get(key)
        if known is not None:
            self._hashes.move_to_end(key)
            return known
        computed = compute()
        self._hashes[key] = computed
        if len(self._hashes) > self._size:
            self._hashes.popitem(last=False)
        return computed
