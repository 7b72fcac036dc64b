// The ledger: assets, debts, incomes and expenses, each a table with add, edit and delete.

import { announce, h, money, percent, replace } from "./dom.js";
import { describeError, Form } from "./forms.js";
import { incomeTotals, OWNERS, ownerLabel, TOTALS_NOTE, whenText } from "./household.js";

const FREQUENCY = [
  ["annual", "Yearly"],
  ["monthly", "Monthly"],
  ["once", "Once (in the year of “From age”)"],
];
const FREQUENCY_SHORT = { annual: "yearly", monthly: "monthly", once: "once" };
const OWNER = (hint) => ({ name: "owner", label: "Whose", type: "select", options: OWNERS, default: "self", hint });
const AGES = [
  { name: "start_age", label: "From age", type: "int", nullable: true, hint: "The owner's age (a joint record: yours). Empty: from now." },
  { name: "end_age", label: "Until age (inclusive)", type: "int", nullable: true, hint: "Empty: until the plan ends." },
];
const yesNo = (v) => (v ? "Yes" : "No");
const kinds = (...names) => names.map((n) => [n, n.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase())]);
const KIND_LABELS = { tax_deferred: "tax-deferred (401k, IRA)", tax_free: "tax-free (Roth)", social_security: "Social Security", real_estate: "real estate", credit_card: "credit card" };
const kindText = (kind) => KIND_LABELS[kind] || kind.replaceAll("_", " ");

