// Forms built from field specs: a label on every input, a hint and an error slot tied to it by
// aria-describedby, and the API's 422 `errors[].field` shown next to the matching input.
//
// Field types: text, email, password, date, upper, int, float, money, checkbox, select and
// percent — typed as a percentage (6.9 means 6.9 %), sent and stored as a fraction (0.069). A
// select with `numeric` sends its value as a number. `when: {field, in: [...]}` shows a field
// only while another field has one of those values (a checkbox's are "yes" and "no"; a hidden
// field is not sent). A `local` field is never sent; `fillFrom(values)` computes what it shows. `group` names
// an object that is null unless its `groupKey` field is filled (e.g. Roth conversions).
//
// A field's `name` is its dotted path in the request body ("balance",
// "assumptions.guardrails.upper", "overrides.retirement_age"), which is also how the API names
// it in `errors[].field`. Forms do no validation of their own (`novalidate`): the API's rules
// are the only rules, and its messages are the ones shown.

import { ApiError } from "./api.js";
import { fractionFromPercent, h, percentFromFraction, replace, uniqueId } from "./dom.js";

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i;

export function getPath(obj, path) {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), obj);
}

function setPath(obj, path, value) {
  const keys = path.split(".");
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    node[key] = node[key] && typeof node[key] === "object" ? node[key] : {};
    node = node[key];
  }
  node[keys.at(-1)] = value;
}

// Turn what was typed into what the API expects; text that is not a number is sent as typed,
// so that the API's message explains what is wrong with it.
function convert(field, raw) {
  switch (field.type) {
    case "int":
      return INTEGER.test(raw) ? Number(raw) : raw;
    case "float":
      return NUMBER.test(raw) ? Number(raw) : raw;
    case "percent":
      return NUMBER.test(raw) ? fractionFromPercent(raw) : raw;
    case "select":
      return field.numeric && NUMBER.test(raw) ? Number(raw) : raw;
    case "upper":
      return raw.toUpperCase();
    default:
      return raw;
  }
}

export class Form {
  constructor({ id, fields, submitLabel, onSubmit, legend, columns = true, moreLabel = "More options" }) {
    this.fields = fields;
    this.onSubmit = onSubmit;
    this.inputs = new Map();
    this.summary = h("div", { class: "form-errors", role: "alert", hidden: true });
    this.submitButton = h("button", { type: "submit", class: "primary", text: submitLabel });
    this.actions = h("div", { class: "actions" }, this.submitButton);
    const body = h("div", { class: columns ? "fields" : "fields single" });
    const more = h("div", { class: "fields" });
    for (const field of fields) {
      const target = field.advanced ? more : body;
      if (field.section) target.append(h("h4", { class: "fields-section", text: field.section }));
      target.append(this.buildField(id, field));
    }
    this.details = more.childElementCount
      ? h("details", { class: "advanced" }, h("summary", { text: moreLabel }), more)
      : null;
    this.el = h(
      "form",
      { id, novalidate: true, onsubmit: (event) => this.submit(event) },
      legend ? h("h3", { class: "form-title", text: legend }) : null,
      this.summary,
      body,
      this.details,
      this.actions,
    );
    this.title = this.el.querySelector(".form-title");
    this.applyConditions();
    for (const field of fields) {
      if (!field.when) continue;
      this.inputs.get(field.when.field).input.addEventListener("change", () => this.applyConditions());
    }
  }

  // Show each conditional field only while the field it depends on has a matching value.
  applyConditions() {
    for (const { field, input } of this.inputs.values()) {
      if (!field.when) continue;
      const control = this.inputs.get(field.when.field).input;
      const value = control.type === "checkbox" ? (control.checked ? "yes" : "no") : control.value;
      input.closest(".field").hidden = !field.when.in.includes(value);
    }
  }

  shown(name) {
    return !this.inputs.get(name).input.closest(".field").hidden;
  }

  buildField(formId, field) {
    const id = `${formId}-${field.name.replaceAll(".", "-")}`;
    const errorId = uniqueId("error");
    const hintId = field.hint ? uniqueId("hint") : null;
    const describedBy = [hintId, errorId].filter(Boolean).join(" ");
    let input;
    if (field.type === "select") {
      input = h(
        "select",
        { id, name: field.name, "aria-describedby": describedBy || null },
        field.options.map(([value, label]) => h("option", { value, text: label })),
      );
    } else if (field.type === "checkbox") {
      input = h("input", { id, name: field.name, type: "checkbox", "aria-describedby": describedBy });
    } else {
      const type = { email: "email", password: "password", date: "date" }[field.type] || "text";
      const inputmode = { money: "decimal", float: "decimal", percent: "decimal", int: "numeric" }[field.type];
      input = h("input", {
        id,
        name: field.name,
        type,
        inputmode,
        autocomplete: field.autocomplete || "off",
        placeholder: field.placeholder,
        "aria-describedby": describedBy,
      });
    }
    input.dataset.field = field.name;
    this.inputs.set(field.name, { field, input, error: null });
    const error = h("p", { class: "field-error", id: errorId, hidden: true });
    this.inputs.get(field.name).error = error;
    const label = h("label", { for: id, text: field.label });
    if (field.type === "percent") label.append(h("span", { class: "unit", text: " (%)" }));
    const hint = hintId ? h("p", { class: "hint", id: hintId, text: field.hint }) : null;
    const wrap =
      field.type === "checkbox"
        ? h("div", { class: "field field-check" }, input, label, hint, error)
        : h("div", { class: "field" }, label, input, hint, error);
    if (field.wide) wrap.classList.add("wide");
    return wrap;
  }

