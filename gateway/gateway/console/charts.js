// Charts drawn by plotly.js (served by the gateway from the installed `plotly` wheel; see
// docs/CONSOLE.md, "Charts"). plotly.js is loaded on first use, so signing in does not fetch it.
// Each chart sits in a <figure> whose plot is role="img" with a label and a description in
// words; the caller always offers the same figures as a table.

import { compactMoney, h, money, percent, uniqueId } from "./dom.js";

const BUNDLE = "/console/vendor/plotly.min.js";
const STYLES = "/console/vendor/plotly.css";
// At load, the bundle writes the map traces' style sheet (MapLibre's) into an inline <style>
// unless an element with this id exists; the console draws no maps, so a placeholder stands in
// and the policy has nothing to refuse (gateway/tests/test_console_vendor.py checks the id).
export const MAP_STYLES_ID = "9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53";
export const COLOURS = {
  median: "#0b3d6e",
  bandOuter: "#b9d3ee",
  bandInner: "#6fa4dc",
  retire: "#a34a00",
  muted: "#4a4f57",
  grid: "#e3e6eb",
};
// Colour-blind-safe (Okabe–Ito, darkened where needed for contrast), then a few more.
export const PALETTE = ["#0b5cad", "#a34a00", "#1b6e3a", "#6b2fa0", "#b00020", "#0f7b86", "#8a6d00", "#555555", "#c25e9a", "#3a7d44"];
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif';

let loading = null;

// plotly.js reads its base rules from a <link id="plotly.js-style-global" class="no-inline-styles">
// when there is one, instead of writing an inline <style> the policy would refuse.
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      if (!document.getElementById("plotly.js-style-global")) {
        document.head.append(h("link", { rel: "stylesheet", id: "plotly.js-style-global", class: "no-inline-styles", href: STYLES }));
      }
      if (!document.getElementById(MAP_STYLES_ID)) document.head.append(h("meta", { id: MAP_STYLES_ID, name: "plotly-map-styles", content: "unused" }));
      const script = h("script", { src: BUNDLE });
      script.addEventListener("load", () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js did not load"))));
      script.addEventListener("error", () => {
        loading = null;
        reject(new Error("The chart library could not be loaded."));
      });
      document.head.append(script);
    });
  }
  return loading;
}

function baseLayout(container, { xTitle = "Age", yTitle = "", yFormat = "money", legend = true, extra = {} } = {}) {
  const width = Math.max(280, Math.round(container.clientWidth || 640));
  const narrow = width < 520;
  return {
    autosize: true,
    height: Math.round(Math.min(420, Math.max(300, width * 0.55))) + (legend && narrow ? 60 : 0),
    margin: { l: narrow ? 52 : 68, r: 12, t: 12, b: legend ? (narrow ? 110 : 80) : 48 },
    font: { family: FONT, size: narrow ? 11 : 12, color: "#1a1a1a" },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    hovermode: "x unified",
    hoverlabel: { bgcolor: "#ffffff", bordercolor: COLOURS.muted, font: { family: FONT, size: 12 } },
    showlegend: legend,
    legend: { orientation: "h", x: 0, y: -0.2, yanchor: "top", font: { size: narrow ? 11 : 12 } },
    xaxis: { title: { text: xTitle }, gridcolor: COLOURS.grid, zeroline: false, fixedrange: true, dtick: narrow ? 10 : 5 },
    yaxis: {
      title: { text: yTitle },
      gridcolor: COLOURS.grid,
      fixedrange: true,
      rangemode: "tozero",
      tickformat: yFormat === "percent" ? ".0%" : undefined,
      // compact money on the axis (1.2M); the hover says the exact figure
      ...(yFormat === "money" ? { tickformat: "~s" } : {}),
    },
    ...extra,
  };
}

// Draw traces into a figure: the figure gets a plot (role=img with label and words) and a caption.
export async function plot(figure, { traces, layout = {}, label, desc, caption }) {
  const Plotly = await loadPlotly();
  const descId = uniqueId("chart-desc");
  const area = h("div", { class: "plot", role: "img", "aria-label": label, "aria-describedby": descId });
  figure.replaceChildren(...[area, h("p", { class: "visually-hidden", id: descId, text: desc }), caption && h("figcaption", { text: caption })].filter(Boolean));
  const full = baseLayout(figure, layout);
  for (const axis of ["xaxis", "yaxis"]) if (layout[axis]) full[axis] = { ...full[axis], ...layout[axis] };
  if (layout.shapes) full.shapes = layout.shapes;
  if (layout.annotations) full.annotations = layout.annotations;
  if (layout.barmode) full.barmode = layout.barmode;
  await Plotly.newPlot(area, traces, full, { displayModeBar: false, responsive: true, displaylogo: false });
  // The SVG plotly draws is decoration for assistive technology: the label, words and table say it.
  for (const svg of area.querySelectorAll("svg")) svg.setAttribute("aria-hidden", "true");
  return area;
}

// A vertical dashed line at the retirement age, labelled.
export function retirementShape(age) {
  return {
    shapes: [{ type: "line", xref: "x", yref: "paper", x0: age, x1: age, y0: 0, y1: 1, line: { color: COLOURS.retire, width: 2, dash: "dash" } }],
    annotations: [{ x: age, xref: "x", y: 1, yref: "paper", text: `Retire at ${age}`, showarrow: false, xanchor: "left", xshift: 4, yanchor: "top", font: { color: COLOURS.retire } }],
  };
}