export const COLLECTIONS = [
  {
    path: "assets",
    singular: "asset",
    title: "Assets",
    intro: "What you own: savings, investments, retirement accounts, property.",
    fields: [
      { name: "name", label: "Name", type: "text" },
      OWNER("Joint: cash, taxable, real estate and other only; a retirement account belongs to one person."),
      { name: "kind", label: "Kind", type: "select", options: [["cash", "Cash"], ["taxable", "Taxable (brokerage)"], ["tax_deferred", "Tax-deferred (401k, IRA)"], ["tax_free", "Tax-free (Roth)"], ["real_estate", "Real estate"], ["other", "Other"]], default: "taxable" },
      { name: "balance", label: "Balance", type: "money", hint: "Today's value, e.g. 25000.00." },
      { name: "annual_contribution", label: "Yearly contribution", type: "money", hint: "Empty: 0. Into tax-deferred it is pre-tax." },
      { name: "contribution_end_age", label: "Contributions stop at age", type: "int", nullable: true, hint: "Empty: until retirement." },
      { name: "stock_allocation", label: "Share in stocks", type: "percent", hint: "60 = 60 % stocks, the rest bonds. Empty: the default for the kind." },
      { name: "cost_basis", label: "Cost basis", type: "money", nullable: true, when: { field: "kind", in: ["taxable", "real_estate"] }, hint: "What you paid; the gain above it is taxed when sold. Empty: the balance." },
      { name: "sell_age", label: "Sell at age", type: "int", nullable: true, when: { field: "kind", in: ["real_estate"] }, hint: "The proceeds, less selling costs, go to taxable. Empty: never sold." },
    ],
    columns: [
      ["Name", (r) => r.name],
      ["Whose", (r, p) => ownerLabel(p, r.owner)],
      ["Kind", (r) => kindText(r.kind) + (r.sell_age != null ? `, sold at ${r.sell_age}` : "")],
      ["Balance", (r) => money(r.balance), "num"],
      ["Yearly contribution", (r) => money(r.annual_contribution), "num"],
      ["Stocks", (r) => percent(Number(r.stock_allocation), 0), "num"],
    ],
  },
  {
    path: "debts",
    singular: "debt",
    title: "Debts",
    intro: "What you owe: mortgage, loans, cards.",
    fields: [
      { name: "name", label: "Name", type: "text" },
      OWNER("Whose debt it is; a debt may be joint."),
      { name: "kind", label: "Kind", type: "select", options: kinds("mortgage", "student", "auto", "credit_card", "personal", "other"), default: "mortgage" },
      { name: "balance", label: "Balance owed", type: "money" },
      { name: "interest_rate", label: "Interest rate", type: "percent", hint: "4.5 = 4.5 % a year." },
      { name: "monthly_payment", label: "Monthly payment", type: "money" },
      { name: "payoff_age", label: "Pay off at age", type: "int", nullable: true, hint: "What is still owed is paid from savings in that year. Empty: paid down by the monthly payment." },
    ],
    columns: [
      ["Name", (r) => r.name],
      ["Whose", (r, p) => ownerLabel(p, r.owner)],
      ["Kind", (r) => kindText(r.kind)],
      ["Balance", (r) => money(r.balance), "num"],
      ["Rate", (r) => percent(Number(r.interest_rate), 2), "num"],
      ["Monthly payment", (r) => money(r.monthly_payment), "num"],
      ["Paid off", (r) => (r.payoff_age == null ? "by payments" : `at ${r.payoff_age}`)],
    ],
  },
  {
    path: "incomes",
    singular: "income",
    title: "Incomes",
    intro: "Salary now, pensions and Social Security later. A salary stops at its owner's retirement.",
    fields: [
      { name: "name", label: "Name", type: "text" },
      OWNER("Joint: rental and other incomes only; a salary, pension or benefit belongs to one person."),
      { name: "kind", label: "Kind", type: "select", options: [["salary", "Salary"], ["pension", "Pension"], ["social_security", "Social Security"], ["rental", "Rental"], ["annuity", "Annuity"], ["other", "Other"]], default: "salary" },
      { name: "amount", label: "Amount", type: "money", hint: "Social Security: the benefit at full retirement age (your SSA statement), in today's money." },
      { name: "frequency", label: "Frequency", type: "select", options: FREQUENCY, default: "annual" },
      { ...AGES[0], hint: "The owner's age. Social Security: the claiming age, 62–70 (empty: full retirement age). Empty: from now." },
      AGES[1],
      { name: "growth_rate", label: "Yearly growth", type: "percent", hint: "2 = grows 2 % a year. Empty: 0." },
      { name: "survivor_fraction", label: "Paid to the survivor", type: "percent", when: { field: "kind", in: ["pension", "annuity"] }, offValue: 0, hint: "Share paid to the partner after the owner's death, e.g. 50. Empty: 0." },
      { name: "inflation_indexed", label: "Rises with inflation", type: "checkbox", default: false, hint: "Social Security always does." },
      { name: "taxable", label: "Taxable", type: "checkbox", default: true },
    ],
    columns: [
      ["Name", (r) => r.name],
      ["Whose", (r, p) => ownerLabel(p, r.owner)],
      ["Kind", (r) => kindText(r.kind)],
      ["Amount", (r) => money(r.amount), "num"],
      ["Frequency", (r) => FREQUENCY_SHORT[r.frequency] || r.frequency],
      ["When", (r, p) => whenText(r, p)],
    ],
  },
  {
    path: "expenses",
    singular: "expense",
    title: "Expenses",
    intro: "What you spend, now and in retirement.",
    fields: [
      { name: "name", label: "Name", type: "text" },
      OWNER("An expense of one person stops at their death; a joint one goes on."),
      { name: "category", label: "Category", type: "text", placeholder: "e.g. housing" },
      { name: "amount", label: "Amount", type: "money" },
      { name: "frequency", label: "Frequency", type: "select", options: FREQUENCY, default: "monthly" },
      ...AGES,
      { name: "inflation_indexed", label: "Rises with inflation", type: "checkbox", default: true },
      { name: "essential", label: "Essential", type: "checkbox", default: true, hint: "Must be paid: the plan fails below it. Untick for discretionary spending a flexible strategy may cut." },
    ],
    columns: [
      ["Name", (r) => r.name],
      ["Whose", (r, p) => ownerLabel(p, r.owner)],
      ["Category", (r) => r.category],
      ["Amount", (r) => money(r.amount), "num"],
      ["Frequency", (r) => FREQUENCY_SHORT[r.frequency] || r.frequency],
      ["When", (r, p) => whenText(r, p, "expense")],
      ["Kind", (r) => (r.essential ? "essential" : "discretionary")],
    ],
  },
];

