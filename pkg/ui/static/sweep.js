// #/sweep/NAME: one sweep. Its table of every trial and the live curves come
// first (they load in well under a second on any sweep); the report's
// analyses follow when the server has built them.
"use strict";

const TABLE_PAGE = 200; // rows shown before "show more"
// The table is fetched again at most this often (ms) while trials change
// status, the analyses when trials finish: the curves are what follows
// every epoch, and a redrawn table costs the browser far more than a curve.
const TABLE_EVERY = 5000;
// The page is redrawn at most this often (ms): each draw shows the latest
// of what the server streamed meanwhile.
const DRAW_EVERY = 1000;

function sweepView(name, view) {
  document.title = name + " — sweep ui";
  const head = el("div", { id: "sweep-head" });
  const curves = el("div", { id: "curves" });
  const running = el("div", { id: "running" });
  const trials = el("div", { id: "trials" });
  const analyses = el("div", { id: "analyses" }, el("p", { class: "muted", text: "Computing the report's analyses…" }));
  const spec = el("div", { id: "spec" });
  $main().replaceChildren(head, el("h2", { text: "Learning curves" }), curves, running,
    el("h2", { text: "Trials" }), trials, analyses, el("h2", { text: "Spec" }), spec);

  const state = { data: null, report: null, live: null, table: { sort: 1, desc: false, model: "", status: "", limit: TABLE_PAGE } };
  let tableAt = 0, reportAt = 0, reportFinished = -1;
  const timers = {};
  // draw(part) redraws a part of the page from state, on the throttle's
  // schedule; parts marked meanwhile are drawn together.
  const draw = throttled(view, DRAW_EVERY, parts => {
    if (parts.has("head") && state.data) renderHead(head, state.data, state.live);
    if (parts.has("curves")) renderCurves(curves, state);
    if (parts.has("running") && state.live) renderRunning(running, state.live);
    if (parts.has("table") && state.data) renderTrials(trials, state);
    if (parts.has("analyses") && state.report) renderAnalyses(analyses, name, state.report);
  }, () => refresh());

  const loadTable = async () => {
    state.data = await getJSON(`/api/sweeps/${enc(name)}`);
    tableAt = Date.now();
    if (!view.alive()) return;
    document.getElementById("database").textContent = state.data.Database;
    if (!spec.firstChild) spec.replaceChildren(el("pre", { text: state.data.Spec }));
    draw("head"); draw("table");
  };
  let reportText = "";
  const loadReport = async () => {
    try {
      reportFinished = finished(state.live);
      state.report = await getJSON(`/api/sweeps/${enc(name)}/report`);
      reportAt = Date.now();
      const text = JSON.stringify([state.report.Results, state.report.Plots]);
      if (view.alive() && text !== reportText) { // a rebuild need not change anything shown
        reportText = text;
        draw("analyses"); draw("curves");
      }
    } catch (e) {
      if (view.alive()) showError(analyses, e);
    }
  };
  // refresh fetches the table again when a trial changed status (the live
  // version moved on), and the analyses when a trial finished, as soon as
  // the server says it will have rebuilt them (Built.Next), and again until
  // they are of the latest version. Not while the page is hidden: it
  // catches up when shown.
  const refresh = () => {
    if (document.hidden) return;
    const jobs = [["table", state.data, tableAt, loadTable], ["report", state.report, reportAt, loadReport]];
    for (const [kind, have, at, load] of jobs) {
      if (!have || !state.live || have.Built.Version === state.live.Version || timers[kind]) continue;
      if (kind === "report" && finished(state.live) === reportFinished) continue;
      timers[kind] = setTimeout(async () => {
        if (!view.alive()) return;
        try { await load(); } finally { timers[kind] = null; refresh(); }
      }, Math.max(0, at + Math.max(have.Built.Next / 1e6, TABLE_EVERY) - Date.now()));
    }
  };

  loadTable().then(() => loadReport()).then(refresh).catch(e => showError(head, e));
  let shown = "", shownCounts = "";
  view.listen(`/api/sweeps/${enc(name)}/live`, live => {
    state.live = live;
    const now = JSON.stringify(live.Running);
    if (now !== shown) { // redraw the curves when they changed, not when only the counts did
      shown = now;
      draw("curves"); draw("running");
    }
    const counts = JSON.stringify(live.Counts);
    if (counts !== shownCounts) {
      shownCounts = counts;
      draw("head");
    }
    refresh();
  });
}

