// Scenarios: what-if overrides of a projection, editable, and their comparison with the
// baseline in one request (one computation), shown in one unit chosen once for chart and table.

import { lineChart } from "./charts.js";
import { announce, h, money, percent, Progress, replace, signed } from "./dom.js";
import { describeError, Form } from "./forms.js";

const O = "overrides.";
const SCENARIO_FIELDS = [
  { name: "name", label: "Scenario name", type: "text", placeholder: "e.g. Retire at 60" },
  { name: `${O}retirement_age`, label: "Retirement age", type: "int", hint: "Empty: your profile's." },
  { name: `${O}life_expectancy`, label: "Plan until age", type: "int", hint: "Empty: your profile's." },
  { name: `${O}expense_scale`, label: "Expense scale", type: "float", hint: "1 = as in the ledger; 0.9 = spend 10% less. Empty: 1." },
  { name: `${O}income_scale`, label: "Income scale", type: "float", hint: "1 = as in the ledger. Empty: 1." },
  { name: `${O}assumptions.stock_return`, label: "Stock return a year", type: "percent", advanced: true, hint: "e.g. 6.5. Empty: the projection's." },
  { name: `${O}assumptions.inflation`, label: "Inflation a year", type: "percent", advanced: true, hint: "e.g. 2.5. Empty: the projection's." },
  { name: `${O}assumptions.withdrawal_rate`, label: "Withdrawal rate", type: "percent", advanced: true, hint: "e.g. 4. Empty: the projection's." },
];
// The assumptions this form edits (typed as percentages by the form's `percent` fields).
const FORM_ASSUMPTIONS = ["stock_return", "inflation", "withdrawal_rate"];
// What an emptied field of the form means for the stored overrides.
const CLEARED = { retirement_age: null, life_expectancy: null, expense_scale: 1, income_scale: 1 };

// The form's values for a scenario.
function formValues(scenario) {
  return { name: scenario.name, overrides: { ...scenario.overrides, assumptions: { ...(scenario.overrides.assumptions || {}) } } };
}

// The overrides to store: the stored ones (records, other assumptions) with the form's fields
// applied; a field left empty goes back to "no change".
function mergedOverrides(stored, typed) {
  const overrides = { ...stored, assumptions: { ...(stored.assumptions || {}) } };
  for (const [key, cleared] of Object.entries(CLEARED)) overrides[key] = typed[key] ?? cleared;
  for (const key of FORM_ASSUMPTIONS) {
    const value = typed.assumptions?.[key];
    if (value === undefined || value === null) delete overrides.assumptions[key];
    else overrides.assumptions[key] = value;
  }
  return overrides;
}

function describeOverrides(o) {
  const parts = [];
  if (o.retirement_age !== null) parts.push(`retire at ${o.retirement_age}`);
  if (o.life_expectancy !== null) parts.push(`plan to ${o.life_expectancy}`);
  if (o.expense_scale !== 1) parts.push(`expenses × ${o.expense_scale}`);
  if (o.income_scale !== 1) parts.push(`incomes × ${o.income_scale}`);
  for (const [key, value] of Object.entries(o.assumptions || {})) {
    const shown = FORM_ASSUMPTIONS.includes(key) && typeof value === "number" ? percent(value, 2) : JSON.stringify(value);
    parts.push(`${key.replaceAll("_", " ")} ${shown}`);
  }
  if (o.extra_incomes?.length) parts.push(`${o.extra_incomes.length} extra income(s)`);
  if (o.extra_expenses?.length) parts.push(`${o.extra_expenses.length} extra expense(s)`);
  return parts.join(", ") || "no changes";
}

const UNITS = [
  ["real", "Today's money", "median_portfolio_real"],
  ["nominal", "Nominal (future) money", "median_portfolio"],
];

