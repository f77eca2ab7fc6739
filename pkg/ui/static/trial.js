// #/trial/ID: one trial whole (report.BuildTrial, as `sweep show` prints it,
// and what it stored besides); #/compare/A/B: two sweeps side by side
// (report.BuildCompare, as `sweep report --compare`).
"use strict";

function trialView(id, view) {
  document.title = "trial " + id + " — sweep ui";
  view.listen("/api/trials/" + enc(id), t => {
    renderTrial(t);
    return t.Detail.Trial.Status === "running"; // a finished trial does not change
  });
}

function renderTrial(p) {
  const d = p.Detail, t = d.Trial;
  const out = [
    el("p", {}, el("a", { href: "#/sweep/" + enc(d.Sweep), text: "← sweep " + d.Sweep })),
    el("h1", { text: `Trial ${t.ID} · ${t.Model}` }),
    el("p", {}, "key ", el("code", { text: t.Key }), ` · plan position ${t.Position + 1} · seed ${t.Seed} · repeat ${t.Repeat} · `,
      statusSpan(t.Status), t.BestEpoch ? ` · best epoch ${t.BestEpoch}` : "", t.Seconds ? ` · ${duration(t.Seconds)}` : ""),
  ];
  if (t.Error) out.push(el("pre", { class: "error", id: "trial-error", text: t.Error }));
  out.push(el("h2", { text: "Parameters" }));
  out.push(table(["parameter", "value"], Object.keys(t.Params).sort().map(n => [n, paramText(t.Params[n])]), { id: "params" }));

  out.push(el("h2", { text: "Learning curve" }));
  const series = (pts) => [{ id: t.ID, label: "trial " + t.ID, points: pts || [], colour: COLOURS[0], dashed: t.Status === "running" }];
  out.push(el("div", { class: "charts", id: "trial-curves" },
    lineChart({ title: `valid ${p.Objective} per epoch`, xLabel: "epoch", yLabel: "valid " + p.Objective, series: series(p.Valid) }),
    lineChart({ title: "training loss per epoch", xLabel: "epoch", yLabel: "train loss", series: series(p.Loss) })));
  if (d.Curve.Epochs.length) {
    out.push(table(["epoch", ...d.Curve.Columns], d.Curve.Epochs.map((e, i) => [e, ...d.Curve.Values[i].map(v => v === null ? "" : Number(v.toPrecision(5)))]),
      { numeric: [true, ...d.Curve.Columns.map(() => true)] }));
  }

  out.push(el("h2", { text: "Metrics at the best epoch (before training in brackets)" }));
  if (!d.Metrics.length) out.push(el("p", { class: "muted", text: "No final metrics yet." }));
  else out.push(table(["split", ...d.Metrics], d.Splits.map(s => [s.Split, ...d.Metrics.map((m, i) => {
    let cell = m === "n" && s.Best[i] !== null ? String(s.Best[i]) : num(s.Best[i]);
    if (cell && s.Before[i] !== null && m !== "n") cell += ` (${num(s.Before[i])})`;
    return cell;
  })]), { id: "metrics" }));

  if (p.Groups.length) {
    out.push(el("h2", { text: "Per-group metrics" }));
    const groupings = [...new Set(p.Groups.map(g => g.Split + " · " + g.Grouping))];
    for (const name of groupings) {
      out.push(el("h3", { text: name }));
      out.push(table(["bucket", "rows", "positives", "auc", "gauc", "logloss", "mean pred", "mean label"],
        p.Groups.filter(g => g.Split + " · " + g.Grouping === name).map(g => [g.Bucket, g.N, g.Positives, g.AUC, g.GAUC, g.LogLoss, g.MeanPred, g.MeanLabel]),
        { numeric: [false, true, true, true, true, true, true, true] }));
    }
  }
  if (p.Calibration.length) {
    out.push(el("h2", { text: "Calibration (test deciles of the prediction)" }));
    out.push(table(["decile", "rows", "mean predicted", "observed"], p.Calibration.map(c => [c.Bucket + 1, c.N, c.MeanPred, c.MeanLabel]),
      { numeric: [true, true, true, true] }));
  }
  if (p.Attention.length) out.push(attentionTable(p.Attention));

  out.push(el("h2", { text: "Commands" }));
  out.push(el("pre", { id: "commands", text: `${p.Commands.show}\n${p.Commands.predict}` }));
  $main().replaceChildren(...out);
}

