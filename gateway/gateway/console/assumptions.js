// The projection's assumptions: the form's fields and the documented defaults. Every rate is
// typed as a percentage (the form converts; the API keeps fractions). Each field says in one
// line what it does; the API's OpenAPI descriptions are the source (services/projections models).

const MODES = [
  ["monte_carlo", "Monte Carlo"],
  ["deterministic", "Deterministic"],
  ["historical", "Historical"],
];
const STRATEGIES = [
  ["needs", "Needs (my expenses)"],
  ["guardrails", "Guardrails"],
  ["vpw", "VPW"],
  ["floor_ceiling", "Floor and ceiling"],
  ["rmd_based", "RMD-based"],
  ["fixed_real", "Fixed real (4 % rule)"],
  ["fixed_percentage", "Fixed percentage"],
];
const RATE_STRATEGIES = ["fixed_real", "fixed_percentage", "guardrails", "floor_ceiling"];
const BRACKETS = ["0.1", "0.12", "0.22", "0.24", "0.32", "0.35", "0.37"];
const bracketOptions = BRACKETS.map((b) => [b, `${Math.round(Number(b) * 100)} % bracket`]);
const A = "assumptions.";
const when = (field, values) => ({ field: `${A}${field}`, in: values });

export const ASSUMPTION_FIELDS = [
  { name: "name", label: "Projection name", type: "text", default: "My plan" },
  { name: `${A}mode`, label: "Mode", type: "select", options: MODES, hint: "Monte Carlo: random markets; deterministic: fixed returns; historical: past market years." },
  { name: `${A}paths`, label: "Paths", type: "int", when: when("mode", ["monte_carlo"]), hint: "Monte Carlo simulations, 1–100,000. Fewer run faster." },
  { name: `${A}longevity`, label: "Lifespans", type: "select", options: [["fixed", "Fixed"], ["stochastic", "Stochastic"]], hint: "Fixed: each person lives to their plan-until age. Stochastic: death years drawn from the SSA life table for their sex." },

  { section: "Spending", name: `${A}withdrawal_strategy`, label: "Spending strategy", type: "select", options: STRATEGIES, hint: "How much is spent each retirement year. Guardrails (Guyton–Klinger), VPW (variable percentage), floor/ceiling and RMD-based flex; only discretionary expenses are ever cut." },
  { name: `${A}withdrawal_rate`, label: "Withdrawal rate", type: "percent", when: when("withdrawal_strategy", RATE_STRATEGIES), hint: "4 = 4 % of the portfolio at retirement." },
  { name: `${A}vpw_real_return`, label: "VPW real return", type: "percent", when: when("withdrawal_strategy", ["vpw"]), hint: "The real return the draw assumes, 0–20; 4 = 4 %." },
  { name: `${A}floor`, label: "Floor", type: "percent", when: when("withdrawal_strategy", ["floor_ceiling"]), hint: "Lowest draw, as a % of the first year's: 90 = at most 10 % less." },
  { name: `${A}ceiling`, label: "Ceiling", type: "percent", when: when("withdrawal_strategy", ["floor_ceiling"]), hint: "Highest draw, as a % of the first year's: 125 = at most 25 % more." },
  { name: `${A}guardrails.upper`, label: "Cut above", type: "percent", when: when("withdrawal_strategy", ["guardrails"]), hint: "Spending is cut when the withdrawal rate rises this % above the initial one." },
  { name: `${A}guardrails.lower`, label: "Raise below", type: "percent", when: when("withdrawal_strategy", ["guardrails"]), hint: "Spending is raised when the rate falls this % below the initial one." },
  { name: `${A}guardrails.adjustment`, label: "Step of a change", type: "percent", when: when("withdrawal_strategy", ["guardrails"]), hint: "10 = each cut or raise changes spending by 10 %." },

  { section: "Taxes and withdrawals", name: `${A}tax.regime`, label: "Tax regime", type: "select", nullable: true, sendNull: true, options: [["", "Automatic"], ["us", "US"], ["flat", "Flat rate"]], hint: "US: federal income tax, payroll, IRMAA and a state rate. Flat: one average rate. Automatic: US when the currency is USD." },
  { name: `${A}tax.state_rate`, label: "State income tax", type: "percent", when: when("tax.regime", ["", "us"]), hint: "A flat rate on federal AGI less Social Security; 5 = 5 %. 0: none." },
  { name: `${A}tax.year`, label: "Tax law year", type: "int", placeholder: "latest", nullable: true, sendNull: true, when: when("tax.regime", ["", "us"]), hint: "Empty: the latest law shipped; later years follow inflation." },
  { name: `${A}income_tax_rate`, label: "Flat income tax rate", type: "percent", when: when("tax.regime", ["", "flat"]), hint: "The flat regime's average rate on taxable income; 20 = 20 %." },
  { name: `${A}withdrawal_order`, label: "Withdrawal order", type: "select", options: [["conventional", "Conventional"], ["proportional", "Proportional"], ["bracket_fill", "Fill a bracket"]], hint: "Which accounts pay after RMDs. Conventional: cash, taxable, tax-deferred, Roth; proportional: pro rata; fill a bracket: tax-deferred first up to a bracket." },
  { name: `${A}fill_bracket`, label: "Bracket to fill", type: "select", numeric: true, options: bracketOptions, when: when("withdrawal_order", ["bracket_fill"]), hint: "Tax-deferred draws fill up to the top of this bracket first." },
  { name: `${A}roth_conversion.up_to_bracket`, label: "Roth conversions", type: "select", numeric: true, options: [["", "None"], ...bracketOptions.map(([v, l]) => [v, `Up to ${l}`])], group: `${A}roth_conversion`, groupKey: true, hint: "Each year of the window, convert tax-deferred to Roth up to this bracket; the tax is paid from cash or taxable." },
  { name: `${A}roth_conversion.from_age`, label: "Convert from age", type: "int", group: `${A}roth_conversion`, when: when("roth_conversion.up_to_bracket", BRACKETS), hint: "Your age in the first year of conversions." },
  { name: `${A}roth_conversion.to_age`, label: "Convert until age", type: "int", group: `${A}roth_conversion`, when: when("roth_conversion.up_to_bracket", BRACKETS), hint: "Your age in the last year, inclusive." },

  { section: "Markets", name: `${A}inflation`, label: "Inflation", type: "percent", hint: "Yearly mean; 3 = 3 %." },
  { name: `${A}stock_return`, label: "Stock return", type: "percent", hint: "Yearly mean, nominal; 10 = 10 %." },
  { name: `${A}bond_return`, label: "Bond return", type: "percent", hint: "Yearly mean, nominal; 4.5 = 4.5 %." },

  { name: `${A}return_model`, label: "Return model", type: "select", advanced: true, options: [["lognormal", "Lognormal"], ["student_t", "Student t (fat tails)"], ["bootstrap", "Bootstrap of historical years"]], hint: "How Monte Carlo draws each year's returns." },
  { name: `${A}t_df`, label: "Degrees of freedom", type: "float", advanced: true, when: when("return_model", ["student_t"]), hint: "Above 2; lower means fatter tails. Default 5." },
  { name: `${A}block_years`, label: "Block length (years)", type: "int", advanced: true, when: when("return_model", ["bootstrap"]), hint: "Consecutive historical years drawn together. Default 5." },
  { name: `${A}seed`, label: "Random seed", type: "int", nullable: true, sendNull: true, advanced: true, hint: "Empty: one derived from the projection, so re-runs match." },
  { name: `${A}stock_vol`, label: "Stock volatility", type: "percent", advanced: true, hint: "Standard deviation of yearly stock returns; 18 = 18 %." },
  { name: `${A}bond_vol`, label: "Bond volatility", type: "percent", advanced: true, hint: "Standard deviation of yearly bond returns." },
  { name: `${A}inflation_vol`, label: "Inflation volatility", type: "percent", advanced: true, hint: "Standard deviation of yearly inflation." },
  { name: `${A}stock_bond_corr`, label: "Stock–bond correlation", type: "float", advanced: true, hint: "−1 to 1 (a correlation, not a percentage)." },
  { name: `${A}dividend_yield`, label: "Dividend yield", type: "percent", advanced: true, hint: "Share of the stock return paid as dividends, taxed yearly in taxable accounts (US)." },
  { name: `${A}selling_cost`, label: "Home selling cost", type: "percent", advanced: true, hint: "Lost when real estate is sold at its sell age; 6 = 6 %." },
  { name: `${A}historical.first_year`, label: "Historical: first year", type: "int", nullable: true, sendNull: true, advanced: true, when: when("mode", ["historical"]), hint: "Empty: the first year of the data." },
  { name: `${A}historical.last_year`, label: "Historical: last year", type: "int", nullable: true, sendNull: true, advanced: true, when: when("mode", ["historical"]), hint: "Empty: the last complete year." },
];

// The documented defaults, read from the OpenAPI document (the schema of POST /projections).
export async function loadAssumptionDefaults(api) {
  const doc = (await api.send("GET", "/openapi.json", { auth: false })).data;
  const deref = (schema) => {
    let out = schema;
    for (let i = 0; out && out.$ref && i < 10; i += 1) {
      out = out.$ref.replace(/^#\//, "").split("/").reduce((node, key) => node?.[key], doc);
    }
    return out || {};
  };
  const collect = (schema) => {
    const target = deref(schema);
    const values = {};
    for (const [key, prop] of Object.entries(target.properties || {})) {
      const resolved = deref(prop);
      if ("default" in prop) values[key] = prop.default;
      else if ("default" in resolved) values[key] = resolved.default;
      else if (resolved.properties) values[key] = collect(resolved);
    }
    return values;
  };
  const body = doc.paths?.["/api/v1/projections"]?.post?.requestBody?.content?.["application/json"]?.schema;
  const assumptions = deref(body).properties?.assumptions;
  if (!assumptions) return {};
  const spelled = assumptions.default ?? deref(assumptions).default;
  return { ...collect(assumptions), ...(spelled && typeof spelled === "object" ? spelled : {}) };
}