// One collection's table and its add/edit form.
class CollectionView {
  constructor(api, spec, confirmDelete) {
    this.api = api;
    this.spec = spec;
    this.confirmDelete = confirmDelete;
    this.editing = null; // {id, etag} while a record is being edited
    this.rows = [];
    this.table = h("div", { class: "table-wrap", role: "region", "aria-label": `${spec.title} table`, tabindex: "0" });
    this.form = new Form({
      id: `${spec.singular}-form`,
      fields: spec.fields,
      submitLabel: `Add ${spec.singular}`,
      onSubmit: () => this.save(),
    });
    // Folded until asked for, so the four tables fit a phone screen.
    this.formTitle = h("summary", { class: "form-title", text: this.addTitle() });
    this.formBox = h("details", { class: "add-form" }, this.formTitle, this.form.el);
    this.cancelButton = h("button", { type: "button", text: "Cancel edit", hidden: true, onclick: () => this.stopEditing() });
    this.form.actions.append(this.cancelButton);
    if (spec.path === "incomes") {
      // Social Security's "From age" is its claiming age: say so while that kind is chosen.
      const kind = this.form.input("kind");
      const label = this.form.el.querySelector(`label[for="${this.form.input("start_age").id}"]`);
      this.form.onFill = () => {
        label.textContent = kind.value === "social_security" ? "Claiming age" : "From age";
      };
      kind.addEventListener("change", this.form.onFill);
    }
    this.form.reset();
    this.el = h(
      "section",
      { class: "card", id: `ledger-${spec.path}`, "aria-labelledby": `ledger-${spec.path}-title` },
      h("h2", { id: `ledger-${spec.path}-title`, text: spec.title }),
      h("p", { class: "muted", text: spec.intro }),
      this.table,
      this.formBox,
    );
  }

  addTitle() {
    return `Add ${/^[aeiou]/.test(this.spec.singular) ? "an" : "a"} ${this.spec.singular}`;
  }

  async load(profile) {
    this.profile = profile;
    // The owner choices carry the household's names ("Me (Alex)", "Partner (Sam)").
    for (const option of this.form.input("owner").options) {
      const name = ownerLabel(profile, option.value);
      const base = OWNERS.find(([value]) => value === option.value)[1];
      option.textContent = option.value === "joint" || name === base ? base : `${base} (${name})`;
    }
    this.rows = await this.api.all(`/${this.spec.path}`);
    this.render();
  }

  render() {
    if (!this.rows.length) {
      replace(this.table, h("p", { class: "empty", text: `No ${this.spec.title.toLowerCase()} yet.` }));
      return;
    }
    const head = h(
      "tr",
      {},
      this.spec.columns.map(([label, , cls]) => h("th", { scope: "col", class: cls, text: label })),
      h("th", { scope: "col", text: "Actions" }),
    );
    const body = this.rows.map((row) =>
      h(
        "tr",
        {},
        this.spec.columns.map(([label, get, cls], i) =>
          i === 0
            ? h("th", { scope: "row", text: get(row, this.profile) })
            : h("td", { class: cls, "data-label": label, text: get(row, this.profile) }),
        ),
        h(
          "td",
          { class: "row-actions", "data-label": "Actions" },
          h("button", { type: "button", class: "small", text: "Edit", "aria-label": `Edit ${row.name}`, onclick: () => this.startEditing(row.id) }),
          h("button", { type: "button", class: "small danger", text: "Delete", "aria-label": `Delete ${row.name}`, onclick: () => this.remove(row) }),
        ),
      ),
    );
    replace(
      this.table,
      h("table", { class: "stack" }, h("caption", { class: "visually-hidden", text: this.spec.title }), h("thead", {}, head), h("tbody", {}, body)),
      this.spec.path === "incomes" ? this.totals() : null,
    );
  }

