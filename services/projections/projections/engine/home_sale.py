"""Selling a home in its row, in both kernels: the proceeds and the taxable gain (DESIGN §6.4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .kernel import KernelInputs

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# IRC §121: the gain excluded on selling a main home, filing single and married filing jointly.
EXCLUSION_SINGLE, EXCLUSION_JOINT = 250_000.0, 500_000.0


def sell_homes(
    inputs: KernelInputs,
    t: int,
    bal: FloatArray,
    someone: BoolArray | None,
    gains: FloatArray,
) -> None:
    """Sell the real estate due in row t, in place: proceeds to taxable, the gain recorded.

    The value at the start of the year less the selling cost goes to the taxable account;
    the gain over the cost basis beyond the §121 exclusion (joint while both are alive and
    married_joint) is a long-term gain for the tax model.
    """
    filing = inputs.joint_filing[t]
    if inputs.flows.column is not None:
        filing = filing[inputs.flows.column]
    exclusion = np.where(filing, EXCLUSION_JOINT, EXCLUSION_SINGLE)
    for sale in inputs.sales:
        if sale.row != t:
            continue
        value = bal[sale.asset] if someone is None else np.where(someone, bal[sale.asset], 0.0)
        proceeds = value * (1.0 - inputs.selling_cost)
        bal[sale.asset] -= value
        bal[inputs.proceeds_index] += proceeds
        gains[t] += np.maximum(proceeds - sale.basis - exclusion, 0.0)
