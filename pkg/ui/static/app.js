// sweep ui: the page. Four views chosen by the URL's hash: #/ (sweeps),
// #/sweep/NAME, #/trial/ID and #/compare/A/B. Every text from the database
// goes into the page as text (textContent), never as HTML.
"use strict";

// ---- small helpers ---------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

const enc = encodeURIComponent;
const $main = () => document.getElementById("main");

function num(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return "";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return v.toFixed(digits);
}

// paramNum prints a hyperparameter: numbers with 4 significant digits.
function paramNum(v) {
  return typeof v === "number" && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : num(v);
}

function pm(s) { // a report.Stat as mean ± std
  if (!s || s.N === 0 || s.Mean === null) return "";
  return s.N === 1 || s.Std === null ? num(s.Mean) : `${num(s.Mean)} ± ${num(s.Std)}`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor(s % 3600 / 60)} min`;
}

function statusSpan(status) { return el("span", { class: "status-" + status, text: status }); }

// table builds a table: header cells, rows of cells (strings, numbers or
// nodes); numeric columns are right-aligned.
function table(header, rows, opts = {}) {
  const numeric = opts.numeric || [];
  const t = el("table", { id: opts.id, class: opts.class });
  t.appendChild(el("thead", {}, el("tr", {}, header.map((h, i) => el("th", { class: numeric[i] ? "num" : null, text: h })))));
  const body = el("tbody");
  for (const r of rows) {
    body.appendChild(el("tr", {}, r.map((c, i) => el("td", { class: numeric[i] ? "num" : null },
      c instanceof Node ? c : num(c)))));
  }
  t.appendChild(body);
  return el("div", { class: "scroll" }, t);
}

async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).trim()}`);
  return r.json();
}

function setStatus(text) {
  const s = document.getElementById("status");
  if (s.textContent !== text) s.textContent = text; // an unchanged page is not redrawn
}

function showError(where, err) {
  where.replaceChildren(el("p", { class: "error", text: String(err.message || err) }));
}

// ---- routing and polling -----------------------------------------------------

let generation = 0; // bumped on every navigation: loops of the old view stop

// view is what a page function gets: whether it is still shown, and a way
// to follow a stream of the server that ends when it is not.
function newView() {
  const gen = ++generation;
  const alive = () => gen === generation;
  return {
    alive,
    // listen calls onData with each value the server sends on url (a
    // stream of server-sent events: it sends a value when it changes),
    // until the view is left or onData returns false.
    listen(url, onData) {
      const source = new EventSource(url);
      source.onmessage = async (ev) => {
        if (!alive()) { source.close(); return; }
        try {
          if (await onData(JSON.parse(ev.data)) === false) source.close();
          setStatus("");
        } catch (e) { setStatus("update failed: " + e.message); }
      };
      source.onerror = () => {
        if (!alive()) source.close();
        else setStatus(source.readyState === EventSource.CLOSED ? "the server refused this page (see its log)" : "reconnecting to sweep ui…");
      };
      return source;
    },
  };
}

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const view = newView();
  window.scrollTo(0, 0);
  if (parts[0] === "sweep" && parts[1]) return sweepView(parts[1], view);
  if (parts[0] === "trial" && parts[1]) return trialView(parts[1], view);
  if (parts[0] === "compare" && parts[1] && parts[2]) return compareView(parts[1], parts[2], view);
  return sweepsView(view);
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);

// ---- #/ : every sweep --------------------------------------------------------

const STATUSES = ["done", "pruned", "failed", "running", "queued", "interrupted"];

function sweepsView(view) {
  document.title = "sweeps — sweep ui";
  const list = el("div", { id: "sweep-list" });
  const compare = el("div", { id: "compare-form" });
  $main().replaceChildren(el("h1", { text: "Sweeps" }), list, el("h2", { text: "Compare two sweeps" }), compare);
  let names = "";
  view.listen("/api/sweeps", data => {
    document.getElementById("database").textContent = data.Database;
    list.replaceChildren(sweepsTable(data.Sweeps));
    const now = data.Sweeps.map(s => s.Name).join("\n");
    if (now !== names) { names = now; compare.replaceChildren(compareForm(data.Sweeps)); }
  });
}

function sweepsTable(sweeps) {
  if (sweeps.length === 0) return el("p", { class: "muted", text: "No sweeps in this database yet: `sweep run SPEC.yaml` starts one." });
  const header = ["sweep", "created", "objective", "trials", ...STATUSES, "state", "elapsed", "time left", "spec"];
  const rows = sweeps.map(s => [
    el("a", { href: "#/sweep/" + enc(s.Name), class: "sweep-link", text: s.Name }),
    s.CreatedAt, "valid " + s.Objective, s.Trials,
    ...STATUSES.map(st => s.Counts[st] || ""),
    el("span", { class: "pill" + (s.Active ? " active" : ""), text: s.Active ? "training" :
      (s.Counts.running || s.Counts.queued || s.Counts.interrupted ? "stopped" : "finished") }),
    duration(s.Elapsed), s.Left === null ? "" : "≈ " + duration(s.Left),
    el("details", {}, el("summary", { text: "spec" }), el("pre", { text: s.Spec })),
  ]);
  const numeric = header.map((h, i) => i >= 3 && i < 10);
  return table(header, rows, { id: "sweeps", numeric });
}

function compareForm(sweeps) {
  const pick = (i) => el("select", {}, sweeps.map((s, k) => el("option", { value: s.Name, selected: k === i ? "" : null, text: s.Name })));
  if (sweeps.length < 2) return el("p", { class: "muted", text: "Two sweeps are needed." });
  const a = pick(0), b = pick(1);
  return el("div", { class: "controls" }, a, el("span", { text: "against" }), b,
    el("button", { text: "compare", onclick: () => { location.hash = `#/compare/${enc(a.value)}/${enc(b.value)}`; } }));
}
