"""Validate the assumptions at the engine's edge: every one has a documented default."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

Mode = Literal["deterministic", "monte_carlo", "historical"]
Strategy = Literal[
    "needs", "fixed_real", "fixed_percentage", "guardrails", "vpw", "floor_ceiling", "rmd_based"
]
Longevity = Literal["fixed", "stochastic"]
TaxRegime = Literal["flat", "us"]
WithdrawalOrder = Literal["conventional", "proportional", "bracket_fill"]
ReturnModel = Literal["lognormal", "student_t", "bootstrap"]
Age = Annotated[int, Field(strict=True, ge=0, le=120)]
# Growth, return and inflation rates may be negative but never reach -100% a year.
SignedRate = Annotated[float, Field(strict=True, gt=-1.0, le=1.0)]
# The US ordinary brackets' rates; a bracket is named by its rate (docs/ENGINE.md, Taxes).
BRACKET_RATES = (0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37)


def _bracket_rate(value: float) -> float:
    if value not in BRACKET_RATES:
        raise ValueError(f"must be one of the brackets' rates {', '.join(map(str, BRACKET_RATES))}")
    return value


BracketRate = Annotated[
    float,
    Field(strict=True),
    AfterValidator(_bracket_rate),
    WithJsonSchema({"type": "number", "enum": list(BRACKET_RATES)}),
]

MAX_PATHS = 100_000
MAX_SEED = 2**63 - 1
_SIGNED = "above −1 and at most 1"


class _Model(BaseModel):
    """Forbid unknown fields so a typo is an error, not a silently ignored input."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def refuse_booleans(value: object) -> object:
    """Refuse JSON true/false where a number is meant (lax pydantic reads them as 1.0/0.0)."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


class Guardrails(_Model):
    """Hold the Guyton–Klinger thresholds and the size of each adjustment."""

    _numbers_only = field_validator("*", mode="before")(refuse_booleans)

    upper: Annotated[float, Field(strict=True, gt=0.0, le=1.0)] = Field(
        0.20,
        description="Capital preservation: when the withdrawal rate rises above the initial "
        "rate × (1 + upper), spending is cut. A fraction in (0, 1]; default 0.20.",
    )
    lower: Annotated[float, Field(strict=True, gt=0.0, lt=1.0)] = Field(
        0.20,
        description="Prosperity: when the withdrawal rate falls below the initial rate × "
        "(1 − lower), spending is raised. A fraction in (0, 1); default 0.20.",
    )
    adjustment: Annotated[float, Field(strict=True, gt=0.0, lt=1.0)] = Field(
        0.10,
        description="How much each cut or raise changes spending, as a fraction in (0, 1): "
        "0.10 = 10 %; default 0.10.",
    )


class Historical(_Model):
    """Restrict the historical series to a range of calendar years."""

    first_year: Annotated[int, Field(strict=True, ge=1800, le=2200)] | None = Field(
        None,
        description="The first calendar year a path may start in; null = the data's first "
        "complete year. Must lie within the historical data (a 422 says its range).",
    )
    last_year: Annotated[int, Field(strict=True, ge=1800, le=2200)] | None = Field(
        None,
        description="The last calendar year a path may use; null = the data's last complete "
        "year. Must lie within the historical data and not before `first_year`.",
    )

    @model_validator(mode="after")
    def _check_range(self) -> Historical:
        first, last = self.first_year, self.last_year
        if first is not None and last is not None and last < first:
            raise ValueError("historical.last_year must not be before first_year")
        return self


class Tax(_Model):
    """Hold the tax regime and its parameters (DESIGN §6.4)."""

    _numbers_only = field_validator("year", "state_rate", mode="before")(refuse_booleans)

    regime: TaxRegime | None = Field(
        None,
        description="`us` (federal income tax, payroll, IRMAA and a flat state rate of the law "
        "in force in `year`) or `flat` (engine 1's single `income_tax_rate`). Null = `us` when "
        "the profile's currency is USD (or unset), `flat` otherwise.",
    )
    year: Annotated[int, Field(strict=True, ge=1900, le=2200)] | None = Field(
        None,
        description="The year whose law applies (`us`); later years index it by each path's "
        "inflation. Null = the latest shipped law year not after the run year.",
    )
    state_rate: Annotated[float, Field(strict=True, ge=0.0, lt=1.0)] = Field(
        0.0,
        description="Flat state income tax on federal AGI less Social Security, a fraction in "
        "[0, 1): 0.05 = 5 %; default 0 (no state tax).",
    )


class RothConversion(_Model):
    """Convert tax_deferred to tax_free each year of an age window, up to a bracket's top."""

    _numbers_only = field_validator("*", mode="before")(refuse_booleans)

    up_to_bracket: BracketRate = Field(
        description="Convert until ordinary taxable income reaches the top of the bracket with "
        "this rate (0.10, 0.12, 0.22, 0.24, 0.32, 0.35 or 0.37)."
    )
    from_age: Age = Field(description="The first person's age in the first year of conversions.")
    to_age: Age = Field(description="The first person's age in the last year, inclusive.")

    @model_validator(mode="after")
    def _check_window(self) -> RothConversion:
        if self.to_age < self.from_age:
            raise ValueError("roth_conversion.to_age must not be below from_age")
        return self


