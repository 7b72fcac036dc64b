// Year by year: where the money comes from and goes, from the run's `detail` (the
// representative path: the one whose final portfolio is the median). One chart per view, the
// same figures as a table, and every column as a CSV download.

import { stackedBars } from "./charts.js";
import { h, money, replace } from "./dom.js";

const KINDS = [
  ["cash", "cash"],
  ["taxable", "taxable"],
  ["tax_deferred", "tax-deferred"],
  ["tax_free", "tax-free (Roth)"],
];
const INCOME_COLOURS = ["#0b5cad", "#1b6e3a", "#6b2fa0", "#0f7b86", "#8a6d00", "#555555"];
const WITHDRAWAL_COLOURS = ["#f0b37e", "#d9822b", "#a34a00", "#c25e9a"];

// Each view: its stacked columns and overlaid lines, as [label, row → value].
export const VIEWS = {
  income: {
    title: "Income and withdrawals",
    caption: "Where each year's money comes from: incomes by kind, then what is taken out of each kind of account (RMDs included). The line is what goes out: spending, taxes and debt payments; what the bars add above it is saved or reinvested (an RMD not spent, a salary's surplus).",
    stacks: [
      ["Salary", (r) => r.incomes.salary],
      ["Social Security", (r) => r.incomes.social_security],
      ["Pensions", (r) => r.incomes.pension],
      ["Annuities", (r) => r.incomes.annuity],
      ["Rental", (r) => r.incomes.rental],
      ["Other income", (r) => r.incomes.other],
      ...KINDS.map(([key, label]) => [`Withdrawn: ${label}`, (r) => r.withdrawals[key]]),
    ],
    colours: [...INCOME_COLOURS, ...WITHDRAWAL_COLOURS],
    lines: [["Spending + taxes + debt", (r) => r.spending + taxTotal(r) + r.debt_payments]],
  },
  spending: {
    title: "Spending",
    caption: "What is spent: essential, then discretionary; in red what the money could not fund.",
    stacks: [
      ["Essential", (r) => r.essential_spending ?? r.spending],
      ["Discretionary", (r) => r.discretionary_spending ?? 0],
      ["Not funded", (r) => r.unfunded],
    ],
    colours: ["#0b5cad", "#6fa4dc", "#b00020"],
    lines: [],
  },
  taxes: {
    title: "Taxes",
    caption: "Each tax: federal income tax, state tax, payroll tax and Medicare IRMAA surcharges.",
    stacks: [
      ["Federal", (r) => r.taxes.federal],
      ["State", (r) => r.taxes.state],
      ["Payroll", (r) => r.taxes.payroll],
      ["IRMAA", (r) => r.taxes.irmaa],
    ],
    colours: ["#0b5cad", "#a34a00", "#1b6e3a", "#6b2fa0"],
    lines: [],
  },
  balances: {
    title: "Balances",
    caption: "Each kind of account at the start of the year.",
    stacks: KINDS.map(([key, label]) => [label[0].toUpperCase() + label.slice(1), (r) => r.balances[key]]),
    colours: ["#8a6d00", "#0b5cad", "#a34a00", "#1b6e3a"],
    lines: [],
  },
  rmd: {
    title: "RMDs and Roth conversions",
    caption: "Required minimum distributions taken from tax-deferred accounts, and amounts converted to Roth.",
    stacks: [
      ["RMD", (r) => r.rmd],
      ["Roth conversion", (r) => r.roth_conversion],
    ],
    colours: ["#a34a00", "#1b6e3a"],
    lines: [],
  },
};

// The rows up to the last year with a flow: on the representative path everyone may die long
// before the plan's last age, and the empty years after would squeeze the chart.
function withFlows(rows) {
  const flows = (r) => r.income + Object.values(r.withdrawals).reduce((a, b) => a + b, 0) + r.spending + r.unfunded + taxTotal(r);
  let last = rows.length - 1;
  while (last > 0 && flows(rows[last]) === 0) last -= 1;
  return rows.slice(0, last + 1);
}

function taxTotal(r) {
  return r.taxes.federal + r.taxes.state + r.taxes.payroll + r.taxes.irmaa;
}

