"""Nothing flows once nobody is alive (docs/ENGINE.md "The household"), under every strategy.

Engine 2.3.0's vpw, floor_ceiling and rmd_based kept drawing on the portfolio of a path after
both people had died (their rule sets a draw from the portfolio, whoever lives): the estate
was spent. From 2.3.1 a path nobody lives on spends, draws, earns and pays nothing; its
accounts only earn their returns.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from projections.engine import api
from projections.engine.api import plan_inputs
from projections.engine.bench import couple_plan
from projections.engine.kernel import simulate
from projections.engine.strategies import STRATEGIES

TODAY = date(2025, 1, 1)


@pytest.mark.parametrize("regime", ["flat", "us"])
@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_a_path_nobody_lives_on_spends_and_draws_nothing(regime: str, strategy: str) -> None:
    plan = couple_plan(strategy, 400)  # stochastic lifespans: many paths outlive both
    plan["assumptions"]["tax"] = {"regime": regime}
    ready = api.prepare(api.as_plan(plan), today=TODAY)
    out = simulate(plan_inputs(ready), ready.returns)
    nobody = ~out.on_paths(out.alive)[:-1]  # (rows, paths): nobody alive at the row's start
    assert nobody.sum() > 1000  # the case is really exercised
    for name in ("spending", "withdrawals", "taxes", "income"):
        assert not getattr(out, name)[:-1][nobody].any(), name
    assert np.isfinite(out.portfolio).all()
