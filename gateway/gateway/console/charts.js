// Charts drawn as inline SVG, sized to their container (so text stays readable on a phone).
// Colours come from app.css classes; every chart has a <title>/<desc> and the caller offers
// the same figures as a table.

import { compactMoney, h, percent } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const MARGIN = { top: 20, right: 16, bottom: 44, left: 64 };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return el;
}

function niceStep(range, count) {
  const raw = range / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

function ticks(min, max, count) {
  const step = niceStep(max - min, count);
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(v);
  return out;
}

// A frame: sizes, scales and axes; returns the svg and the scale functions.
function frame(container, { xMin, xMax, yMax, yFormat, xLabel, yLabel, title, desc, band = false }) {
  const width = Math.max(300, Math.round(container.clientWidth || 640));
  const height = Math.round(Math.min(380, Math.max(230, width * 0.55)));
  const inner = { w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  const top = yMax > 0 ? yMax * 1.05 : 1;
  const yTicks = ticks(0, top, height < 280 ? 4 : 5);
  const yTop = Math.max(top, yTicks.at(-1));
  const slots = band ? xMax - xMin + 1 : Math.max(xMax - xMin, 1);
  const x = band
    ? (v) => MARGIN.left + ((v - xMin + 0.5) / slots) * inner.w
    : (v) => MARGIN.left + ((v - xMin) / slots) * inner.w;
  const y = (v) => MARGIN.top + inner.h - (Math.max(0, v) / yTop) * inner.h;
  const titleId = `chart-title-${Math.random().toString(36).slice(2)}`;
  const descId = `${titleId}-desc`;
  const svg = s("svg", {
    class: "chart",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": `${titleId} ${descId}`,
  });
  svg.append(s("title", { id: titleId }, title), s("desc", { id: descId }, desc));
  const grid = s("g", { class: "grid" });
  for (const t of yTicks) {
    grid.append(
      s("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(t), y2: y(t) }),
      s("text", { x: MARGIN.left - 6, y: y(t) + 4, "text-anchor": "end" }, yFormat(t)),
    );
  }
  const xStep = niceStep(xMax - xMin, Math.max(2, Math.floor(inner.w / 60)));
  const xAxis = s("g", { class: "axis" });
  xAxis.append(
    s("line", {
      x1: MARGIN.left,
      x2: width - MARGIN.right,
      y1: MARGIN.top + inner.h,
      y2: MARGIN.top + inner.h,
    }),
  );
  for (let v = Math.ceil(xMin / Math.max(1, xStep)) * Math.max(1, xStep); v <= xMax; v += Math.max(1, xStep)) {
    xAxis.append(s("text", { x: x(v), y: MARGIN.top + inner.h + 18, "text-anchor": "middle" }, v));
  }
  xAxis.append(
    s("text", { x: MARGIN.left + inner.w / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, xLabel),
  );
  if (yLabel) {
    xAxis.append(s("text", { x: 4, y: 12, class: "axis-label" }, yLabel));
  }
  svg.append(grid, xAxis);
  return { svg, x, y, inner, width, height, slotWidth: inner.w / slots };
}

function path(points) {
  return points.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join("");
}

function retirementMarker(chart, age, top) {
  const px = chart.x(age);
  return s(
    "g",
    { class: "retire-marker" },
    s("line", { x1: px, x2: px, y1: top, y2: MARGIN.top + chart.inner.h }),
    s(
      "text",
      { x: px + 4, y: top + 12, "text-anchor": px > chart.width * 0.7 ? "end" : "start", dx: px > chart.width * 0.7 ? -8 : 0 },
      `Retire at ${age}`,
    ),
  );
}

// Portfolio percentiles by age: p10–p90 and p25–p75 bands, the median line, retirement marked.
export function fanChart(container, { years, basis, retirementAge, title, desc }) {
  const rows = years.map((year) => ({ age: year.age, ...year[basis] }));
  const chart = frame(container, {
    xMin: rows[0].age,
    xMax: rows.at(-1).age,
    yMax: Math.max(...rows.map((r) => r.p90)),
    yFormat: compactMoney,
    xLabel: "Age",
    title,
    desc,
  });
  const { x, y } = chart;
  const band = (lo, hi) =>
    `${path(rows.map((r) => [x(r.age), y(r[hi])]))}${path(rows.slice().reverse().map((r) => [x(r.age), y(r[lo])])).replace(/^M/, "L")}Z`;
  chart.svg.append(
    s("path", { class: "band-outer", d: band("p10", "p90") }),
    s("path", { class: "band-inner", d: band("p25", "p75") }),
    s("path", { class: "median-line", d: path(rows.map((r) => [x(r.age), y(r.p50)])) }),
  );
  if (retirementAge >= rows[0].age && retirementAge <= rows.at(-1).age) {
    chart.svg.append(retirementMarker(chart, retirementAge, MARGIN.top));
  }
  container.replaceChildren(
    chart.svg,
    legend([
      ["swatch band-outer", "10th–90th percentile"],
      ["swatch band-inner", "25th–75th percentile"],
      ["swatch median-line", "Median"],
      ["swatch retire-marker", "Retirement"],
    ]),
  );
}

// Bars of a share (0–1) per integer age.
export function barChart(container, { entries, title, desc }) {
  const ages = entries.map(([age]) => age);
  const chart = frame(container, {
    xMin: Math.min(...ages),
    xMax: Math.max(...ages),
    yMax: Math.max(...entries.map(([, share]) => share)),
    yFormat: (v) => percent(v, v < 0.1 ? 1 : 0),
    xLabel: "Age when the money runs out",
    yLabel: "Share of paths",
    title,
    desc,
    band: true,
  });
  const barWidth = Math.max(2, chart.slotWidth * 0.8);
  const bars = s("g", { class: "bars" });
  for (const [age, share] of entries) {
    bars.append(
      s(
        "rect",
        { x: chart.x(age) - barWidth / 2, y: chart.y(share), width: barWidth, height: chart.y(0) - chart.y(share) },
        s("title", {}, `Age ${age}: ${percent(share)}`),
      ),
    );
  }
  chart.svg.append(bars);
  container.replaceChildren(chart.svg);
}

// Several median lines overlaid; each series is {name, points: [[age, value]], retirementAge}.
export function lineChart(container, { series, title, desc }) {
  const all = series.flatMap((one) => one.points);
  const chart = frame(container, {
    xMin: Math.min(...all.map(([age]) => age)),
    xMax: Math.max(...all.map(([age]) => age)),
    yMax: Math.max(...all.map(([, value]) => value)),
    yFormat: compactMoney,
    xLabel: "Age",
    title,
    desc,
  });
  series.forEach((one, i) => {
    chart.svg.append(
      s("path", { class: `series series-${i % 6}`, d: path(one.points.map(([a, v]) => [chart.x(a), chart.y(v)])) }),
    );
  });
  container.replaceChildren(
    chart.svg,
    legend(series.map((one, i) => [`swatch series series-${i % 6}`, one.name])),
  );
}

function legend(items) {
  return h(
    "ul",
    { class: "legend" },
    items.map(([cls, label]) => h("li", {}, h("span", { class: cls, "aria-hidden": "true" }), label)),
  );
}
