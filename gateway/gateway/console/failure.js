// The success rate explained: how often money runs short, when, and by how much; how often
// discretionary spending is cut; when the money runs out; who lives how long; in historical
// mode, the start years of history that fared worst.

import { lineChart, shareBars } from "./charts.js";
import { h, money, percent } from "./dom.js";

// The mean age at which failing paths first fail: depletion_ages maps an age to the share of
// *all* paths first failing at it, so the weights are those shares.
export function meanDepletionAge(depletionAges) {
  let weight = 0;
  let total = 0;
  for (const [age, share] of Object.entries(depletionAges || {})) {
    weight += share;
    total += Number(age) * share;
  }
  return weight > 0 ? total / weight : null;
}

export function successBox(r) {
  const lasts = r.success_rate >= 1;
  const detail =
    r.paths === 1
      ? lasts
        ? "The money lasts the whole plan with these fixed returns."
        : "With these fixed returns the money runs out before the plan ends."
      : `of ${r.paths.toLocaleString()} simulated futures fund essential spending every year.`;
  return h(
    "div",
    { class: `success ${r.success_rate >= 0.85 ? "good" : r.success_rate >= 0.6 ? "fair" : "poor"}`, id: "success-rate" },
    h("span", { class: "success-label", text: "Success rate" }),
    h("span", { class: "success-value", text: percent(r.success_rate) }),
    h("span", { class: "success-detail", text: detail }),
  );
}

// The sentences under the success rate; each number is a field of the result (or the mean age).
export function failureSentences(r) {
  const out = [];
  const failing = 1 - r.success_rate;
  const s = r.shortfall;
  if (failing <= 0) {
    out.push(r.paths === 1 ? "Essential spending is funded every year." : `In none of the ${r.paths.toLocaleString()} futures does money run short of essential spending.`);
  } else {
    const age = meanDepletionAge(r.depletion_ages);
    let text = `In the ${percent(failing)} of futures where money runs short, it runs out at ${age === null ? "—" : Math.round(age)} on average`;
    if (s?.unfunded_real && s?.years_short) {
      const years = s.years_short.p50;
      const perYear = years > 0 ? s.unfunded_real.p50 / years : 0;
      text += ` and leaves about ${money(perYear)} a year of essential spending unfunded: ${money(s.unfunded_real.p50)} in all over ${years} ${years === 1 ? "year" : "years"} (medians, today's money).`;
    } else {
      text += ".";
    }
    out.push(text);
  }
  if (r.adjustment_rate !== null && r.adjustment_rate !== undefined) {
    if (r.adjustment_rate > 0 && s?.deepest_cut) {
      const { p50, p90 } = s.deepest_cut;
      const how =
        p50 >= 0.995
          ? "in at least half of those it stops entirely for a while"
          : `the deepest cut is ${percent(p50, 0)} of it in a typical one${p90 > p50 + 0.005 ? `, ${percent(p90, 0)} or more in 1 of 10` : ""}`;
      out.push(`In ${percent(r.adjustment_rate)} of futures discretionary spending is cut in some year; ${how}.`);
    } else {
      out.push("Discretionary spending is never cut.");
    }
  }
  return out;
}

export function failureSection(r) {
  return h(
    "div",
    { class: "failure", id: "failure" },
    failureSentences(r).map((text, i) => h("p", { class: i === 0 ? "failure-main" : "", text })),
  );
}

