// Scenarios: what-if overrides of a projection, and their comparison with the baseline.

import { lineChart } from "./charts.js";
import { announce, h, money, moneyExact, percent, Progress, replace, signed } from "./dom.js";
import { describeError, Form } from "./forms.js";

const O = "overrides.";
const SCENARIO_FIELDS = [
  { name: "name", label: "Scenario name", type: "text", placeholder: "e.g. Retire at 60" },
  { name: `${O}retirement_age`, label: "Retirement age", type: "int", hint: "Empty: your profile's." },
  { name: `${O}life_expectancy`, label: "Plan until age", type: "int", hint: "Empty: your profile's." },
  { name: `${O}expense_scale`, label: "Expense scale", type: "float", hint: "1 = as in the ledger; 0.9 = spend 10% less. Empty: 1." },
  { name: `${O}income_scale`, label: "Income scale", type: "float", hint: "1 = as in the ledger. Empty: 1." },
  { name: `${O}assumptions.stock_return`, label: "Stock return (yearly mean)", type: "float", advanced: true, hint: "Empty: the projection's." },
  { name: `${O}assumptions.inflation`, label: "Inflation (yearly)", type: "float", advanced: true, hint: "Empty: the projection's." },
  { name: `${O}assumptions.withdrawal_rate`, label: "Withdrawal rate (0–1)", type: "float", advanced: true, hint: "Empty: the projection's." },
];

function describeOverrides(o) {
  const parts = [];
  if (o.retirement_age !== null) parts.push(`retire at ${o.retirement_age}`);
  if (o.life_expectancy !== null) parts.push(`plan to ${o.life_expectancy}`);
  if (o.expense_scale !== 1) parts.push(`expenses × ${o.expense_scale}`);
  if (o.income_scale !== 1) parts.push(`incomes × ${o.income_scale}`);
  for (const [key, value] of Object.entries(o.assumptions || {})) parts.push(`${key.replaceAll("_", " ")} ${JSON.stringify(value)}`);
  if (o.extra_incomes?.length) parts.push(`${o.extra_incomes.length} extra income(s)`);
  if (o.extra_expenses?.length) parts.push(`${o.extra_expenses.length} extra expense(s)`);
  return parts.join(", ") || "no changes";
}

const METRICS = [
  ["success_rate", "Success rate", (v) => percent(v), (d) => signed(`${(d * 100).toFixed(1)} pp`, d)],
  ["median_portfolio_at_retirement", "Median at retirement (nominal)", money, (d) => signed(money(d), d)],
  ["median_portfolio_at_end", "Median at the end (nominal)", money, (d) => signed(money(d), d)],
  ["median_depletion_age", "Median age money runs out", (v) => (v === null ? "never" : String(v)), (d) => signed(`${d} years`, d)],
];

export class ScenariosView {
  constructor(ctx, root) {
    this.ctx = ctx;
    this.heading = h("p", { class: "lead" });
    this.list = h("div", { class: "table-wrap", role: "region", "aria-label": "Scenarios table", tabindex: "0" });
    this.form = new Form({
      id: "scenario-form",
      fields: SCENARIO_FIELDS,
      submitLabel: "Add scenario",
      legend: "Add a scenario",
      moreLabel: "Different assumptions",
      onSubmit: () => this.create(),
    });
    this.compareButton = h("button", { type: "button", class: "primary", id: "compare-button", text: "Compare with the baseline", onclick: () => this.compare() });
    this.progress = new Progress("Comparing");
    this.output = h("div", { class: "comparison", id: "comparison", "aria-busy": "false" });
    this.body = h(
      "div",
      {},
      h("section", { class: "card", "aria-labelledby": "scenario-list-title" }, h("h2", { id: "scenario-list-title", text: "What-if scenarios" }), this.list, this.form.el),
      h(
        "section",
        { class: "card", "aria-labelledby": "compare-title" },
        h("h2", { id: "compare-title", text: "Comparison" }),
        h("p", { class: "muted", text: "Runs the baseline and every scenario on the same simulated markets, so the differences are not noise." }),
        h("div", { class: "actions" }, this.compareButton),
        this.progress.el,
        this.output,
      ),
    );
    this.empty = h("p", { class: "empty" }, "Scenarios change a projection. ", h("a", { href: "#plan", text: "Create a projection first" }), ".");
    root.append(this.heading, this.body, this.empty);
    this.form.reset();
  }

  get projection() {
    return this.ctx.state.projection;
  }