  // Yearly income while working and once retired, never the two added together.
  totals() {
    const t = incomeTotals(this.rows, this.profile);
    return h(
      "div",
      { class: "totals", id: "income-totals" },
      h(
        "dl",
        { class: "figures" },
        h("div", {}, h("dt", { text: "Yearly income while working" }), h("dd", { text: money(t.working) })),
        h("div", {}, h("dt", { text: "Yearly income in retirement" }), h("dd", { text: money(t.retired) })),
      ),
      h("p", { class: "hint", text: `In today's money. ${TOTALS_NOTE}` }),
    );
  }

  async startEditing(id) {
    try {
      const { data, etag } = await this.api.send("GET", `/${this.spec.path}/${id}`);
      this.editing = { id, etag };
      this.form.clearErrors();
      this.form.fill(data);
      this.formTitle.textContent = `Edit ${this.spec.singular} “${data.name}”`;
      this.formBox.open = true;
      this.form.submitButton.textContent = "Save changes";
      this.cancelButton.hidden = false;
      this.form.el.scrollIntoView({ block: "nearest" });
      this.form.input("name").focus();
    } catch (err) {
      announce(describeError(err), "error");
    }
  }

  stopEditing() {
    this.editing = null;
    this.form.reset();
    this.formTitle.textContent = this.addTitle();
    this.form.submitButton.textContent = `Add ${this.spec.singular}`;
    this.cancelButton.hidden = true;
  }

  async save() {
    if (this.editing) {
      const body = this.form.read({ patch: true });
      const { id, etag } = this.editing;
      await this.api.send("PATCH", `/${this.spec.path}/${id}`, {
        body,
        headers: etag ? { "If-Match": etag } : {},
      });
      announce(`Saved ${this.spec.singular} “${body.name ?? ""}”.`, "success");
      this.stopEditing();
    } else {
      const body = this.form.read();
      await this.api.send("POST", `/${this.spec.path}`, { body });
      announce(`Added ${this.spec.singular} “${body.name ?? ""}”.`, "success");
      this.form.reset();
    }
    await this.load(this.profile);
    this.onChange?.();
  }

  async remove(row) {
    if (!(await this.confirmDelete(`Delete ${this.spec.singular} “${row.name}”?`))) return;
    try {
      await this.api.send("DELETE", `/${this.spec.path}/${row.id}`);
      if (this.editing?.id === row.id) this.stopEditing();
      announce(`Deleted ${this.spec.singular} “${row.name}”.`, "success");
      await this.load(this.profile);
      this.onChange?.();
    } catch (err) {
      announce(describeError(err), "error");
    }
  }
}

export class LedgerView {
  constructor(api, root, confirmDelete) {
    this.api = api;
    this.views = COLLECTIONS.map((spec) => new CollectionView(api, spec, confirmDelete));
    const jump = h(
      "nav",
      { class: "jump", "aria-label": "Ledger parts" },
      h(
        "ul",
        {},
        COLLECTIONS.map((spec) =>
          h("li", {}, h("button", { type: "button", class: "link", text: spec.title, onclick: () => this.focus(spec.path) })),
        ),
      ),
    );
    root.append(jump, ...this.views.map((view) => view.el));
  }

  set onChange(callback) {
    for (const view of this.views) view.onChange = callback;
  }

  focus(path) {
    const view = this.views.find((v) => v.spec.path === path);
    view.formBox.open = true;
    view.el.scrollIntoView({ block: "start" });
    view.form.input("name").focus({ preventScroll: true });
  }

  async load() {
    // Owners' names and retirement ages decide what the tables say ("until retirement (65)").
    const profile = await this.api.get("/me/profile");
    await Promise.all(this.views.map((view) => view.load(profile)));
  }
}