// Every column of every view, once, for the CSV.
function csvColumns() {
  const seen = new Set();
  const columns = [
    ["age", (r) => r.age],
    ["partner_age", (r) => r.partner_age ?? ""],
    ["year", (r) => r.year],
  ];
  for (const view of Object.values(VIEWS)) {
    for (const [label, get] of [...view.stacks, ...view.lines]) {
      const name = `${view.title}: ${label}`;
      if (!seen.has(name)) columns.push([name, get]);
      seen.add(name);
    }
  }
  columns.push(["Taxes: total", taxTotal], ["AGI", (r) => r.agi], ["Taxable income", (r) => r.taxable_income], ["Contributions", (r) => r.contributions], ["Savings", (r) => r.savings]);
  return columns;
}

function csvCell(value) {
  const text = typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function detailCsv(rows) {
  const columns = csvColumns();
  const lines = [columns.map(([name]) => csvCell(name)).join(",")];
  for (const row of rows) lines.push(columns.map(([, get]) => csvCell(get(row))).join(","));
  return `${lines.join("\n")}\n`;
}

export class CashflowView {
  constructor() {
    this.view = "income";
    this.rows = null;
    this.figure = h("figure", { class: "chart-box", id: "cashflow-chart" });
    this.table = h("details", { class: "data-table", id: "cashflow-table" });
    this.picker = h(
      "fieldset",
      { class: "switch", id: "cashflow-views" },
      h("legend", { text: "Show" }),
      Object.entries(VIEWS).map(([key, view]) =>
        h(
          "label",
          {},
          h("input", { type: "radio", name: "cashflow-view", value: key, checked: key === this.view, onchange: () => this.show(key) }),
          ` ${view.title}`,
        ),
      ),
    );
    this.download = h("button", { type: "button", id: "cashflow-csv", text: "Download every year as CSV", onclick: () => this.downloadCsv() });
    this.el = h("div", { class: "cashflow", id: "cashflow" });
  }

  // Draw the result's detail; a flat-tax run has none.
  render(result, projectionName) {
    this.name = projectionName;
    this.allRows = result.detail?.rows || [];
    this.rows = withFlows(this.allRows);
    if (!this.rows?.length) {
      replace(this.el, h("p", { class: "empty", text: "The year-by-year breakdown comes with the US tax regime (choose it under the projection's tax assumptions); this run used a flat tax." }));
      return Promise.resolve();
    }
    replace(
      this.el,
      h("p", { class: "muted small", text: "One representative future (the one whose final portfolio is the median), in nominal money. Point at a year to see its figures." }),
      this.picker,
      this.figure,
      this.table,
      h("div", { class: "actions" }, this.download),
    );
    return this.show(this.view);
  }

  show(key) {
    this.view = key;
    const view = VIEWS[key];
    const rows = this.rows;
    const ages = rows.map((r) => r.age);
    const stacks = view.stacks.map(([name, get], i) => ({ name, values: rows.map(get), colour: view.colours[i] }));
    const lines = view.lines.map(([name, get]) => ({ name, values: rows.map(get) }));
    this.renderTable(view, stacks, lines);
    const peak = rows.reduce((best, r, i) => {
      const total = stacks.reduce((sum, one) => sum + one.values[i], 0);
      return total > best[1] ? [r.age, total] : best;
    }, [ages[0], 0]);
    return stackedBars(this.figure, {
      ages,
      stacks,
      lines,
      label: `${view.title} by age, nominal money`,
      desc: `${view.title} from age ${ages[0]} to ${ages.at(-1)}; the highest total is ${money(peak[1])} at age ${peak[0]}. The table below has every figure.`,
      caption: view.caption,
    });
  }

  renderTable(view, stacks, lines) {
    const columns = [...stacks.filter((one) => one.values.some((v) => v)), ...lines];
    replace(
      this.table,
      h("summary", { text: `Show ${view.title.toLowerCase()} as a table` }),
      h(
        "div",
        { class: "table-wrap", tabindex: "0", role: "region", "aria-label": `${view.title} by year` },
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Age" }), h("th", { scope: "col", text: "Year" }), columns.map((c) => h("th", { scope: "col", class: "num", text: c.name })))),
          h(
            "tbody",
            {},
            this.rows.map((r, i) => h("tr", {}, h("th", { scope: "row", text: r.age }), h("td", { text: r.year }), columns.map((c) => h("td", { class: "num", text: money(c.values[i]) })))),
          ),
        ),
      ),
    );
  }

  downloadCsv() {
    const blob = new Blob([detailCsv(this.allRows)], { type: "text/csv" });
    const url = URL.createObjectURL(blob);
    const safe = (this.name || "plan").replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-|-$/g, "") || "plan";
    const link = h("a", { href: url, download: `nestegg-${safe}-year-by-year.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