// The depletion-age chart, and under stochastic longevity the death-age chart.
export async function drawFailureCharts(r, { depletion, lifespans }) {
  const last = r.years.at(-1);
  const entries = Object.entries(r.depletion_ages || {})
    .map(([age, share]) => [Number(age), share])
    .filter(([, share]) => share > 0)
    .sort((a, b) => a[0] - b[0]);
  if (!entries.length) {
    depletion.replaceChildren(h("p", { class: "empty", text: `In no simulated future does the money run out before age ${last.age}.` }));
  } else {
    await shareBars(depletion, {
      series: [{ name: "Money runs out", entries }],
      xTitle: "Age when the money runs out",
      label: "Age when the money runs out",
      desc: entries.map(([age, share]) => `age ${age}: ${percent(share)}`).join(", "),
      caption: "Share of all futures that first run short of essential spending at each age.",
    });
  }
  if (!lifespans) return;
  if (!r.lifespans) {
    lifespans.hidden = true;
    return;
  }
  lifespans.hidden = false;
  const names = { self: "You", partner: "Your partner" };
  const series = r.lifespans.people.map((p) => ({
    name: names[p.person] || p.person,
    entries: Object.entries(p.death_age.shares)
      .map(([age, share]) => [Number(age), share])
      .sort((a, b) => a[0] - b[0]),
  }));
  const medians = r.lifespans.people.map((p) => `${names[p.person].toLowerCase()} ${Math.round(p.death_age.percentiles.p50)}`).join(", ");
  const figure = h("figure", { class: "chart-box", id: "lifespan-chart" });
  lifespans.replaceChildren(
    h("h3", { text: "How long you live" }),
    h("p", { id: "lifespan-sentence", text: `Lifespans are drawn at random. The money lasts as long as someone lives in ${percent(r.lifespans.money_lasts_share)} of futures. Median death age: ${medians}.` }),
    figure,
  );
  await shareBars(figure, {
    series,
    xTitle: "Age at death",
    label: "Age at death",
    desc: `Median death age: ${medians}.`,
    caption: "Share of futures in which each person dies at each age.",
  });
}

// Historical mode (fixed lifespans): the start years of history that fared worst, cFIREsim's
// 1966 view. Each future replays history from its start year; the result lists the failing
// ones first (earliest run-out), then the lowest endings. A table, and their paths drawn.
export async function drawWorstYears(r, box) {
  const worst = r.worst_start_years;
  if (!worst?.length) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  const ages = r.years.map((y) => y.age);
  const last = ages.at(-1);
  const failing = worst.filter((w) => w.depleted_at_age !== null).length;
  const intro = failing
    ? `Each future replays history from one start year: its first year earns that year's returns and inflation. In ${failing} of the ${r.paths.toLocaleString()} start years the money runs out; the worst first (amounts in today's money).`
    : `Each future replays history from one start year: its first year earns that year's returns and inflation. In every one of the ${r.paths.toLocaleString()} start years the money lasts; these ${worst.length} end with the least (amounts in today's money).`;
  const figure = h("figure", { class: "chart-box", id: "worst-years-chart" });
  box.replaceChildren(
    h("h3", { text: "Worst start years" }),
    h("p", { id: "worst-years-sentence", text: intro }),
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Worst start years" },
      h(
        "table",
        { id: "worst-years-table" },
        h("thead", {}, h("tr", {}, [["Start year", ""], ["Runs out at", ""], [`Left at ${last}`, "num"]].map(([t, c]) => h("th", { scope: "col", class: c, text: t })))),
        h(
          "tbody",
          {},
          worst.map((w) =>
            h(
              "tr",
              { class: w.depleted_at_age === null ? "" : "fails" },
              h("th", { scope: "row", text: String(w.start_year) }),
              h("td", { text: w.depleted_at_age === null ? "Never" : `Age ${w.depleted_at_age}` }),
              h("td", { class: "num", text: money(w.final_portfolio_real) }),
            ),
          ),
        ),
      ),
    ),
    figure,
  );
  const first = worst[0];
  await lineChart(figure, {
    series: worst.map((w) => ({ name: String(w.start_year), points: ages.map((age, i) => [age, w.portfolio_real[i]]) })),
    label: "Portfolio of the worst start years by age, today's money",
    desc: `${first.start_year}, the worst, ${first.depleted_at_age === null ? `ends with ${money(first.final_portfolio_real)}` : `runs out at ${first.depleted_at_age}`}. The table above has each start year.`,
    caption: "Portfolio at the start of each year in today's money, replaying history from each start year.",
  });
}