// finished counts the trials of a live page that have ended (-1 before
// the first).
function finished(live) {
  if (!live) return -1;
  return ["done", "pruned", "failed"].reduce((n, s) => n + (live.Counts[s] || 0), 0);
}

// throttled returns mark(part): it records that part of the page needs
// drawing and has draw(parts) called with every part marked so far, at
// once when the last call was at least every ms ago, else when that much
// time has passed since it (so the last change is always drawn, at most
// every ms late). While the page is hidden nothing is drawn; when it is
// shown again, what was marked meanwhile is drawn and onShown called.
function throttled(view, every, draw, onShown) {
  const marked = new Set();
  let drawnAt = -Infinity, timer = null;
  const flush = () => {
    timer = null;
    if (!view.alive() || document.hidden || marked.size === 0) return;
    drawnAt = Date.now();
    const parts = new Set(marked);
    marked.clear();
    try { draw(parts); } catch (e) { setStatus("drawing failed: " + e.message); }
  };
  const schedule = () => {
    if (!timer && !document.hidden && marked.size) timer = setTimeout(flush, Math.max(0, drawnAt + every - Date.now()));
  };
  const visibility = () => {
    if (!view.alive()) { document.removeEventListener("visibilitychange", visibility); return; }
    if (!document.hidden) { schedule(); onShown(); }
  };
  document.addEventListener("visibilitychange", visibility);
  return part => { marked.add(part); schedule(); };
}

function renderHead(head, data, live) {
  const counts = (live && live.Counts) || data.Counts;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = STATUSES.filter(s => counts[s]).map(s => el("span", {}, statusSpan(s), ` ${counts[s]}  `));
  head.replaceChildren(
    el("h1", { text: "Sweep " + data.Sweep }),
    el("p", {}, `${total} trials: `, parts, el("span", { class: "muted", text: ` · created ${data.CreatedAt} · ranked by valid ${data.Objective} (${data.Maximize ? "higher" : "lower"} is better)` })),
    el("p", {}, el("a", { href: `/report/${enc(data.Sweep)}/report.md`, id: "report-link", text: "markdown report" }),
      el("span", { class: "muted", text: " · the same file as " }), el("code", { text: `sweep report ${data.Sweep}` })),
  );
}

// renderCurves draws the objective on valid and the training loss per epoch
// of the report's best configurations (solid) and of every running trial
// (dashed). While the curves shown are the same ones, the charts are
// updated in place (updateChart: a new epoch adds its point).
function renderCurves(box, state) {
  const series = { valid: [], loss: [] };
  const items = [];
  const add = (id, label, valid, loss, dashed) => {
    const colour = COLOURS[items.length % COLOURS.length];
    series.valid.push({ id, label, points: valid || [], colour, dashed });
    series.loss.push({ id, label, points: loss || [], colour, dashed });
    items.push([id, label, colour, dashed]);
  };
  const rep = state.report && state.report.Results;
  for (const c of (rep && rep.Curves) || []) {
    add(c.ID, `#${c.Rank} ${c.Model} ${c.Params}`, c.Valid.map(p => [p.X, p.Y]), c.TrainLoss.map(p => [p.X, p.Y]), false);
  }
  for (const t of (state.live && state.live.Running) || []) {
    add(t.ID, `running: trial ${t.ID} ${t.Model} ${t.Params}`, t.Valid, t.Loss, true);
  }
  const obj = state.data ? "valid " + state.data.Objective : "valid objective";
  const charts = [
    { title: obj + " per epoch", xLabel: "epoch", yLabel: obj, series: series.valid },
    { title: "training loss per epoch", xLabel: "epoch", yLabel: "train loss", series: series.loss },
  ];
  const key = JSON.stringify([obj, items]);
  if (items.length && box.dataset.key === key) {
    box.querySelectorAll("svg.chart").forEach((svg, i) => updateChart(svg, charts[i]));
    return;
  }
  box.dataset.key = key;
  if (items.length === 0) {
    box.replaceChildren(el("p", { class: "muted", text: "No finished or running trial yet." }));
    return;
  }
  const legend = items.map(([id, label, colour, dashed]) => {
    const swatch = el("span", { class: "swatch" + (dashed ? " dashed" : "") });
    swatch.style.background = dashed ? "" : colour;
    swatch.style.color = colour;
    return el("li", {}, swatch, el("a", { href: "#/trial/" + id, text: label }));
  });
  box.replaceChildren(
    el("div", { class: "charts" }, charts.map(lineChart)),
    el("ul", { class: "legend" }, legend),
    el("p", { class: "muted", text: "Solid: the best configurations (first repeat). Dashed: trials training now, a point per epoch as it is written." }));
}

