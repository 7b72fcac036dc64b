// The ledger: assets, debts, incomes and expenses, each a table with add, edit and delete.

import { announce, h, money, percent, replace } from "./dom.js";
import { describeError, Form } from "./forms.js";

const FREQUENCY = [
  ["annual", "Yearly"],
  ["monthly", "Monthly"],
];
const AGES = [
  { name: "start_age", label: "From age", type: "int", nullable: true, hint: "Empty: from now." },
  { name: "end_age", label: "Until age (inclusive)", type: "int", nullable: true, hint: "Empty: until the plan ends." },
];
const ages = (r) =>
  r.start_age === null && r.end_age === null ? "Always" : `${r.start_age ?? "now"}–${r.end_age ?? "end"}`;
const yesNo = (v) => (v ? "Yes" : "No");
const kinds = (...names) => names.map((n) => [n, n.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase())]);

export const COLLECTIONS = [
  {
    path: "assets",
    singular: "asset",
    title: "Assets",
    intro: "What you own: savings, investments, retirement accounts, property.",
    fields: [
      { name: "name", label: "Name", type: "text" },
      { name: "kind", label: "Kind", type: "select", options: kinds("cash", "taxable", "tax_deferred", "tax_free", "real_estate", "other"), default: "taxable" },
      { name: "balance", label: "Balance", type: "money", hint: "Today's value, e.g. 25000.00." },
      { name: "annual_contribution", label: "Yearly contribution", type: "money", hint: "Empty: 0." },
      { name: "contribution_end_age", label: "Contributions stop at age", type: "int", nullable: true, hint: "Empty: until retirement." },
      { name: "stock_allocation", label: "Share in stocks (0–1)", type: "float", hint: "0.6 = 60% stocks, 40% bonds. Empty: the default for the kind." },
    ],
    columns: [
      ["Name", (r) => r.name],
      ["Kind", (r) => r.kind.replaceAll("_", " ")],
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
      { name: "kind", label: "Kind", type: "select", options: kinds("mortgage", "student", "auto", "credit_card", "personal", "other"), default: "mortgage" },
      { name: "balance", label: "Balance owed", type: "money" },
      { name: "interest_rate", label: "Interest rate (0–1)", type: "float", hint: "0.045 = 4.5% a year." },
      { name: "monthly_payment", label: "Monthly payment", type: "money" },
    ],
    columns: [
      ["Name", (r) => r.name],
      ["Kind", (r) => r.kind.replaceAll("_", " ")],
      ["Balance", (r) => money(r.balance), "num"],
      ["Rate", (r) => percent(Number(r.interest_rate), 2), "num"],
      ["Monthly payment", (r) => money(r.monthly_payment), "num"],
    ],
  },
  {
    path: "incomes",
    singular: "income",
    title: "Incomes",
    intro: "Salary now, pensions and social security later.",
    fields: [
      { name: "name", label: "Name", type: "text" },
      { name: "kind", label: "Kind", type: "select", options: kinds("salary", "pension", "social_security", "rental", "annuity", "other"), default: "salary" },
      { name: "amount", label: "Amount", type: "money" },
      { name: "frequency", label: "Frequency", type: "select", options: FREQUENCY, default: "annual" },
      ...AGES,
      { name: "growth_rate", label: "Yearly growth (−0.5–0.5)", type: "float", hint: "0.02 = grows 2% a year. Empty: 0." },
      { name: "inflation_indexed", label: "Rises with inflation", type: "checkbox", default: false },
      { name: "taxable", label: "Taxable", type: "checkbox", default: true },
    ],
    columns: [
      ["Name", (r) => r.name],
      ["Kind", (r) => r.kind.replaceAll("_", " ")],
      ["Amount", (r) => money(r.amount), "num"],
      ["Frequency", (r) => r.frequency],
      ["Ages", ages],
    ],
  },
  {
    path: "expenses",
    singular: "expense",
    title: "Expenses",
    intro: "What you spend, now and in retirement.",
    fields: [
      { name: "name", label: "Name", type: "text" },
      { name: "category", label: "Category", type: "text", placeholder: "e.g. housing" },
      { name: "amount", label: "Amount", type: "money" },
      { name: "frequency", label: "Frequency", type: "select", options: FREQUENCY, default: "monthly" },
      ...AGES,
      { name: "inflation_indexed", label: "Rises with inflation", type: "checkbox", default: true },
      { name: "essential", label: "Essential", type: "checkbox", default: true },
    ],
    columns: [
      ["Name", (r) => r.name],
      ["Category", (r) => r.category],
      ["Amount", (r) => money(r.amount), "num"],
      ["Frequency", (r) => r.frequency],
      ["Ages", ages],
      ["Essential", (r) => yesNo(r.essential)],
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

  async load() {
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
        this.spec.columns.map(([, get, cls], i) =>
          i === 0 ? h("th", { scope: "row", text: get(row) }) : h("td", { class: cls, text: get(row) }),
        ),
        h(
          "td",
          { class: "row-actions" },
          h("button", { type: "button", class: "small", text: "Edit", "aria-label": `Edit ${row.name}`, onclick: () => this.startEditing(row.id) }),
          h("button", { type: "button", class: "small danger", text: "Delete", "aria-label": `Delete ${row.name}`, onclick: () => this.remove(row) }),
        ),
      ),
    );
    replace(
      this.table,
      h("table", {}, h("caption", { class: "visually-hidden", text: this.spec.title }), h("thead", {}, head), h("tbody", {}, body)),
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
    await this.load();
    this.onChange?.();
  }

  async remove(row) {
    if (!(await this.confirmDelete(`Delete ${this.spec.singular} “${row.name}”?`))) return;
    try {
      await this.api.send("DELETE", `/${this.spec.path}/${row.id}`);
      if (this.editing?.id === row.id) this.stopEditing();
      announce(`Deleted ${this.spec.singular} “${row.name}”.`, "success");
      await this.load();
      this.onChange?.();
    } catch (err) {
      announce(describeError(err), "error");
    }
  }
}

export class LedgerView {
  constructor(api, root, confirmDelete) {
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
    await Promise.all(this.views.map((view) => view.load()));
  }
}