class Assumptions(_Model):
    """Hold every assumption with its documented default (docs/ENGINE.md)."""

    _numbers_only = field_validator("*", mode="before")(refuse_booleans)

    mode: Mode = Field(
        "monte_carlo",
        description="How returns are drawn: `monte_carlo` (random paths), `deterministic` (one "
        "path at the Monte Carlo model's median rates: the stated means at zero volatility) or "
        "`historical` (one path per start year of the data). Default `monte_carlo`.",
    )
    # Strict: `true` is not a path count or a seed.
    paths: Annotated[int, Field(strict=True, ge=1, le=MAX_PATHS)] = Field(
        10_000,
        description=f"Monte Carlo paths, 1–{MAX_PATHS:,}; default 10,000 (ignored by the other "
        "modes).",
    )
    seed: Annotated[int, Field(strict=True, ge=0, le=MAX_SEED)] | None = Field(
        None,
        description="Monte Carlo seed, 0–2^63−1, for reproducible paths; null = derived from the "
        "projection's id.",
    )
    inflation: SignedRate = Field(
        0.03,
        description=f"Mean annual inflation as a fraction {_SIGNED}: 0.03 = 3 %; default 0.03.",
    )
    inflation_vol: Annotated[float, Field(strict=True, ge=0.0, le=1.0)] = Field(
        0.04, description="Standard deviation of annual inflation, a fraction 0–1; default 0.04."
    )
    stock_return: SignedRate = Field(
        0.10,
        description=f"Mean annual nominal stock return as a fraction {_SIGNED}: 0.10 = 10 %; "
        "default 0.10.",
    )
    stock_vol: Annotated[float, Field(strict=True, ge=0.0, le=2.0)] = Field(
        0.18, description="Volatility of annual stock returns, a fraction 0–2; default 0.18."
    )
    bond_return: SignedRate = Field(
        0.045,
        description=f"Mean annual nominal bond return as a fraction {_SIGNED}: 0.045 = 4.5 %; "
        "default 0.045.",
    )
    bond_vol: Annotated[float, Field(strict=True, ge=0.0, le=2.0)] = Field(
        0.06, description="Volatility of annual bond returns, a fraction 0–2; default 0.06."
    )
    stock_bond_corr: Annotated[float, Field(strict=True, ge=-1.0, le=1.0)] = Field(
        0.1, description="Correlation of annual stock and bond returns, −1–1; default 0.1."
    )
    income_tax_rate: Annotated[float, Field(strict=True, ge=0.0, lt=1.0)] = Field(
        0.20,
        description="Flat tax on taxable income and tax-deferred withdrawals, a fraction in "
        "[0, 1): 0.20 = 20 %; default 0.20.",
    )
    withdrawal_strategy: Strategy = Field(
        "needs",
        description="How much is spent each retirement year (DESIGN §6.3): `needs` (every "
        "stated expense), `guardrails` (Guyton–Klinger on discretionary expenses only), `vpw` "
        "(the PMT of the portfolio over the remaining years at `vpw_real_return`), "
        "`floor_ceiling` (`withdrawal_rate` × portfolio between `floor` and `ceiling` × the "
        "first year's draw), `rmd_based` (portfolio ÷ the IRS Uniform Lifetime period of the "
        "older person) — these three set the draw, spending is the draw plus net income, never "
        "below the essential expenses — or the research modes `fixed_real` (the 4 % rule) and "
        "`fixed_percentage` (a share of the portfolio), which ignore the stated expenses. "
        "Default `needs`.",
    )
    withdrawal_rate: Annotated[float, Field(strict=True, gt=0.0, le=1.0)] = Field(
        0.04,
        description="Initial withdrawal rate of the rate strategies, a fraction in (0, 1]: "
        "0.04 = 4 % of the portfolio at retirement; default 0.04.",
    )
    vpw_real_return: Annotated[float, Field(strict=True, ge=0.0, le=0.2)] = Field(
        0.04,
        description="`vpw`: the real return the PMT of the portfolio assumes, a fraction 0–0.2: "
        "0.04 = 4 %; default 0.04 (Bogleheads VPW's balanced-portfolio rate).",
    )
    floor: Annotated[float, Field(strict=True, gt=0.0, le=1.0)] = Field(
        0.90,
        description="`floor_ceiling`: the lowest draw as a fraction of the first year's draw "
        "(in today's money), in (0, 1]; default 0.90 (Bengen's floor: 10 % below).",
    )
    ceiling: Annotated[float, Field(strict=True, ge=1.0, le=10.0)] = Field(
        1.25,
        description="`floor_ceiling`: the highest draw as a multiple of the first year's draw "
        "(in today's money), 1–10; default 1.25 (Bengen's ceiling: 25 % above).",
    )
    guardrails: Guardrails = Field(
        Guardrails(), description="The `guardrails` strategy's thresholds."
    )
    historical: Historical = Field(
        Historical(), description="The range of calendar years `historical` mode draws from."
    )
    tax: Tax = Field(Tax(), description="The tax regime and its parameters.")
    dividend_yield: Annotated[float, Field(strict=True, ge=0.0, le=0.2)] = Field(
        0.02,
        description="Share of the stock return paid as qualified dividends each year (taxed "
        "yearly in taxable accounts under `us`), a fraction 0–0.2; default 0.02.",
    )
    withdrawal_order: WithdrawalOrder = Field(
        "conventional",
        description="Which accounts fund a draw (after RMDs): `conventional` (cash, taxable, "
        "tax_deferred, tax_free), `proportional` (pro rata across liquid accounts) or "
        "`bracket_fill` (tax_deferred up to the top of `fill_bracket`, then taxable, then "
        "tax_deferred, then tax_free). Default `conventional`.",
    )
    fill_bracket: BracketRate = Field(
        0.12,
        description="`bracket_fill`: the rate of the bracket whose top tax_deferred draws fill "
        "first; default 0.12.",
    )
    roth_conversion: RothConversion | None = Field(
        None, description="Yearly Roth conversions in an age window; null = none."
    )
    return_model: ReturnModel = Field(
        "lognormal",
        description="Monte Carlo draws: `lognormal` (arithmetic means and vols as stated), "
        "`student_t` (fat tails, same means and vols) or `bootstrap` (blocks of whole "
        "historical years). Default `lognormal`.",
    )
    t_df: Annotated[float, Field(strict=True, gt=2.0, le=1000.0)] = Field(
        5.0, description="`student_t`: degrees of freedom, above 2; default 5."
    )
    block_years: Annotated[int, Field(strict=True, ge=1, le=50)] = Field(
        5, description="`bootstrap`: the length of each block of historical years; default 5."
    )
    longevity: Longevity = Field(
        "fixed",
        description="How long each person lives: `fixed` (until their `life_expectancy`) or "
        "`stochastic` (each path draws each person's year of death from the SSA period life "
        "table for their sex, given they are alive today). Default `fixed`.",
    )
    selling_cost: Annotated[float, Field(strict=True, ge=0.0, lt=1.0)] = Field(
        0.06,
        description="Share of a sold home's value lost to selling costs, a fraction in [0, 1): "
        "0.06 = 6 %; default 0.06.",
    )