// hovertemplate for money: the exact amount in the profile's currency, computed here (plotly's
// d3-format knows only $), so the hover and the table say the same thing.
function moneyText(values) {
  return values.map((v) => money(v));
}

// Under random lifespans a result's last rows are over the few futures with someone still
// alive, and their medians jump about; charts stop where fewer than 2% are (tables keep every
// row). Answers the years to draw and the last age drawn when rows were left out.
const ALIVE_SHOWN = 0.02;
export function yearsToDraw(result) {
  if (!result.lifespans) return { years: result.years, cutAt: null };
  const years = result.years.filter((y, i) => i === 0 || y.alive_share >= ALIVE_SHOWN);
  return { years, cutAt: years.length < result.years.length ? years.at(-1).age : null };
}

// Portfolio percentiles by age: p10–p90 and p25–p75 bands, the median line, retirement marked.
export function fanChart(figure, { years, basis, retirementAge, label, desc, caption }) {
  const ages = years.map((y) => y.age);
  const series = (p) => years.map((y) => y[basis][p]);
  const band = (lo, hi, colour, name) => [
    { x: ages, y: series(lo), type: "scatter", mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false },
    { x: ages, y: series(hi), type: "scatter", mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: colour, name, text: moneyText(series(lo)).map((lo2, i) => `${lo2} – ${money(series(hi)[i])}`), hovertemplate: "%{text}" },
  ];
  const traces = [
    ...band("p10", "p90", COLOURS.bandOuter, "10th–90th percentile"),
    ...band("p25", "p75", COLOURS.bandInner, "25th–75th percentile"),
    { x: ages, y: series("p50"), type: "scatter", mode: "lines", line: { color: COLOURS.median, width: 3 }, name: "Median", text: moneyText(series("p50")), hovertemplate: "%{text}" },
  ];
  const inRange = retirementAge >= ages[0] && retirementAge <= ages.at(-1);
  return plot(figure, { traces, layout: inRange ? retirementShape(retirementAge) : {}, label, desc, caption });
}

// Bars of a share (0–1) per age; `series` is [{name, entries: [[age, share]]}].
export function shareBars(figure, { series, xTitle, label, desc, caption }) {
  const top = Math.max(...series.flatMap((one) => one.entries.map(([, share]) => share)));
  const traces = series.map((one, i) => ({
    x: one.entries.map(([age]) => age),
    y: one.entries.map(([, share]) => share),
    type: "bar",
    name: one.name,
    marker: { color: PALETTE[i % PALETTE.length] },
    text: one.entries.map(([, share]) => percent(share)),
    textposition: "none",
    hovertemplate: "%{text}",
  }));
  return plot(figure, {
    traces,
    layout: { xTitle, yTitle: "Share of futures", yFormat: "percent", legend: series.length > 1, barmode: "group", xaxis: { dtick: undefined }, yaxis: { tickformat: top < 0.1 ? ".1%" : ".0%" } },
    label,
    desc,
    caption,
  });
}

// Lines by age; `series` is [{name, points: [[age, value]]}], the first drawn boldest. Past
// MANY_LINES the lines are thin and grey-toned, with no legend and a hover of the one line
// pointed at: the table under the chart names them all.
const MANY_LINES = 8;
export function lineChart(figure, { series, label, desc, caption, layout = {} }) {
  const dashes = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];
  const many = series.length > MANY_LINES;
  // One line per series: ages along, values up, the money shown on hover.
  const line = (one) => ({
    x: one.points.map(([age]) => age),
    y: one.points.map(([, value]) => value),
    type: "scatter",
    mode: "lines",
    name: one.name,
    text: moneyText(one.points.map(([, value]) => value)),
  });
  if (many) {
    const traces = series.map((one, i) => ({
      ...line(one),
      line: i === 0 ? { color: COLOURS.median, width: 3.5 } : { color: PALETTE[i % PALETTE.length], width: 1.2 },
      opacity: i === 0 ? 1 : 0.55,
      hovertemplate: "%{fullData.name}<br>Age %{x}: %{text}<extra></extra>",
    }));
    traces.push(traces.shift()); // the baseline drawn last, on top
    return plot(figure, { traces, layout: { legend: false, extra: { hovermode: "closest" }, ...layout }, label, desc, caption });
  }
  const traces = series.map((one, i) => ({
    ...line(one),
    line: { color: i === 0 ? COLOURS.median : PALETTE[i % PALETTE.length], width: i === 0 ? 3 : 2, dash: dashes[i % dashes.length] },
    hovertemplate: "%{text}",
  }));
  return plot(figure, { traces, layout, label, desc, caption });
}

// Stacked bars by age; `stacks` is [{name, values}] (one value per age), `lines` overlaid.
export function stackedBars(figure, { ages, stacks, lines = [], label, desc, caption, layout = {} }) {
  const traces = stacks
    .filter((one) => one.values.some((v) => v))
    .map((one, i) => ({
      x: ages,
      y: one.values,
      type: "bar",
      name: one.name,
      marker: { color: one.colour || PALETTE[i % PALETTE.length] },
      text: moneyText(one.values),
      textposition: "none",
      hovertemplate: "%{text}",
    }));
  for (const one of lines) {
    traces.push({ x: ages, y: one.values, type: "scatter", mode: "lines", name: one.name, line: { color: one.colour || "#1a1a1a", width: 2.5, dash: one.dash || "solid" }, text: moneyText(one.values), hovertemplate: "%{text}" });
  }
  return plot(figure, { traces, layout: { barmode: "stack", ...layout }, label, desc, caption });
}

export { compactMoney };
