// Line charts drawn as SVG in the page: the learning curves change every
// few seconds, so they are drawn here from numbers rather than fetched as
// the report's SVG files.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

// The report's colours (pkg/report/plots.go), kept apart for colour-blind readers.
const COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// niceTicks returns about n round values from at or below lo to at or above hi.
function niceTicks(lo, hi, n) {
  if (!(hi > lo)) { const d = Math.abs(lo) * 0.05 || 0.5; lo -= d; hi += d; }
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw);
  const ticks = [];
  for (let k = Math.floor(lo / step); k <= Math.ceil(hi / step); k++) ticks.push(+(k * step).toPrecision(12));
  return { lo: ticks[0], hi: ticks[ticks.length - 1], ticks };
}

// lineChart draws series [{id, label, points: [[x, y], ...], colour, dashed}]
// as one SVG. Each series is a group of its path and a dot per point; the
// path carries data-trial and data-points (its number of points), which
// tests read.
function lineChart(opts) {
  const { title, width = 560, height = 320 } = opts;
  const svg = svgEl("svg", { class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  updateChart(svg, opts);
  return svg;
}

// updateChart redraws a lineChart for new data. While its axes, series and
// labels are those drawn last, it only adds each series' new points (the
// path gets its new segment, the dots are appended): a live curve's new
// epoch costs the browser a few nodes instead of a whole chart.
function updateChart(svg, { title, xLabel, yLabel, series, width = 560, height = 320, integerX = true }) {
  const L = chartLayout(series, width, height, integerX);
  const key = JSON.stringify([title, xLabel, yLabel, L && L.key, series.map(s => [s.id, s.label, s.colour, !!s.dashed])]);
  if (svg.dataset.key !== key) {
    svg.dataset.key = key;
    drawFrame(svg, { title, xLabel, yLabel, width, height }, L);
    if (L) for (const s of series) svg.appendChild(svgEl("g", { class: "series" }));
  }
  if (!L) return;
  svg.querySelectorAll("g.series").forEach((g, i) => drawSeries(g, series[i], L));
}

// chartLayout is a chart's scales (null without points); its key changes
// when an axis does.
function chartLayout(series, width, height, integerX) {
  const pts = series.flatMap(s => s.points);
  if (pts.length === 0) return null;
  const m = { left: 62, right: 14, top: 28, bottom: 42 };
  const xs = niceTicks(Math.min(...pts.map(p => p[0])), Math.max(...pts.map(p => p[0])), 6);
  const ys = niceTicks(Math.min(...pts.map(p => p[1])), Math.max(...pts.map(p => p[1])), 5);
  if (integerX) xs.ticks = xs.ticks.filter(v => Number.isInteger(v));
  const w = width - m.left - m.right, h = height - m.top - m.bottom;
  const X = x => m.left + (xs.hi > xs.lo ? (x - xs.lo) / (xs.hi - xs.lo) : 0.5) * w;
  const Y = y => m.top + (1 - (ys.hi > ys.lo ? (y - ys.lo) / (ys.hi - ys.lo) : 0.5)) * h;
  return { m, xs, ys, w, h, X, Y, key: [width, height, xs.lo, xs.hi, xs.ticks, ys.lo, ys.hi, ys.ticks] };
}

// drawFrame draws a chart's title, grid, axes and labels (L null: no points).
function drawFrame(svg, { title, xLabel, yLabel, width, height }, L) {
  svg.replaceChildren();
  const m = L ? L.m : { left: 62 };
  svg.appendChild(svgEl("text", { class: "title", x: m.left, y: 18 }, title));
  if (!L) {
    svg.appendChild(svgEl("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "muted" }, "no epochs yet"));
    return;
  }
  const { xs, ys, w, h, X, Y } = L;
  for (const v of ys.ticks) {
    svg.appendChild(svgEl("line", { class: "grid", x1: m.left, x2: m.left + w, y1: Y(v), y2: Y(v) }));
    svg.appendChild(svgEl("text", { x: m.left - 6, y: Y(v) + 4, "text-anchor": "end" }, fmtTick(v, ys.ticks)));
  }
  for (const v of xs.ticks) {
    svg.appendChild(svgEl("line", { class: "axis", x1: X(v), x2: X(v), y1: m.top + h, y2: m.top + h + 4 }));
    svg.appendChild(svgEl("text", { x: X(v), y: m.top + h + 16, "text-anchor": "middle" }, fmtTick(v, xs.ticks)));
  }
  svg.appendChild(svgEl("rect", { class: "axis", x: m.left, y: m.top, width: w, height: h, fill: "none" }));
  svg.appendChild(svgEl("text", { x: m.left + w / 2, y: height - 6, "text-anchor": "middle" }, xLabel));
  svg.appendChild(svgEl("text", { x: 12, y: m.top + h / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${m.top + h / 2})` }, yLabel));
}

// drawSeries brings series group g up to s's points: it appends the points
// it has not drawn yet, or draws them all again if s has fewer than it drew
// (a trial that started over).
function drawSeries(g, s, { X, Y }) {
  let path = g.firstChild;
  const drawn = path ? +path.dataset.points : 0;
  if (drawn === s.points.length) return;
  if (s.points.length < drawn) { g.replaceChildren(); path = null; }
  if (s.points.length === 0) return;
  if (!path) {
    path = svgEl("path", { class: "curve", fill: "none", stroke: s.colour, "stroke-width": 2, "data-trial": s.id });
    if (s.dashed) path.setAttribute("stroke-dasharray", "6 4");
    path.appendChild(svgEl("title", {}, s.label));
    g.appendChild(path);
  }
  const from = g.childElementCount - 1; // dots drawn
  path.setAttribute("d", s.points.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(""));
  path.setAttribute("data-points", s.points.length);
  for (const p of s.points.slice(from)) {
    const dot = svgEl("circle", { cx: X(p[0]), cy: Y(p[1]), r: 2.5, fill: s.colour });
    dot.appendChild(svgEl("title", {}, `${s.label}\nepoch ${p[0]}: ${p[1].toPrecision(5)}`));
    g.appendChild(dot);
  }
}

// fmtTick prints a tick with as many decimals as its neighbours need.
function fmtTick(v, ticks) {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(v) || 1;
  const dec = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(dec);
}