  async load() {
    if (!this.ctx.state.projections) {
      this.ctx.state.projections = await this.ctx.api.all("/projections");
      this.ctx.state.projection = this.ctx.state.projections[0] || null;
    }
    const projection = this.projection;
    this.body.hidden = !projection;
    this.empty.hidden = Boolean(projection);
    if (!projection) {
      this.heading.textContent = "";
      return;
    }
    this.heading.textContent = `Scenarios of the projection “${projection.name}”. Choose another projection on the Plan page.`;
    this.scenarios = await this.ctx.api.all(`/projections/${projection.id}/scenarios`);
    this.scenarios.reverse(); // oldest first, the order of the comparison
    this.ctx.state.scenarios = this.scenarios;
    if (this.output.dataset.projection !== projection.id) this.output.replaceChildren();
    this.renderList();
  }

  renderList() {
    if (!this.scenarios.length) {
      replace(this.list, h("p", { class: "empty", text: "No scenarios yet. Add one below." }));
      return;
    }
    replace(
      this.list,
      h(
        "table",
        {},
        h("caption", { class: "visually-hidden", text: "Scenarios" }),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Name" }), h("th", { scope: "col", text: "Changes" }), h("th", { scope: "col", text: "Actions" }))),
        h(
          "tbody",
          {},
          this.scenarios.map((s) =>
            h(
              "tr",
              {},
              h("th", { scope: "row", text: s.name }),
              h("td", { text: describeOverrides(s.overrides) }),
              h("td", { class: "row-actions" }, h("button", { type: "button", class: "small danger", text: "Delete", "aria-label": `Delete scenario ${s.name}`, onclick: () => this.remove(s) })),
            ),
          ),
        ),
      ),
    );
  }

  async create() {
    const body = this.form.read();
    const { data } = await this.ctx.api.send("POST", `/projections/${this.projection.id}/scenarios`, { body });
    announce(`Added scenario “${data.name}”.`, "success");
    this.form.reset();
    await this.load();
  }

  async remove(scenario) {
    if (!(await this.ctx.confirm(`Delete scenario “${scenario.name}”?`))) return;
    try {
      await this.ctx.api.send("DELETE", `/projections/${this.projection.id}/scenarios/${scenario.id}`);
      announce(`Deleted scenario “${scenario.name}”.`, "success");
      await this.load();
    } catch (err) {
      announce(describeError(err), "error");
    }
  }

  async compare() {
    const projection = this.projection;
    this.compareButton.disabled = true;
    this.output.setAttribute("aria-busy", "true");
    this.progress.start(`Comparing “${projection.name}” with ${this.scenarios.length} scenario(s)…`);
    try {
      const api = this.ctx.api;
      // One computation: the comparison carries each run's medians, so no run is fetched.
      const comparison = (await api.send("POST", `/projections/${projection.id}/compare`)).data;
      const series = comparison.runs.map((run) => ({
        name: run.scenario_id ? run.name : `${run.name} (baseline)`,
        points: run.median_portfolio_real.map((p) => [p.age, p.value]),
      }));
      this.render(comparison, series);
      this.output.dataset.projection = projection.id;
      announce("Comparison ready.", "success");
    } catch (err) {
      replace(this.output, h("div", { class: "form-errors", role: "alert" }, h("p", { text: describeError(err) })));
      announce("The comparison failed.", "error");
    } finally {
      this.progress.stop();
      this.compareButton.disabled = false;
      this.output.setAttribute("aria-busy", "false");
    }
  }

  render(comparison, series) {
    const chart = h("figure", { class: "chart-box", id: "compare-chart" });
    const table = h(
      "table",
      { id: "compare-table" },
      h("caption", { text: "Each scenario against the baseline (difference in brackets)" }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Run" }), METRICS.map(([, label]) => h("th", { scope: "col", class: "num", text: label })))),
      h(
        "tbody",
        {},
        comparison.runs.map((run) =>
          h(
            "tr",
            {},
            h("th", { scope: "row", text: run.scenario_id ? run.name : `${run.name} (baseline)` }),
            METRICS.map(([key, , show, diff]) =>
              h(
                "td",
                { class: "num" },
                show(run.summary[key]),
                run.difference ? h("span", { class: "diff", text: ` (${diff(run.difference[key])})` }) : null,
              ),
            ),
          ),
        ),
      ),
    );
    replace(this.output, h("h3", { text: "Median portfolio, today's money" }), chart, h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Comparison table" }, table));
    lineChart(chart, {
      series,
      title: "Median portfolio by age, today's money",
      desc: series.map((one) => `${one.name}: ${moneyExact(one.points.at(-1)[1])} at age ${one.points.at(-1)[0]}`).join("; "),
    });
  }
}