function renderRunning(box, live) {
  if (!live.Running.length) { box.replaceChildren(); return; }
  const rows = live.Running.map(t => [
    el("a", { href: "#/trial/" + t.ID, text: String(t.ID) }), t.Model, t.Params, t.Valid ? t.Valid.length : 0,
    t.Valid && t.Valid.length ? t.Valid[t.Valid.length - 1][1] : null, t.StartedAt, t.Heartbeat, `${t.Host} pid ${t.PID}`, t.Attempts,
  ]);
  box.replaceChildren(el("h3", { text: `Running now (${live.Running.length})` }),
    table(["trial", "model", "parameters", "epochs", "last valid", "started", "heartbeat", "process", "attempt"], rows,
      { id: "running-table", numeric: [false, false, false, true, true] }));
}

// renderTrials draws the table of every trial: filters, sortable headers,
// the first rows (and more on demand); a row opens its trial.
function renderTrials(box, state) {
  const tab = state.data.Table, st = state.table;
  const colIndex = name => tab.Columns.findIndex(c => c.Name === name);
  const iModel = colIndex("model"), iStatus = colIndex("status");
  let rows = tab.Rows.filter(r => (!st.model || r[iModel] === st.model) && (!st.status || r[iStatus] === st.status));
  const kind = tab.Columns[st.sort].Kind;
  const dir = st.desc ? -1 : 1;
  rows = rows.slice().sort((a, b) => {
    const x = a[st.sort], y = b[st.sort];
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1; // missing last
    if (y === null || y === undefined) return -1;
    if (kind === "number") return dir * (x - y);
    return dir * String(x).localeCompare(String(y));
  });
  const shown = rows.slice(0, st.limit);
  const statuses = STATUSES.filter(s => tab.Rows.some(r => r[iStatus] === s));
  // The same rows in the same order under the same controls: only the rows
  // whose values changed are drawn again.
  const key = JSON.stringify([tab.Columns, tab.Models, statuses, st, rows.length, tab.Rows.length, shown.map(r => r[0])]);
  const drawn = box.querySelector("#trials-table tbody");
  const row = r => el("tr", { class: "link", "data-trial": r[0], "data-row": JSON.stringify(r), onclick: () => { location.hash = "#/trial/" + r[0]; } },
    r.map((v, i) => el("td", { class: tab.Columns[i].Kind === "number" ? "num" : null },
      i === iStatus ? statusSpan(v) : tab.Columns[i].Param ? paramNum(v) : num(v))));
  if (drawn && box.dataset.key === key) {
    shown.forEach((r, i) => {
      const tr = drawn.children[i];
      if (tr.dataset.row !== JSON.stringify(r)) tr.replaceWith(row(r));
    });
    return;
  }
  box.dataset.key = key;
  const redraw = () => renderTrials(box, state);
  const select = (label, values, key) => el("label", {}, label + " ",
    el("select", { id: "filter-" + key, onchange: e => { st[key] = e.target.value; st.limit = TABLE_PAGE; redraw(); } },
      el("option", { value: "", text: "all" }), values.map(v => el("option", { value: v, selected: st[key] === v ? "" : null, text: v }))));
  const controls = el("div", { class: "controls" }, select("model", tab.Models, "model"), select("status", statuses, "status"),
    el("span", { class: "muted", text: `${rows.length} of ${tab.Rows.length} trials; click a header to sort, a row to open the trial` }));

  const thead = el("tr", {}, tab.Columns.map((c, i) => el("th", {
    class: [c.Kind === "number" ? "num" : "", i === st.sort ? (st.desc ? "sorted-desc" : "sorted-asc") : ""].join(" ").trim() || null,
    title: c.Param ? "hyperparameter" : null, text: c.Name,
    onclick: () => { st.desc = st.sort === i ? !st.desc : c.Name.startsWith("valid") && state.data.Maximize; st.sort = i; redraw(); },
  })));
  const body = el("tbody");
  for (const r of shown) body.appendChild(row(r));
  const more = rows.length > st.limit ? el("button", { text: `show ${Math.min(rows.length - st.limit, 1000)} more`,
    onclick: () => { st.limit += 1000; redraw(); } }) : null;
  box.replaceChildren(...[controls, el("div", { class: "scroll" }, el("table", { id: "trials-table", class: "sortable" }, el("thead", {}, thead), body)), more].filter(Boolean));
}
