"""The kernel: every path advanced a year at a time through the plan's cash flows.

Its inputs and output, and `simulate`, which runs the regime's year loop (flat_kernel.py,
us_kernel.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .resume import YearState
from .returns import ReturnPaths
from .spending import Outcome
from .strategies import StrategyParams

if TYPE_CHECKING:
    from .us_inputs import UsInputs

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# The kinds of flow in a table row (Flows.table's middle axis): income, taxable income and
# expenses, each nominal or indexed; debt payments plus contributions; 1 where someone lives;
# the discretionary part of the expenses (included in the expenses), nominal or indexed.
INCOME_NOMINAL, INCOME_INDEXED, TAXABLE_NOMINAL, TAXABLE_INDEXED = 0, 1, 2, 3
EXPENSE_NOMINAL, EXPENSE_INDEXED, OBLIGATIONS, ANYONE = 4, 5, 6, 7
DISCRETIONARY_NOMINAL, DISCRETIONARY_INDEXED = 8, 9
KINDS = 10
# A shortfall below a millionth of a currency unit is floating-point noise, not a failure.
SHORTFALL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Flows:
    """Hold the plan's flow tables (flows.py explains the columns).

    `table` is (rows, flows.KINDS, columns): nominal amounts in currency units of that year,
    indexed amounts in today's money (multiplied by each path's price index), and whether
    anyone is alive. `column` is each path's column, None when every path shares the one.
    """

    table: FloatArray
    contributions: FloatArray  # (assets, rows, columns)
    contributing: BoolArray  # (rows,): whether anything is contributed in the row
    column: IntArray | None
    debt_balance: FloatArray  # length rows + 1: the balance at the start of each row


@dataclass(frozen=True)
class HomeSale:
    """Hold one real-estate sale: the asset, the row of its year and its cost basis."""

    asset: int
    row: int
    basis: float


@dataclass(frozen=True)
class KernelInputs:
    """Hold everything the kernel needs, as plain numbers and numpy arrays."""

    years: int
    retirement_index: int
    balances: FloatArray
    stock_weight: FloatArray
    bond_weight: FloatArray
    inflation_weight: FloatArray
    liquid: BoolArray
    tax_deferred: BoolArray
    withdrawal_order: tuple[int, ...]
    savings_index: int
    flows: Flows
    income_tax_rate: float
    strategy: StrategyParams = field(default_factory=StrategyParams)
    # Whose each asset is (0 self, 1 partner, 2 joint); a survivor inherits the deceased's.
    owners: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # (rows + 1, columns): someone is alive at the start of the row (flows.py's columns).
    alive: BoolArray = field(default_factory=lambda: np.ones((1, 1), dtype=np.bool_))
    # (rows, columns): the household files jointly (both alive and married_joint).
    joint_filing: BoolArray = field(default_factory=lambda: np.zeros((1, 1), dtype=np.bool_))
    sales: tuple[HomeSale, ...] = ()
    proceeds_index: int = 0
    selling_cost: float = 0.0  # assumptions.selling_cost when there is a sale
    # The `us` tax regime's tables (us_inputs.py); None = the flat regime (engine 1's rule).
    us: UsInputs | None = None
    # (rows, columns): rmd_based's divisor, the Uniform Lifetime period of the older living person.
    policy_period: FloatArray = field(default_factory=lambda: np.ones((1, 1)))


@dataclass(frozen=True)
class KernelOutput:
    """Hold per-path results; each money array is shaped (years + 1, paths)."""

    portfolio: FloatArray
    portfolio_real: FloatArray
    income: FloatArray
    spending: FloatArray
    withdrawals: FloatArray
    taxes: FloatArray
    debt: FloatArray  # (years + 1,): debts do not depend on the path
    failed: BoolArray
    depletion_index: IntArray  # row of the first failure, -1 for paths that never fail
    alive: BoolArray  # (years + 1, columns): someone is alive at the start of the row
    joint_filing: BoolArray  # (years, columns): filing status married_joint
    column: IntArray | None  # (paths,): each path's column; None = one column for all
    owners: IntArray  # (assets,): 0 self, 1 partner, 2 joint
    # (years, paths): a home sale's long-term gain beyond the §121 exclusion; None = no sale.
    home_sale_gains: FloatArray | None = None
    # `us` only (None under flat): RMDs and Roth conversions per row and path, the gross-up's
    # tax evaluations (max, sum, solved path-years), and the recorded detail of a 1-path run.
    rmd: FloatArray | None = None
    conversions: FloatArray | None = None
    grossup: tuple[int, int, int] | None = None
    record: dict[str, FloatArray] | None = None
    # The spending policy's outcome (spending.Outcome): the spending split per row and the
    # per-path failure and adjustment measures; None only for outputs built elsewhere.
    outcome: Outcome | None = None
    # A resumed run (resume.py) computed rows from first_row on only: the rows before are
    # zeros, and the per-path measures are the whole run's. `kept`: the states kept (keep).
    first_row: int = 0
    kept: Mapping[int, YearState] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        inputs: KernelInputs,
        outcome: Outcome,
        *,
        portfolio: FloatArray,
        portfolio_real: FloatArray,
        income: FloatArray,
        withdrawals: FloatArray,
        taxes: FloatArray,
        home_sale_gains: FloatArray | None,
        rmd: FloatArray | None = None,
        conversions: FloatArray | None = None,
        grossup: tuple[int, int, int] | None = None,
        record: dict[str, FloatArray] | None = None,
        first_row: int = 0,
        kept: Mapping[int, YearState] | None = None,
    ) -> KernelOutput:
        """Return a kernel's output: its rows and outcome, with the household's fields."""
        return cls(
            portfolio=portfolio,
            portfolio_real=portfolio_real,
            income=income,
            spending=outcome.spending,
            withdrawals=withdrawals,
            taxes=taxes,
            debt=inputs.flows.debt_balance.astype(np.float64),
            failed=outcome.failed,
            depletion_index=outcome.depletion,
            alive=inputs.alive,
            joint_filing=inputs.joint_filing,
            column=inputs.flows.column,
            owners=inputs.owners,
            home_sale_gains=home_sale_gains,
            rmd=rmd,
            conversions=conversions,
            grossup=grossup,
            record=record,
            outcome=outcome,
            first_row=first_row,
            kept={} if kept is None else kept,
        )

    @property
    def success_rate(self) -> float:
        """Return the share of paths that never fail."""
        return float(np.count_nonzero(~self.failed)) / self.failed.size

    def on_paths(self, by_column: BoolArray) -> BoolArray:
        """Return a (rows, columns) array such as `joint_filing` as (rows, paths)."""
        return by_column if self.column is None else by_column[:, self.column]


def simulate(
    inputs: KernelInputs,
    returns: ReturnPaths,
    *,
    resume: YearState | None = None,
    keep: frozenset[int] = frozenset(),
) -> KernelOutput:
    """Run every path of the return matrices through the plan's cash flows.

    `resume` starts at its row from the state another plan of the same returns carried
    into it (resume.py; the rows before are not computed: the output's `first_row`);
    `keep` names rows whose state the output keeps for other plans (`kept`). The flat
    regime's year loop is flat_kernel.py's, the `us` regime's us_kernel.py's; both build
    on this module.
    """
    if inputs.us is not None:
        from .us_kernel import simulate_us

        return simulate_us(inputs, returns, resume=resume, keep=keep)
    from .flat_kernel import simulate_flat

    return simulate_flat(inputs, returns, resume=resume, keep=keep)


def policy_period(inputs: KernelInputs, t: int) -> FloatArray | float:
    """Return row t's rmd_based divisor per path (one number when every path shares it)."""
    table = inputs.policy_period
    if table.shape[0] <= t:
        return 1.0
    if inputs.flows.column is None or table.shape[1] == 1:
        return float(table[t, 0])
    per_path: FloatArray = table[t, inputs.flows.column]
    return per_path
