// Projections: the assumptions form, a run with a progress state, and the results: the success
// rate explained (failure.js), the portfolio fan chart, year-by-year cash flows (cashflow.js),
// and the decisions (decisions.js). The latest stored run is shown on return.

import { ASSUMPTION_FIELDS, loadAssumptionDefaults } from "./assumptions.js";
import { CashflowView } from "./cashflow.js";
import { fanChart, yearsToDraw } from "./charts.js";
import { DecisionsView } from "./decisions.js";
import { announce, h, money, percent, Progress, replace } from "./dom.js";
import { drawFailureCharts, drawWorstYears, failureSection, successBox } from "./failure.js";
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
    this.results_by_projection = new Map(); // shown again when coming back to a projection
    this.cashflow = new CashflowView();
    // An applied answer changes the plan: the results kept in memory no longer match it.
    this.decisions = new DecisionsView(ctx, {
      onApplied: () => {
        this.results_by_projection.clear();
        return this.loadScenarioChoices();
      },
    });
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
      ...this.decisions.el,
    );
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
    if (this.projection?.id !== previous || !this.result) {
      this.result = null;
      this.decisions.clear();
      const known = this.projection && this.results_by_projection.get(this.projection.id);
      if (known) {
        this.result = known;
        await this.renderResults();
      } else {
        replace(this.results, h("p", { class: "empty", id: "not-run", text: this.projection ? "Not run yet: press “Run projection”." : "Create a projection first." }));
        if (this.projection) await this.showStoredRun();
      }
    }
    await this.loadScenarioChoices();
  }

  // Coming back (a new session): the dashboard names the user's latest run; when it is of this
  // projection, ask for the baseline's run, which the service answers from its store (a read:
  // no computation, no limit) while the inputs are unchanged.
  async showStoredRun() {
    const projection = this.projection;
    let latest = null;
    try {
      latest = (await this.ctx.api.get("/dashboard")).latest_run;
    } catch {
      return; // the plain "Not run yet" stays
    }
    if (!latest || latest.projection_id !== projection.id || this.projection?.id !== projection.id) return;
    await this.run({ quiet: true });
  }

  async loadScenarioChoices() {
    const scenarios = this.projection ? await this.ctx.api.all(`/projections/${this.projection.id}/scenarios`) : [];
    this.ctx.state.scenarios = scenarios;
    this.decisions.setScenarios(scenarios);
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
    this.results_by_projection.delete(saved.id); // its last result no longer matches
    this.result = null;
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

  async run({ quiet = false } = {}) {
    const projection = this.projection;
    if (!projection) return;
    this.runButton.disabled = true;
    this.results.setAttribute("aria-busy", "true");
    const paths = projection.assumptions.mode === "monte_carlo" ? `${projection.assumptions.paths.toLocaleString()} paths` : projection.assumptions.mode;
    this.progress.start(quiet ? `Loading the last run of “${projection.name}”…` : `Running “${projection.name}” (${paths})…`);
    try {
      const { data } = await this.ctx.api.send("POST", `/projections/${projection.id}/run`, { body: {} });
      this.results_by_projection.set(projection.id, data);
      this.ctx.state.lastCut = { projection: projection.id, age: yearsToDraw(data).cutAt }; // the comparison chart stops there too
      if (this.projection?.id !== projection.id) return; // another projection was chosen meanwhile
      this.result = data;
      await this.renderResults();
      if (!quiet) announce(`Run finished: success rate ${percent(data.success_rate)}.`, "success");
    } catch (err) {
      if (quiet) return; // nothing stored to show: "Not run yet" stays
      replace(this.results, runError(err));
      announce("The run failed; see the results panel.", "error");
    } finally {
      this.progress.stop();
      this.runButton.disabled = false;
      this.results.setAttribute("aria-busy", "false");
    }
  }

  async renderResults() {
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
    this.lifespans = h("div", { id: "lifespans", hidden: true });
    this.worst = h("div", { id: "worst-years", hidden: true });
    this.table = h("details", { class: "data-table" });
    const when = new Date(r.created_at).toLocaleString();
    replace(
      this.results,
      successBox(r),
      failureSection(r),
      h("p", { class: "muted small", id: "run-origin", text: r.cached ? `The stored run of ${when}: your inputs have not changed since.` : `Computed just now (engine ${r.engine_version}).` }),
      h("h3", { text: "Portfolio by age" }),
      switcher,
      this.fan,
      this.table,
      h("h3", { text: "Year by year" }),
      this.cashflow.el,
      h("h3", { text: "When the money runs out" }),
      this.depletion,
      this.worst,
      this.lifespans,
    );
    await Promise.all([
      this.renderCharts(),
      this.cashflow.render(r, this.projection?.name),
      drawFailureCharts(r, { depletion: this.depletion, lifespans: this.lifespans }),
      drawWorstYears(r, this.worst),
    ]);
  }

  renderCharts() {
    const r = this.result;
    if (!r || !this.fan) return Promise.resolve();
    const retire = this.ctx.state.profile?.retirement_age;
    const last = r.years.at(-1);
    const atRetire = r.years.find((y) => y.age === retire);
    const basisName = this.basis === "portfolio" ? "nominal money" : "today's money";
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
    const { years: shown, cutAt } = yearsToDraw(r);
    const cut = cutAt ? ` It stops at ${cutAt}: later, someone is alive in fewer than 2% of futures.` : "";
    return fanChart(this.fan, {
      years: shown,
      basis: this.basis,
      retirementAge: retire,
      label: `Portfolio by age, ${basisName}`,
      desc: `Median ${atRetire ? `${money(atRetire[this.basis].p50)} at retirement (age ${retire}), ` : ""}${money(last[this.basis].p50)} at age ${last.age}; 10th percentile ${money(last[this.basis].p10)}, 90th percentile ${money(last[this.basis].p90)}.`,
      caption: `Portfolio at the start of each year, ${basisName}. Bands: the middle 50% and 80% of simulated futures.${cut}`,
    });
  }
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
