// The console's entry point: sign-in, the section router, the overview and the profile.

import { Api } from "./api.js";
import { $, announce, h, money, percent, replace, setCurrency } from "./dom.js";
import { describeError, Form } from "./forms.js";
import { AccountView } from "./account.js";
import { incomeTotals, TOTALS_NOTE } from "./household.js";
import { LedgerView } from "./ledger.js";
import { PlanView } from "./plan.js";
import { buildProfile } from "./profile.js";
import { ScenariosView } from "./scenarios.js";

const SECTIONS = ["overview", "profile", "ledger", "plan", "scenarios", "account"];
const PASSWORD_HINT = "12 to 256 characters.";
const FLASH_KEY = "nestegg.flash";

const api = new Api();
const state = { me: null, profile: null, profileEtag: null, projections: null, projection: null, scenarios: [] };
const ctx = { api, state, confirm: confirmDialog, leave: (message) => leaveApp(message) };
let views = null;

// A modal yes/no question (the native <dialog> traps focus and closes on Escape).
function confirmDialog(question, okLabel = "Delete") {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = question;
  $("#confirm-ok").textContent = okLabel;
  return new Promise((resolve) => {
    const done = (answer) => {
      dialog.close();
      resolve(answer);
    };
    $("#confirm-ok").onclick = () => done(true);
    $("#confirm-cancel").onclick = () => done(false);
    dialog.oncancel = () => resolve(false);
    dialog.showModal();
    $("#confirm-cancel").focus();
  });
}

// Sign-in -------------------------------------------------------------------------------------

function buildAuth() {
  const login = new Form({
    id: "login-form",
    legend: "Log in",
    columns: false,
    fields: [
      { name: "email", label: "Email", type: "email", autocomplete: "username" },
      { name: "password", label: "Password", type: "password", autocomplete: "current-password" },
    ],
    submitLabel: "Log in",
    onSubmit: async (form) => {
      const { email, password } = form.read();
      await api.login(email ?? "", password ?? "");
      await enterApp("overview");
      announce("You are logged in.", "success");
    },
  });
  const signup = new Form({
    id: "signup-form",
    legend: "Create an account",
    columns: false,
    fields: [
      { name: "email", label: "Email", type: "email", autocomplete: "email" },
      { name: "password", label: "Password", type: "password", autocomplete: "new-password", hint: PASSWORD_HINT },
    ],
    submitLabel: "Sign up",
    onSubmit: async (form) => {
      const { email, password } = form.read();
      await api.register(email ?? "", password ?? "");
      await api.login(email, password);
      await enterApp("overview");
      announce("Welcome to Nestegg! Start with your profile.", "success");
    },
  });
  $("#login-card").append(login.el);
  $("#signup-card").append(signup.el);
  return { login, signup };
}

// Sections ------------------------------------------------------------------------------------

