// Projections: the assumptions form, a run with a progress state, the results (fan chart,
// success rate, depletion ages) and the solvers.

import { ASSUMPTION_FIELDS, loadAssumptionDefaults } from "./assumptions.js";
import { barChart, fanChart } from "./charts.js";
import { announce, h, money, percent, Progress, replace } from "./dom.js";
import { describeError, Form } from "./forms.js";

export class PlanView {
  constructor(ctx, root) {
    this.ctx = ctx;
    this.defaults = {};
    this.result = null;
    this.picker = h("select", { id: "projection-select", onchange: () => this.select(this.picker.value) });
    this.form = new Form({
      id: "projection-form",
      fields: ASSUMPTION_FIELDS,
      submitLabel: "Create projection",
      moreLabel: "More assumptions",
      onSubmit: () => this.save(),
    });
    this.defaultsNote = h("p", { class: "hint" });
    this.deleteButton = h("button", { type: "button", class: "danger", text: "Delete projection", onclick: () => this.remove() });
    this.form.actions.append(this.deleteButton);
    this.runButton = h("button", { type: "button", class: "primary", id: "run-button", text: "Run projection", onclick: () => this.run() });
    this.progress = new Progress("Running the projection");
    this.basis = "portfolio_real";
    this.results = h("div", { class: "results", id: "results", "aria-busy": "false" });
    this.solveProgress = new Progress("Solving");
    this.solveOutput = h("div", { class: "solve-output", role: "status" });
    this.solveForm = new Form({
      id: "solve-form",
      fields: [
        { name: "success_rate", label: "Target success rate (0–1)", type: "float", default: "0.9", hint: "0.9 = at least 90% of paths last the whole plan." },
        { name: "scenario_id", label: "For", type: "select", options: [["", "The projection as it is"]] },
      ],
      submitLabel: "Earliest retirement age",
      onSubmit: (_form, submitter) => this.solve(submitter?.value || "retirement_age"),
    });
    this.solveForm.submitButton.value = "retirement_age";
    this.solveForm.actions.append(h("button", { type: "submit", class: "primary", value: "annual_spending", text: "Highest yearly spending" }));
    this.solveForm.reset();
    root.append(
      h(
        "section",
        { class: "card", "aria-labelledby": "projection-title" },
        h("h2", { id: "projection-title", text: "Assumptions" }),
        h("div", { class: "field picker" }, h("label", { for: "projection-select", text: "Projection" }), this.picker),
        this.defaultsNote,
        this.form.el,
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "results-title" },
        h("h2", { id: "results-title", text: "Results" }),
        h("p", { class: "muted", text: "A run uses your profile and ledger as they are now." }),
        h("div", { class: "actions" }, this.runButton),
        this.progress.el,
        this.results,
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "solve-title" },
        h("h2", { id: "solve-title", text: "Solve" }),
        h("p", { class: "muted", text: "Find the earliest retirement age, or the most you can spend each year (in today's money), that reaches a success rate." }),
        this.solveForm.el,
        this.solveProgress.el,
        this.solveOutput,
      ),
    );
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => this.result && this.renderCharts(), 200);
    });
  }

  get projection() {
    return this.ctx.state.projection;
  }

  async load() {
    if (!Object.keys(this.defaults).length) {
      try {
        this.defaults = await loadAssumptionDefaults(this.ctx.api);
        this.defaultsNote.textContent = "New projections start from the documented defaults.";
      } catch {
        this.defaultsNote.textContent = "Defaults could not be loaded; empty fields take the API's defaults.";
      }
    }
    const projections = await this.ctx.api.all("/projections");
    this.ctx.state.projections = projections;
    const current = projections.find((p) => p.id === this.projection?.id) || projections[0] || null;
    this.fillPicker();
    await this.select(current ? current.id : "new");
  }

  fillPicker() {
    replace(
      this.picker,
      this.ctx.state.projections.map((p) => h("option", { value: p.id, text: p.name })),
      h("option", { value: "new", text: "New projection…" }),
    );
  }

  async select(id) {
    const previous = this.projection?.id;
    this.ctx.state.projection = this.ctx.state.projections.find((p) => p.id === id) || null;
    this.picker.value = this.projection ? this.projection.id : "new";
    this.form.clearErrors();
    if (this.projection) {
      this.form.fill(this.projection);
      this.form.submitButton.textContent = "Save assumptions";
    } else {
      this.form.fill({ name: "My plan", assumptions: this.defaults });
      this.form.submitButton.textContent = "Create projection";
    }
    this.deleteButton.hidden = !this.projection;
    this.runButton.disabled = !this.projection;
    if (this.projection?.id !== previous) {
      this.result = null;
      replace(this.results, h("p", { class: "empty", text: this.projection ? "Not run yet: press “Run projection”." : "Create a projection first." }));
      this.solveOutput.replaceChildren();
    }
    await this.loadScenarioChoices();
  }

  async loadScenarioChoices() {
    const select = this.solveForm.input("scenario_id");
    const scenarios = this.projection ? await this.ctx.api.all(`/projections/${this.projection.id}/scenarios`) : [];
    this.ctx.state.scenarios = scenarios;
    replace(
      select,
      h("option", { value: "", text: "The projection as it is" }),
      scenarios.map((s) => h("option", { value: s.id, text: `Scenario: ${s.name}` })),
    );
  }

  async save() {
    const body = this.form.read();
    const api = this.ctx.api;
    let saved;
    if (this.projection) {
      saved = (await api.send("PATCH", `/projections/${this.projection.id}`, { body })).data;
      announce(`Saved projection “${saved.name}”.`, "success");
    } else {
      saved = (await api.send("POST", "/projections", { body })).data;
      announce(`Created projection “${saved.name}”. Press “Run projection” to see the results.`, "success");
    }
    const others = this.ctx.state.projections.filter((p) => p.id !== saved.id);
    this.ctx.state.projections = [saved, ...others];
    this.fillPicker();
    await this.select(saved.id);
  }

  async remove() {
    const projection = this.projection;
    if (!projection || !(await this.ctx.confirm(`Delete projection “${projection.name}” with its scenarios and runs?`))) return;
    try {
      await this.ctx.api.send("DELETE", `/projections/${projection.id}`);
      announce(`Deleted projection “${projection.name}”.`, "success");
      this.ctx.state.projection = null;
      await this.load();
    } catch (err) {
      announce(describeError(err), "error");
    }
  }

  async run() {
    const projection = this.projection;
    if (!projection) return;
    this.runButton.disabled = true;
    this.results.setAttribute("aria-busy", "true");
    const paths = projection.assumptions.mode === "monte_carlo" ? `${projection.assumptions.paths.toLocaleString()} paths` : projection.assumptions.mode;
    this.progress.start(`Running “${projection.name}” (${paths})…`);
    try {
      const { data } = await this.ctx.api.send("POST", `/projections/${projection.id}/run`, { body: {} });
      this.result = data;
      this.renderResults();
      announce(`Run finished: success rate ${percent(data.success_rate)}.`, "success");
    } catch (err) {
      replace(this.results, runError(err));
      announce("The run failed; see the results panel.", "error");
    } finally {
      this.progress.stop();
      this.runButton.disabled = false;
      this.results.setAttribute("aria-busy", "false");
    }
  }

  renderResults() {
    const r = this.result;
    const switcher = h(
      "fieldset",
      { class: "switch" },
      h("legend", { text: "Show amounts in" }),
      [
        ["portfolio_real", "Today's money"],
        ["portfolio", "Nominal (future) money"],
      ].map(([value, label]) =>
        h(
          "label",
          {},
          h("input", {
            type: "radio",
            name: "basis",
            value,
            checked: this.basis === value,
            onchange: () => {
              this.basis = value;
              this.renderCharts();
            },
          }),
          ` ${label}`,
        ),
      ),
    );
    this.fan = h("figure", { class: "chart-box", id: "fan-chart" });
    this.depletion = h("figure", { class: "chart-box", id: "depletion-chart" });
    this.table = h("details", { class: "data-table" });
    replace(
      this.results,
      successRate(r),
      h("p", { class: "muted small", text: r.cached ? "Reused the stored result of identical inputs." : `Computed just now (engine ${r.engine_version}).` }),
      switcher,
      h("h3", { text: "Portfolio by age" }),
      this.fan,
      this.table,
      h("h3", { text: "When the money runs out" }),
      this.depletion,
    );
    this.renderCharts();
  }

  renderCharts() {
    const r = this.result;
    if (!r || !this.fan) return;
    const retire = this.ctx.state.profile?.retirement_age;
    const last = r.years.at(-1);
    const atRetire = r.years.find((y) => y.age === retire);
    const basisName = this.basis === "portfolio" ? "nominal money" : "today's money";
    fanChart(this.fan, {
      years: r.years,
      basis: this.basis,
      retirementAge: retire,
      title: `Portfolio by age, ${basisName}`,
      desc: `Median ${atRetire ? `${money(atRetire[this.basis].p50)} at retirement (age ${retire}), ` : ""}${money(last[this.basis].p50)} at age ${last.age}; 10th percentile ${money(last[this.basis].p10)}, 90th percentile ${money(last[this.basis].p90)}.`,
    });
    this.fan.append(h("figcaption", { text: `Portfolio at the start of each year, ${basisName}. Bands: the middle 50% and 80% of simulated paths.` }));
    replace(
      this.table,
      h("summary", { text: "Show the figures as a table" }),
      h(
        "div",
        { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Portfolio by age" },
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, ["Age", "10th", "25th", "Median", "75th", "90th"].map((t) => h("th", { scope: "col", class: t === "Age" ? "" : "num", text: t })))),
          h(
            "tbody",
            {},
            r.years.map((y) =>
              h("tr", {}, h("th", { scope: "row", text: y.age }), ["p10", "p25", "p50", "p75", "p90"].map((p) => h("td", { class: "num", text: money(y[this.basis][p]) }))),
            ),
          ),
        ),
      ),
    );
    const entries = Object.entries(r.depletion_ages || {})
      .map(([age, share]) => [Number(age), share])
      .filter(([, share]) => share > 0)
      .sort((a, b) => a[0] - b[0]);
    if (!entries.length) {
      replace(this.depletion, h("p", { class: "empty", text: `In no simulated path did the money run out before age ${last.age}.` }));
    } else {
      barChart(this.depletion, {
        entries,
        title: "Age when the money runs out",
        desc: entries.map(([age, share]) => `age ${age}: ${percent(share)}`).join(", "),
      });
      this.depletion.append(h("figcaption", { text: "Share of all paths that first run out of money at each age." }));
    }
  }

  async solve(target) {
    const projection = this.projection;
    if (!projection) {
      replace(this.solveOutput, h("p", { text: "Create a projection first." }));
      return;
    }
    const body = { target, ...this.solveForm.read() };
    if (!body.scenario_id) delete body.scenario_id;
    this.solveOutput.replaceChildren();
    this.solveProgress.start(target === "retirement_age" ? "Searching for the earliest retirement age…" : "Searching for the highest yearly spending…");
    try {
      const { data } = await this.ctx.api.send("POST", `/projections/${projection.id}/solve`, { body });
      replace(this.solveOutput, solveAnswer(data));
      announce(this.solveOutput.textContent);
    } finally {
      this.solveProgress.stop();
    }
  }
}