  input(name) {
    return this.inputs.get(name).input;
  }

  // The body to send. `patch`: an emptied nullable field is sent as null; otherwise an empty
  // field is left out so the API applies its default.
  read({ patch = false } = {}) {
    const body = {};
    const emptyGroups = new Set();
    for (const { field, input } of this.inputs.values()) {
      if (field.groupKey && input.value.trim() === "") emptyGroups.add(field.group);
    }
    for (const group of emptyGroups) setPath(body, group, null);
    for (const { field, input } of this.inputs.values()) {
      if (field.readonly || field.local || emptyGroups.has(field.group)) continue;
      if (field.when && !this.shown(field.name)) {
        // Not applicable to what is chosen: cleared on an edit so the record stays consistent.
        if (patch && field.nullable) setPath(body, field.name, null);
        else if (patch && "offValue" in field) setPath(body, field.name, field.offValue);
        continue;
      }
      if (field.type === "checkbox") {
        setPath(body, field.name, input.checked);
        continue;
      }
      const raw = input.value.trim();
      if (raw === "") {
        if (field.nullable && (patch || field.sendNull)) setPath(body, field.name, null);
        continue;
      }
      setPath(body, field.name, convert(field, raw));
    }
    return body;
  }

  fill(values) {
    for (const { field, input } of this.inputs.values()) {
      const value = field.fillFrom ? field.fillFrom(values) : getPath(values, field.name);
      if (field.type === "checkbox") input.checked = Boolean(value ?? field.default);
      else if (value === null || value === undefined) input.value = field.default ?? "";
      else if (field.type === "percent") input.value = percentFromFraction(value);
      else input.value = String(value);
    }
    this.applyConditions();
    this.onFill?.(); // a view's own reaction to new values (e.g. a label that follows the kind)
  }

  reset() {
    this.fill({});
    this.clearErrors();
  }

  clearErrors() {
    this.summary.hidden = true;
    this.summary.replaceChildren();
    for (const { input, error } of this.inputs.values()) {
      input.removeAttribute("aria-invalid");
      error.hidden = true;
      error.textContent = "";
    }
  }

  // Show an API error: each `errors[].field` next to its input, the rest in the summary.
  showError(err) {
    this.clearErrors();
    const problem = err instanceof ApiError ? err : new ApiError(0, { detail: String(err.message || err) });
    const unplaced = [];
    let first = null;
    for (const item of problem.errors) {
      const slot = this.inputs.get(item.field);
      if (!slot) {
        unplaced.push(item.field && item.field !== "body" ? `${item.field}: ${item.message}` : item.message);
        continue;
      }
      slot.input.setAttribute("aria-invalid", "true");
      slot.error.hidden = false;
      slot.error.textContent = slot.error.textContent
        ? `${slot.error.textContent} ${item.message}`
        : item.message;
      first = first || slot.input;
      if (slot.field.advanced && this.details) this.details.open = true;
    }
    const heading = problem.errors.length
      ? "Please correct the highlighted fields."
      : problem.problem.detail || problem.message;
    replace(
      this.summary,
      h("p", { text: heading }),
      unplaced.length ? h("ul", {}, unplaced.map((text) => h("li", { text }))) : null,
    );
    this.summary.hidden = false;
    (first || this.submitButton).focus();
  }

  setBusy(busy) {
    for (const button of this.actions.querySelectorAll("button")) button.disabled = busy;
    this.el.setAttribute("aria-busy", busy ? "true" : "false");
  }

  async submit(event) {
    event.preventDefault();
    this.clearErrors();
    this.setBusy(true);
    try {
      await this.onSubmit(this, event.submitter);
    } catch (err) {
      this.showError(err);
    } finally {
      this.setBusy(false);
    }
  }
}

// The first error of a failed request as one sentence, for places that have no form.
export function describeError(err) {
  if (!(err instanceof ApiError)) return String(err.message || err);
  const fields = err.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  return fields ? `${err.message} (${fields})` : err.message;
}
