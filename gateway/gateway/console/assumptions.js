// The projection's assumptions: the form's fields and the documented defaults.

const MODES = [
  ["monte_carlo", "Monte Carlo"],
  ["deterministic", "Deterministic"],
  ["historical", "Historical"],
];
const STRATEGIES = [
  ["needs", "Needs (my expenses)"],
  ["fixed_real", "Fixed real (4% rule)"],
  ["fixed_percentage", "Fixed percentage"],
  ["guardrails", "Guardrails"],
];
const A = "assumptions.";

export const ASSUMPTION_FIELDS = [
  { name: "name", label: "Projection name", type: "text", default: "My plan" },
  { name: `${A}mode`, label: "Mode", type: "select", options: MODES, hint: "Monte Carlo: random markets; deterministic: fixed returns; historical: past market years." },
  { name: `${A}paths`, label: "Paths", type: "int", hint: "Monte Carlo simulations, 1–100,000. Fewer run faster." },
  { name: `${A}withdrawal_strategy`, label: "Withdrawal strategy", type: "select", options: STRATEGIES, hint: "How much is taken out each year in retirement." },
  { name: `${A}withdrawal_rate`, label: "Withdrawal rate (0–1)", type: "float", hint: "For the fixed and guardrails strategies; 0.04 = 4%." },
  { name: `${A}income_tax_rate`, label: "Income tax rate (0–1)", type: "float", hint: "A flat average rate." },
  { name: `${A}inflation`, label: "Inflation (yearly)", type: "float" },
  { name: `${A}stock_return`, label: "Stock return (yearly mean)", type: "float" },
  { name: `${A}bond_return`, label: "Bond return (yearly mean)", type: "float" },
  { name: `${A}seed`, label: "Random seed", type: "int", nullable: true, sendNull: true, advanced: true, hint: "Empty: one derived from the projection, so re-runs match." },
  { name: `${A}stock_vol`, label: "Stock volatility", type: "float", advanced: true },
  { name: `${A}bond_vol`, label: "Bond volatility", type: "float", advanced: true },
  { name: `${A}inflation_vol`, label: "Inflation volatility", type: "float", advanced: true },
  { name: `${A}stock_bond_corr`, label: "Stock–bond correlation", type: "float", advanced: true },
  { name: `${A}guardrails.upper`, label: "Guardrails: upper", type: "float", advanced: true },
  { name: `${A}guardrails.lower`, label: "Guardrails: lower", type: "float", advanced: true },
  { name: `${A}guardrails.adjustment`, label: "Guardrails: adjustment", type: "float", advanced: true },
  { name: `${A}historical.first_year`, label: "Historical: first year", type: "int", nullable: true, sendNull: true, advanced: true, hint: "Empty: the first year of the data." },
  { name: `${A}historical.last_year`, label: "Historical: last year", type: "int", nullable: true, sendNull: true, advanced: true, hint: "Empty: the last complete year." },
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