function successRate(r) {
  const lasts = r.success_rate >= 1;
  const detail =
    r.paths === 1
      ? lasts
        ? "The money lasts the whole plan with these fixed returns."
        : "With these fixed returns the money runs out before the plan ends."
      : `of ${r.paths.toLocaleString()} simulated paths never run out of money.`;
  return h(
    "div",
    { class: `success ${r.success_rate >= 0.85 ? "good" : r.success_rate >= 0.6 ? "fair" : "poor"}`, id: "success-rate" },
    h("span", { class: "success-label", text: "Success rate" }),
    h("span", { class: "success-value", text: percent(r.success_rate) }),
    h("span", { class: "success-detail", text: detail }),
  );
}

function runError(err) {
  const errors = err.errors || [];
  const profile = errors.some((e) => String(e.field).startsWith("profile."));
  return h(
    "div",
    { class: "form-errors", role: "alert" },
    h("p", { text: profile ? err.message : describeError(err) }),
    profile ? h("p", {}, h("a", { href: "#profile", text: "Complete your profile" }), " and run again.") : null,
  );
}

function solveAnswer(data) {
  if (data.value === null) {
    return h("p", { text: data.target === "retirement_age" ? `No retirement age reaches ${percent(data.success_rate, 0)}.` : `No yearly spending reaches ${percent(data.success_rate, 0)}.` });
  }
  const value = data.target === "retirement_age" ? `age ${data.value}` : `${money(data.value)} a year (today's money)`;
  const what = data.target === "retirement_age" ? "Earliest retirement" : "Highest spending";
  return h(
    "p",
    {},
    h("strong", { text: `${what}: ${value}` }),
    ` — success rate ${percent(data.achieved_success_rate)} (target ${percent(data.success_rate, 0)}, ${data.evaluations} evaluations).`,
  );
}