// paramText prints a parameter as the report does: lists as JSON.
function paramText(v) { return typeof v === "string" ? v : JSON.stringify(v); }

// attentionTable shows each validation sample's weights per history
// position, averaged over heads and layers, shaded by weight.
function attentionTable(samples) {
  const width = Math.max(...samples.map(s => s.Items.length));
  const head = el("tr", {}, el("th", { text: "sample" }), el("th", { text: "label" }), el("th", { text: "score" }),
    [...Array(width).keys()].map(j => el("th", { class: "num", text: String(j + 1) })));
  const body = samples.map((s, i) => {
    const w = s.Items.map((_, j) => s.Weights.reduce((a, h) => a + (h[j] || 0), 0) / Math.max(1, s.Weights.length));
    const top = Math.max(...w.map(Math.abs), 1e-9); // DIN without softmax has raw, possibly negative, scores
    return el("tr", {}, el("td", { text: String(i + 1) }), el("td", { text: num(s.Label, 0) }), el("td", { text: num(s.Score, 3) }),
      [...Array(width).keys()].map(j => {
        if (j >= w.length) return el("td", { class: "w" });
        const td = el("td", { class: "w", title: `item ${s.Items[j]}${s.Items[j] === s.Target ? " (the target)" : ""}: ${w[j].toFixed(4)}`, text: w[j].toFixed(2) });
        const f = Math.abs(w[j]) / top;
        td.style.background = `rgba(8, 48, 107, ${(0.85 * f).toFixed(3)})`;
        td.style.color = f > 0.55 ? "#fff" : "";
        if (s.Items[j] === s.Target && s.Target !== 0) td.style.outline = "2px solid #e69f00";
        return td;
      }));
  });
  return el("div", {}, el("h2", { text: "Attention weights" }),
    el("p", { class: "muted", text: "Validation samples, history positions from the most recent (1); darker is more weight (in absolute value); outlined: the candidate item itself." }),
    el("div", { class: "scroll" }, el("table", { class: "heat", id: "attention" }, el("thead", {}, head), el("tbody", {}, body))));
}

function compareView(a, b, view) {
  document.title = `${a} vs ${b} — sweep ui`;
  $main().replaceChildren(el("h1", { text: `Sweeps ${a} and ${b} compared` }), el("p", { class: "muted", text: "Loading…" }));
  getJSON(`/api/compare/${enc(a)}/${enc(b)}`).then(data => {
    if (!view.alive()) return;
    const c = data.Comparison, base = `/compare/${enc(a)}/${enc(b)}`;
    const sign = x => x === null ? "" : (x >= 0 ? "+" : "") + x.toFixed(4);
    const out = [el("h1", { text: `Sweeps ${a} and ${b} compared` }),
      el("p", {}, `Each cell: the best configuration of the model in that sweep by mean valid ${c.Objective.Metric}; test ${c.Metric} as mean ± std over its repeats; the difference is ${b} minus ${a}. `,
        el("a", { href: base + "/report.md", text: "markdown report" })),
      c.SameObjective ? null : el("p", { text: "The two sweeps rank their trials by different objectives: each picks its best by its own." }),
      table(["model", `${a} test ${c.Metric}`, `${b} test ${c.Metric}`, "difference", `${a} parameters`, `${b} parameters`],
        c.Rows.map(r => [r.Model, pm(r.A), pm(r.B), sign(r.Diff), r.ParamsA, r.ParamsB]), { id: "comparison" }),
      el("p", { text: `Data: ${a} has ${num(c.TestRowsA)} test rows, ${b} has ${num(c.TestRowsB)}.` })];
    if (data.Plots && data.Plots.includes("progress.svg")) {
      out.push(el("h2", { text: "Search progress" }), el("img", { class: "plot", src: `${base}/progress.svg`, alt: "best so far" }));
    }
    $main().replaceChildren(...out.filter(Boolean));
  }).catch(e => showError($main(), e));
}
