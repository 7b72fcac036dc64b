// Decisions on the Plan page: solve (earliest retirement, highest spending) shown as a result
// with its chart and "apply to my plan"; optimize (claiming ages, Roth conversions) as a
// ranked table with the best choice highlighted.

import { fanChart, yearsToDraw } from "./charts.js";
import { announce, h, money, percent, Progress, replace } from "./dom.js";
import { Form } from "./forms.js";

const DECISIONS = [
  ["claiming_ages", "Social Security claiming ages"],
  ["roth_conversions", "Roth conversions"],
];
const SHOWN_FIRST = 10; // the best ten; a button shows the rest
const OBJECTIVES = [
  ["success_rate", "Highest success rate"],
  ["median_estate_real", "Largest median estate"],
];

export function describeChoice(decision, choice) {
  if (decision === "claiming_ages") {
    const parts = [];
    if (choice?.self !== null && choice?.self !== undefined) parts.push(`you claim at ${choice.self}`);
    if (choice?.partner !== null && choice?.partner !== undefined) parts.push(`your partner at ${choice.partner}`);
    return parts.length ? parts.join(", ") : "claims as in the ledger";
  }
  if (!choice) return "No conversion";
  return `Fill the ${percent(choice.up_to_bracket, 0)} bracket from ${choice.from_age} to ${choice.to_age}`;
}

// The same, short enough for a table cell on a phone.
export function shortChoice(decision, choice) {
  if (decision === "claiming_ages") {
    const parts = [];
    if (choice?.self !== null && choice?.self !== undefined) parts.push(`You ${choice.self}`);
    if (choice?.partner !== null && choice?.partner !== undefined) parts.push(`partner ${choice.partner}`);
    return parts.length ? parts.join(", ") : "As in the ledger";
  }
  if (!choice) return "No conversion";
  return `${percent(choice.up_to_bracket, 0)} bracket, ${choice.from_age}–${choice.to_age}`;
}

