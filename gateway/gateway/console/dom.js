// Small DOM and formatting helpers. Elements are built with h(), never from HTML strings, so
// nothing the API returns can become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs);
  append(el, children);
  return el;
}

export function setAttributes(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function $(selector, root = document) {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

let uid = 0;
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// Formatting --------------------------------------------------------------------------------

let currentCurrency = "USD";

export function setCurrency(code) {
  currentCurrency = /^[A-Z]{3}$/.test(code || "") ? code : "USD";
}

function currencyFormat(options) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currentCurrency, ...options });
  } catch {
    return new Intl.NumberFormat(undefined, options);
  }
}

export function money(value) {
  if (value === null || value === undefined || value === "") return "—";
  return currencyFormat({ maximumFractionDigits: 0 }).format(Number(value));
}

export function moneyExact(value) {
  if (value === null || value === undefined || value === "") return "—";
  return currencyFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(value));
}

export function compactMoney(value) {
  return currencyFormat({ notation: "compact", maximumFractionDigits: 1 }).format(value);
}

export function percent(share, digits = 1) {
  if (share === null || share === undefined) return "—";
  return `${(share * 100).toFixed(digits)}%`;
}

// Percentages: people type 6.9 for 6.9 %; the API keeps fractions (0.069). Every form converts
// through these two, so a value typed, stored and shown again is the same number. Twelve
// significant digits drop binary noise (6.9 / 100 = 0.06900000000000001) without losing input.
export function fractionFromPercent(typed) {
  return Number((Number(typed) / 100).toPrecision(12));
}

export function percentFromFraction(value) {
  if (value === null || value === undefined || value === "") return "";
  return String(Number((Number(value) * 100).toPrecision(12)));
}

export function signed(text, value) {
  if (value === null || value === undefined) return "—";
  return value > 0 ? `+${text}` : text;
}

// Status messages ---------------------------------------------------------------------------

export function announce(message, kind = "info") {
  const status = document.getElementById("status");
  if (!status) return;
  status.className = `status status-${kind}`;
  status.textContent = message;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A visible progress state: an indeterminate bar and the seconds elapsed.
export class Progress {
  constructor(label) {
    this.label = label;
    this.text = h("span", { class: "progress-text" });
    this.el = h("div", { class: "progress", hidden: true }, h("progress", { "aria-label": label }), this.text);
    this.timer = null;
  }

  start(message) {
    const started = Date.now();
    const tick = () => {
      this.text.textContent = `${message} ${Math.floor((Date.now() - started) / 1000)} s`;
    };
    tick();
    this.el.hidden = false;
    this.timer = setInterval(tick, 500);
    announce(message);
  }

  stop() {
    clearInterval(this.timer);
    this.el.hidden = true;
  }
}