// When the money runs out, in words that agree with the success rate: "never" only when no
// future runs short (median_depletion_age is null as soon as fewer than half do).
export function runsOut(summary) {
  if (summary.median_depletion_age !== null) return `by ${summary.median_depletion_age} in half of futures`;
  if (summary.success_rate >= 1) return "never";
  return `in ${percent(1 - summary.success_rate)} of futures`;
}

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
      onSubmit: () => this.save(),
    });
    this.editing = null;
    this.cancelEdit = h("button", { type: "button", text: "Cancel editing", hidden: true, onclick: () => this.stopEditing() });
    this.form.actions.append(this.cancelEdit);
    this.unit = "real";
    this.comparison = null;
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
              h(
                "td",
                { class: "row-actions" },
                h("button", { type: "button", class: "small", text: "Edit", "aria-label": `Edit scenario ${s.name}`, onclick: () => this.edit(s) }),
                h("button", { type: "button", class: "small danger", text: "Delete", "aria-label": `Delete scenario ${s.name}`, onclick: () => this.remove(s) }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  edit(scenario) {
    this.editing = scenario;
    this.form.clearErrors();
    this.form.fill(formValues(scenario));
    this.form.submitButton.textContent = "Save scenario";
    if (this.form.title) this.form.title.textContent = `Edit scenario “${scenario.name}”`;
    this.cancelEdit.hidden = false;
    this.form.input("name").focus();
  }

  stopEditing() {
    this.editing = null;
    this.form.reset();
    this.form.submitButton.textContent = "Add scenario";
    if (this.form.title) this.form.title.textContent = "Add a scenario";
    this.cancelEdit.hidden = true;
  }

  async save() {
    const typed = this.form.read();
    const base = this.editing ? this.editing.overrides : { ...CLEARED, assumptions: {} };
    const body = { name: typed.name, overrides: mergedOverrides(base, typed.overrides || {}) };
    const path = `/projections/${this.projection.id}/scenarios`;
    if (this.editing) {
      const { data } = await this.ctx.api.send("PATCH", `${path}/${this.editing.id}`, { body });
      announce(`Saved scenario “${data.name}”.`, "success");
    } else {
      const { data } = await this.ctx.api.send("POST", path, { body });
      announce(`Added scenario “${data.name}”.`, "success");
    }
    this.stopEditing();
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
      this.comparison = (await api.send("POST", `/projections/${projection.id}/compare`)).data;
      await this.render();
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

  // The unit is chosen once: the chart's lines and the table's money columns use it alike.
  render() {
    const comparison = this.comparison;
    const [, unitName, field] = UNITS.find(([key]) => key === this.unit);
    const profileAge = this.ctx.state.profile?.retirement_age;
    const scenarios = new Map((this.scenarios || []).map((s) => [s.id, s]));
    const rows = comparison.runs.map((run) => {
      const points = run[field];
      const retire = scenarios.get(run.scenario_id)?.overrides.retirement_age ?? profileAge;
      return {
        run,
        name: run.scenario_id ? run.name : `${run.name} (baseline)`,
        points,
        atRetirement: points.find((p) => p.age === retire)?.value ?? null,
        atEnd: points.at(-1)?.value ?? null,
      };
    });
    const base = rows[0];
    const diffMoney = (value, baseline) => (value === null || baseline === null ? null : value - baseline);
    const moneyCell = (value, baseline, isBase) => [money(value), isBase ? null : h("span", { class: "diff", text: ` (${signed(money(diffMoney(value, baseline)), diffMoney(value, baseline))})` })];
    const switcher = h(
      "fieldset",
      { class: "switch", id: "compare-unit" },
      h("legend", { text: "Show amounts in" }),
      UNITS.map(([key, label]) =>
        h("label", {}, h("input", { type: "radio", name: "compare-unit", value: key, checked: key === this.unit, onchange: () => { this.unit = key; this.render(); } }), ` ${label}`),
      ),
    );
    const chart = h("figure", { class: "chart-box", id: "compare-chart" });
    const table = h(
      "table",
      { id: "compare-table" },
      h("caption", { text: `Each scenario against the baseline (difference in brackets), ${unitName.toLowerCase()}` }),
      h("thead", {}, h("tr", {}, ["Run", "Success rate", "Median at retirement", "Median at the end", "Money runs out"].map((t, i) => h("th", { scope: "col", class: i ? "num" : "", text: t })))),
      h(
        "tbody",
        {},
        rows.map((row, i) =>
          h(
            "tr",
            { class: i === 0 ? "baseline" : "" },
            h("th", { scope: "row", text: row.name }),
            h("td", { class: "num" }, percent(row.run.summary.success_rate), i ? h("span", { class: "diff", text: ` (${signed(`${(row.run.difference.success_rate * 100).toFixed(1)} pp`, row.run.difference.success_rate)})` }) : null),
            h("td", { class: "num" }, moneyCell(row.atRetirement, base.atRetirement, i === 0)),
            h("td", { class: "num" }, moneyCell(row.atEnd, base.atEnd, i === 0)),
            h("td", { class: "num", text: runsOut(row.run.summary) }),
          ),
        ),
      ),
    );
    // Under random lifespans the Plan page's run says where fewer than 2% are alive: the lines
    // stop there too (their late medians are over a few survivors); the table keeps the end.
    const cut = this.ctx.state.lastCut?.projection === this.projection.id ? this.ctx.state.lastCut.age : null;
    const drawn = (points) => (cut ? points.filter((p) => p.age <= cut) : points);
    replace(this.output, switcher, h("h3", { text: `Median portfolio by age, ${unitName.toLowerCase()}` }), chart, h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Comparison table" }, table));
    return lineChart(chart, {
      series: rows.map((row) => ({ name: row.name, points: drawn(row.points).map((p) => [p.age, p.value]) })),
      label: `Median portfolio by age, ${unitName.toLowerCase()}`,
      desc: rows.map((row) => `${row.name}: ${money(row.atEnd)} at age ${row.points.at(-1)?.age}`).join("; "),
      caption: `The median future of each run, ${unitName.toLowerCase()}; the table gives the same figures.${cut ? ` The lines stop at ${cut}: later, someone is alive in fewer than 2% of futures.` : ""}`,
    });
  }
}