export class DecisionsView {
  constructor(ctx, { onApplied }) {
    this.ctx = ctx;
    this.onApplied = onApplied;
    this.solveProgress = new Progress("Solving");
    this.solveOutput = h("div", { class: "solve-output", id: "solve-output" });
    this.solveForm = new Form({
      id: "solve-form",
      fields: [
        { name: "success_rate", label: "Target success rate", type: "percent", default: "90", hint: "90 = at least 90% of futures fund essential spending to the end." },
        { name: "scenario_id", label: "For", type: "select", options: [["", "The projection as it is"]] },
      ],
      submitLabel: "Earliest retirement age",
      onSubmit: (_form, submitter) => this.solve(submitter?.value || "retirement_age"),
    });
    this.solveForm.submitButton.value = "retirement_age";
    this.solveForm.actions.append(h("button", { type: "submit", class: "primary", value: "annual_spending", text: "Highest yearly spending" }));
    this.solveForm.reset();
    this.optimizeProgress = new Progress("Optimizing");
    this.optimizeOutput = h("div", { class: "optimize-output", id: "optimize-output" });
    this.optimizeForm = new Form({
      id: "optimize-form",
      fields: [
        { name: "decision", label: "Decide", type: "select", options: DECISIONS, default: "claiming_ages" },
        { name: "objective", label: "Aim for", type: "select", options: OBJECTIVES, default: "success_rate", hint: "Roth conversions: the success rate is the fairer aim (the estate counts tax-deferred money before tax)." },
        { name: "scenario_id", label: "For", type: "select", options: [["", "The projection as it is"]] },
      ],
      submitLabel: "Rank every choice",
      onSubmit: () => this.optimize(),
    });
    this.optimizeForm.reset();
    this.el = [
      h(
        "section",
        { class: "card", "aria-labelledby": "solve-title" },
        h("h2", { id: "solve-title", text: "Solve" }),
        h("p", { class: "muted", text: "Find the earliest retirement age, or the most you can spend each year (in today's money), that reaches a success rate." }),
        this.solveForm.el,
        this.solveProgress.el,
        this.solveOutput,
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "optimize-title" },
        h("h2", { id: "optimize-title", text: "Optimize a decision" }),
        h("p", { class: "muted", text: "Every choice is tried on the same simulated futures and ranked; the best is highlighted." }),
        this.optimizeForm.el,
        this.optimizeProgress.el,
        this.optimizeOutput,
      ),
    ];
  }

  get projection() {
    return this.ctx.state.projection;
  }

  setScenarios(scenarios) {
    for (const form of [this.solveForm, this.optimizeForm]) {
      replace(
        form.input("scenario_id"),
        h("option", { value: "", text: "The projection as it is" }),
        scenarios.map((s) => h("option", { value: s.id, text: `Scenario: ${s.name}` })),
      );
    }
  }

  clear() {
    this.solveOutput.replaceChildren();
    this.optimizeOutput.replaceChildren();
  }

  async solve(target) {
    const projection = this.projection;
    if (!projection) {
      replace(this.solveOutput, h("p", { text: "Create a projection first." }));
      return;
    }
    const { success_rate: rate, scenario_id: scenarioId } = this.solveForm.read();
    const body = { target, success_rate: rate };
    if (scenarioId) body.scenario_id = scenarioId;
    this.solveOutput.replaceChildren();
    this.solveProgress.start(target === "retirement_age" ? "Searching for the earliest retirement age…" : "Searching for the highest yearly spending…");
    try {
      const { data } = await this.ctx.api.send("POST", `/projections/${projection.id}/solve`, { body });
      await this.showSolve(data);
    } finally {
      this.solveProgress.stop();
    }
  }

  async showSolve(data) {
    const age = data.target === "retirement_age";
    if (data.value === null) {
      replace(this.solveOutput, h("p", { class: "solve-none", text: `${age ? "No retirement age" : "No yearly spending"} reaches ${percent(data.success_rate, 0)}.` }));
      announce(this.solveOutput.textContent);
      return;
    }
    const value = age ? `age ${data.value}` : `${money(data.value)} a year (today's money)`;
    const figure = h("figure", { class: "chart-box", id: "solve-chart" });
    const scenario = this.ctx.state.scenarios.find((s) => s.id === data.scenario_id);
    const apply = age
      ? h("button", { type: "button", class: "primary", id: "solve-apply", text: scenario ? `Apply to scenario “${scenario.name}”` : "Apply to my plan", onclick: () => this.applyAge(data.value, scenario) })
      : h("p", { class: "muted", text: `To plan on it, set your retirement expenses in the Ledger to ${money(data.value)} a year in total.` });
    replace(
      this.solveOutput,
      h(
        "div",
        { class: "solve-result", id: "solve-result" },
        h("p", { class: "solve-headline" }, h("strong", { text: `${age ? "Earliest retirement" : "Highest spending"}: ${value}` })),
        h("p", { text: `Success rate there: ${percent(data.achieved_success_rate)} (target ${percent(data.success_rate, 0)}; ${data.evaluations} plans tried on ${data.paths.toLocaleString()} futures each).` }),
        figure,
        h("div", { class: "actions" }, apply),
      ),
    );
    announce(`${age ? "Earliest retirement" : "Highest spending"}: ${value}.`, "success");
    const { years, cutAt } = yearsToDraw(data.result);
    const retire = age ? data.value : this.ctx.state.profile?.retirement_age;
    await fanChart(figure, {
      years,
      basis: "portfolio_real",
      retirementAge: retire,
      label: `Portfolio by age at the solved ${age ? "retirement age" : "spending"}, today's money`,
      desc: `Median ${money(years.at(-1).portfolio_real.p50)} at age ${years.at(-1).age}.`,
      caption: `Portfolio at the solved value, today's money: the median and the middle 50% and 80% of futures.${cutAt ? ` It stops at ${cutAt}: later, someone is alive in fewer than 2% of futures.` : ""}`,
    });
  }

  async applyAge(age, scenario) {
    const api = this.ctx.api;
    if (scenario) {
      const overrides = { ...scenario.overrides, retirement_age: age };
      const { data } = await api.send("PATCH", `/projections/${this.projection.id}/scenarios/${scenario.id}`, { body: { overrides } });
      Object.assign(scenario, data);
      announce(`Scenario “${scenario.name}” now retires at ${age}.`, "success");
    } else {
      // If-Match: the profile may have changed in another tab since it was read.
      const { etag } = await api.send("GET", "/me/profile");
      const { data, etag: fresh } = await api.send("PATCH", "/me/profile", { body: { retirement_age: age }, headers: etag ? { "If-Match": etag } : {} });
      this.ctx.state.profile = data;
      this.ctx.state.profileEtag = fresh;
      announce(`Your plan now retires at ${age}. Run the projection again to see it.`, "success");
    }
    const button = document.getElementById("solve-apply");
    if (button) {
      button.disabled = true;
      button.textContent = "Applied";
    }
    await this.onApplied?.();
  }

  async optimize() {
    const projection = this.projection;
    if (!projection) {
      replace(this.optimizeOutput, h("p", { text: "Create a projection first." }));
      return;
    }
    const body = this.optimizeForm.read();
    if (!body.scenario_id) delete body.scenario_id;
    this.optimizeOutput.replaceChildren();
    this.optimizeProgress.start("Trying every choice…");
    try {
      const { data } = await this.ctx.api.send("POST", `/projections/${projection.id}/optimize`, { body });
      this.showOptimize(data);
    } finally {
      this.optimizeProgress.stop();
    }
  }

  showOptimize(data) {
    const by = data.objective === "success_rate" ? "success rate" : "median estate";
    const bySuccess = data.objective === "success_rate";
    const tied = data.margin !== null && (bySuccess ? data.margin < 0.0005 : data.margin < 0.5);
    const margin =
      data.margin === null
        ? ""
        : tied
          ? ` It ties the runner-up on ${by}; the ${bySuccess ? "larger median estate" : "higher success rate"} decides.`
          : bySuccess
            ? ` It beats the runner-up by ${(data.margin * 100).toFixed(1)} percentage points.`
            : ` It beats the runner-up by ${money(data.margin)}.`;
    const best = describeChoice(data.decision, data.best.choice);
    replace(
      this.optimizeOutput,
      h("p", { class: "optimize-best", id: "optimize-best" }, "Best by ", by, ": ", h("strong", { text: best }), ` — success rate ${percent(data.best.success_rate)}, median estate ${money(data.best.median_estate_real)}.${margin}`),
      h("p", { class: "muted small", text: `Each choice on the same ${data.paths.toLocaleString()} futures; the estate is what is left when the last of you dies, in today's money.` }),
      h(
        "div",
        { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Every choice, ranked" },
        h(
          "table",
          { id: "optimize-table" },
          h("caption", { text: "Every choice, best first" }),
          h("thead", {}, h("tr", {}, ["#", "Choice", "Success rate", "Median estate"].map((t, i) => h("th", { scope: "col", class: i !== 1 ? "num" : "", text: t })))),
          h(
            "tbody",
            {},
            data.candidates.map((c, i) =>
              h(
                "tr",
                { class: c.rank === 1 ? "best" : "", "aria-current": c.rank === 1 ? "true" : null, hidden: i >= SHOWN_FIRST },
                h("td", { class: "num", text: String(c.rank) }),
                h("th", { scope: "row" }, shortChoice(data.decision, c.choice), c.rank === 1 ? [" ", h("span", { class: "badge", text: "Best" })] : null),
                h("td", { class: "num", text: percent(c.success_rate) }),
                h("td", { class: "num", text: money(c.median_estate_real) }),
              ),
            ),
          ),
        ),
      ),
    );
    if (data.candidates.length > SHOWN_FIRST) {
      const more = h("button", {
        type: "button",
        id: "optimize-all",
        text: `Show all ${data.candidates.length} choices`,
        onclick: () => {
          for (const row of this.optimizeOutput.querySelectorAll("#optimize-table tbody tr")) row.hidden = false;
          more.remove();
        },
      });
      this.optimizeOutput.append(h("div", { class: "actions" }, more));
    }
    announce(`Best: ${best}.`, "success");
  }
}