function showView(name) {
  document.body.classList.remove("loading");
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== `view-${name}`;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function route({ focus = true } = {}) {
  if (!api.signedIn) {
    showView("auth");
    return;
  }
  const hash = window.location.hash.slice(1);
  const name = SECTIONS.includes(hash) ? hash : "overview";
  showView(name);
  const view = document.getElementById(`view-${name}`);
  if (focus) view.querySelector("h1")?.focus();
  view.setAttribute("aria-busy", "true"); // its forms fill in once the data is here
  try {
    await views[name].load();
  } catch (err) {
    announce(describeError(err), "error");
  } finally {
    view.setAttribute("aria-busy", "false");
  }
}

async function enterApp(section) {
  state.me = await api.get("/me");
  await loadProfile();
  $("#who").textContent = state.me.email;
  $("#session").hidden = false;
  $("#nav").hidden = false;
  if (!SECTIONS.includes(window.location.hash.slice(1))) {
    window.history.replaceState(null, "", `#${section}`); // no hashchange: route() follows
  }
  await route();
}

// Signing out starts a fresh page, so nothing of the last user stays in memory or on screen.
function leaveApp(message) {
  try {
    sessionStorage.setItem(FLASH_KEY, message);
  } catch {
    // the message is lost; the page still resets
  }
  window.location.replace("/");
}

function showSignIn() {
  $("#session").hidden = true;
  $("#nav").hidden = true;
  showView("auth");
  let message = null;
  try {
    message = sessionStorage.getItem(FLASH_KEY);
    sessionStorage.removeItem(FLASH_KEY);
  } catch {
    // no storage, no message
  }
  if (message) announce(message);
}

// Profile -------------------------------------------------------------------------------------

async function loadProfile() {
  const { data, etag } = await api.send("GET", "/me/profile");
  state.profile = data;
  state.profileEtag = etag;
  setCurrency(data.currency);
}

// Overview ------------------------------------------------------------------------------------

function buildOverview() {
  const root = $("#overview-body");
  return {
    async load() {
      // The incomes give the two income totals; without them (ledger down) those show "—".
      const [board, incomes] = await Promise.all([api.get("/dashboard"), api.all("/incomes").catch(() => null)]);
      if (board.profile) state.profile = board.profile;
      const summary = board.ledger_summary;
      const run = board.latest_run;
      const plan = run ? await planRate(run) : null;
      const hasLedger = summary && (Number(summary.total_assets) > 0 || Number(summary.annual_expenses) > 0);
      const steps = [
        [Boolean(board.profile?.birth_date), "#profile", "Fill in your profile", "your birth date, when you want to retire and how long to plan for."],
        [Boolean(hasLedger), "#ledger", "Enter your ledger", "what you own, owe, earn and spend."],
        [Boolean(run), "#plan", "Run a projection", "see how likely your money is to last."],
        [null, "#scenarios", "Try what-ifs", "retire earlier, spend less, and compare."],
      ];
      const figures = summary
        ? [
            ["Net worth", money(summary.net_worth)],
            ["Assets", money(summary.total_assets)],
            ["Debts", money(summary.total_debts)],
            // Salary and Social Security never flow together: two totals, never their sum.
            ...(() => {
              const t = incomes ? incomeTotals(incomes, board.profile) : { working: null, retired: null };
              return [["Income a year, working", money(t.working)], ["Income a year, retired", money(t.retired)]];
            })(),
            ["Expenses a year", money(summary.annual_expenses)],
          ]
        : [];
      replace(
        root,
        h(
          "section",
          { class: "card", "aria-labelledby": "steps-title" },
          h("h2", { id: "steps-title", text: "Getting started" }),
          h(
            "ol",
            { class: "steps" },
            steps.map(([done, href, title, text]) =>
              h("li", { class: done ? "done" : done === null ? "optional" : "" }, h("span", { class: "step-state", text: done ? "Done" : done === null ? "Optional" : "To do" }), h("a", { href, text: title }), `: ${text}`),
            ),
          ),
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "figures-title" },
          h("h2", { id: "figures-title", text: "Your numbers" }),
          figures.length
            ? [
                h("dl", { class: "figures" }, figures.map(([k, v]) => h("div", {}, h("dt", { text: k }), h("dd", { text: v })))),
                h("p", { class: "hint", text: `Incomes in today's money. ${TOTALS_NOTE}` }),
              ]
            : h("p", { class: "empty", text: "The ledger summary is unavailable right now." }),
          plan
            ? h("p", { id: "overview-run" }, `Your plan “${run.projection_name}”: success rate `, h("strong", { text: percent(plan.success_rate) }), ".")
            : h("p", { class: "muted", text: "No projection has been run yet." }),
        ),
      );
    },
  };
}

// The plan's own success rate. The latest run may be a scenario's (run through the API with a
// scenario_id; a compare stores nothing): then the baseline's run is asked for, which the
// service answers from its store while the inputs are unchanged.
async function planRate(run) {
  if (!run.scenario_id) return run;
  try {
    return (await api.send("POST", `/projections/${run.projection_id}/run`, { body: {} })).data;
  } catch {
    return null;
  }
}

// Start ---------------------------------------------------------------------------------------

async function start() {
  buildAuth();
  const ledger = new LedgerView(api, $("#ledger-body"), confirmDialog);
  views = {
    overview: buildOverview(),
    profile: buildProfile(ctx, $("#profile-card"), loadProfile),
    ledger,
    plan: new PlanView(ctx, $("#plan-body")),
    scenarios: new ScenariosView(ctx, $("#scenarios-body")),
    account: new AccountView(ctx, $("#account-body")),
  };
  api.onSignedOut = () => leaveApp("Your session has ended. Please log in again.");
  $("#logout").addEventListener("click", async () => {
    await api.logout();
    leaveApp("You are logged out.");
  });
  window.addEventListener("hashchange", () => {
    const hash = window.location.hash.slice(1);
    if (hash && !SECTIONS.includes(hash)) return; // other hashes (the skip link) are in-page
    announce(""); // the last action's message belongs to the last page
    route();
  });
  if (api.refreshToken && (await api.refresh())) {
    try {
      await enterApp(window.location.hash.slice(1) || "overview");
      return;
    } catch (err) {
      announce(describeError(err), "error");
    }
  }
  showSignIn();
}

start();
