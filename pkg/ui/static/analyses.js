// A sweep's analyses: the numbers of report.Build (pkg/report) in the order
// of the markdown report, with the report's own SVG plots.
"use strict";

// plot shows one of the report's SVG files as an image (an image cannot run
// scripts, whatever the SVG holds).
function plot(base, plots, file, alt, version) {
  if (!plots.includes(file)) return null;
  return el("img", { class: "plot", src: `${base}/${enc(file)}?v=${enc(version)}`, alt, loading: "lazy" });
}

const VERDICTS = [
  "is not clearly real: the interval includes 0",
  "is real: the interval excludes 0",
  "excludes 0 on this test set, but is within twice the seed spread: another seed could reverse it",
  "favours the baseline: the interval is below 0",
];

function renderAnalyses(box, name, report) {
  const r = report.Results, plots = report.Plots || [];
  const base = "/report/" + enc(name), v = report.Built.Version;
  const img = (file, alt) => plot(base, plots, file, alt, v);
  const obj = `${r.Objective.Split} ${r.Objective.Metric}`;
  const tests = r.TestMetrics.map(m => "test " + m);
  const out = [];
  const built = new Date(report.Built.At);
  out.push(el("p", { class: "muted", text: `Analyses of the report (pkg/report), built ${built.toLocaleTimeString()} in ${duration(report.Built.Cost / 1e9)}; ` +
    `rebuilt when trials finish, at most every ${duration(Math.max(1, report.Built.Cost / 1e9 * 50))}.` }));

  // Summary
  const s = r.Summary;
  out.push(el("h2", { text: "Summary" }));
  out.push(table(["split", "rows", "label rate", "Bayes AUC"], s.Data.map(d => [d.Split, d.Rows, d.LabelRate, d.BayesAUC]), { numeric: [false, true, true, true] }));
  out.push(el("p", { text: `Trials: ${s.Trials} (${s.Status.map(c => `${c.N} ${c.Status}`).join(", ")}); training time ${duration(s.Seconds)} summed over trials.` }));
  for (const f of s.Failed) out.push(el("p", { class: "error" }, el("a", { href: "#/trial/" + f.ID, text: f.Key }), ` ${f.Model} ${f.Params}: ${f.Error}`));
  out.push(el("h3", { text: `Best trial per model (by ${obj})` }));
  out.push(table(["model", "trial", "parameters", obj, ...tests, "seconds"], s.BestPerModel.map(t =>
    [t.Model, el("a", { href: "#/trial/" + t.ID, text: t.Key }), t.Params, t.Valid, ...t.Test, t.Seconds]), { numeric: [false, false, false, true, true, true, true, true, true] }));

  // Leaderboard of configurations
  out.push(el("h2", { text: "Leaderboard of configurations" }));
  out.push(el("p", { class: "muted", text: `One row per configuration: mean ± std over its repeats, ranked by mean ${obj}` +
    (report.Configs > r.Leaderboard.length ? ` (the best ${r.Leaderboard.length} of ${report.Configs}; the table of trials above has every trial).` : ".") }));
  out.push(table(["#", "model", "parameters", "repeats", obj, ...tests, "best epoch", "seconds"], r.Leaderboard.map(c =>
    [c.Rank, c.Model, c.Params, c.Repeats, pm(c.Valid), ...c.Test.map(pm), c.BestEpoch, c.Seconds]), { id: "leaderboard" }));

  // What matters
  const w = r.WhatMatters;
  out.push(el("h2", { text: "What matters" }));
  if (!w.Enough) {
    out.push(el("p", { class: "muted", text: `This section needs at least 10 finished trials with a ${obj}; this sweep has ${w.Finished}.` }));
  } else {
    out.push(el("div", { class: "plots" }, img("progress.svg", "best so far"), img("parallel.svg", "parallel coordinates")));
    out.push(el("p", { class: "muted", text: "Left: the best objective found up to each trial, in plan order. Right: one line per finished trial across each hyperparameter that varies, coloured by the objective (yellow best); where the yellow lines bunch on an axis, that value matters." }));
    out.push(el("h3", { text: `Where the best ${w.Top} trials lie` }));
    out.push(table(["hyperparameter", `searched (${w.Finished} trials)`, `best ${w.Top}`, "share of the range"], w.Ranges.map(h => h.Categorical
      ? [h.Name, h.Values.map(x => `${x.Value} ${x.All}`).join(", "), h.Values.filter(x => x.Top > 0).map(x => `${x.Value} ${x.Top}`).join(", "), ""]
      : [h.Name, rangeText(h.All, h.Log), rangeText(h.Top, h.Log), h.TopShare === null ? "" : Math.round(100 * h.TopShare) + "%"])));
    if (w.Importance.length) {
      out.push(el("h3", { text: "Importance of each hyperparameter (fANOVA)" }));
      out.push(table(["hyperparameter", "importance", ""], w.Importance.map(i => {
        const bar = el("span", { class: "bar" });
        bar.style.width = Math.round(200 * i.Importance) + "px";
        return [i.Name, i.Importance.toFixed(3), bar];
      }), { id: "importance", numeric: [false, true] }));
    }
  }

  // Effects
  out.push(el("h2", { text: "Effect of each hyperparameter" }));
  if (!r.Effects.length) out.push(el("p", { class: "muted", text: "No hyperparameter takes more than one value among the finished trials." }));
  for (const e of r.Effects) {
    out.push(el("h3", {}, el("code", { text: e.Name })));
    out.push(el("div", { class: "plots" },
      table([e.Name, "trials", "models", "best " + obj, "mean " + obj, "mean test " + r.Objective.Metric],
        e.Values.map(x => [x.Value, x.Trials, x.Models.join(", "), x.Best, x.Mean, x.MeanTest]), { numeric: [false, true, false, true, true, true] }),
      img(e.Name.replace(/[^a-zA-Z0-9_.-]+/g, "_").replace(/^/, "hp-") + ".svg", e.Name)));
  }

  renderSignificance(out, r);
  out.push(el("h2", { text: "Attention" }));
  if (!r.Attention) out.push(el("p", { class: "muted", text: "No attention weights were recorded (no attention model in this sweep, or none finished)." }));
  else {
    const a = r.Attention;
    out.push(el("p", {}, "Trial ", el("a", { href: "#/trial/" + a.ID, text: a.Key }), ` (${a.Model}, ${a.Params}): weights averaged over heads and layers, one row per validation sample, positions from the most recent.`));
    out.push(img("attention.svg", "attention heat map"));
    out.push(table(["model", "trial", "mean entropy (nats)", "uniform (log n)", "ratio", "vectors"], r.Entropy.map(e =>
      [e.Model, el("a", { href: "#/trial/" + e.ID, text: e.Key }), e.Mean, e.Uniform, e.Mean === null ? "" : (100 * e.Mean / e.Uniform).toFixed(1) + "%", e.Vectors]),
      { numeric: [false, false, true, true, true, true] }));
    out.push(el("p", { class: "muted", text: "Near 100% a model weighs its positions almost equally: its attention does little more than mean pooling." }));
  }

  out.push(el("h2", { text: "Per-group results" }));
  if (!r.Groups.length) out.push(el("p", { class: "muted", text: "No per-group metrics were recorded." }));
  for (const g of r.Groups) {
    out.push(el("h3", { text: "Test AUC by " + g.Title }));
    out.push(el("div", { class: "plots" }, table(["model", ...g.Buckets], g.Models.map(m =>
      [m.Model, ...m.Cells.map(c => c.N > 0 ? `${num(c.AUC)} (n=${c.N})` : "")])), img(`groups-${g.Name.replace(/[^a-zA-Z0-9_.-]+/g, "_")}.svg`, g.Title)));
  }
  out.push(el("h3", { text: "Calibration (test)" }));
  if (!r.Calibration.length) out.push(el("p", { class: "muted", text: "No calibration buckets were recorded." }));
  else out.push(el("div", { class: "plots" }, table(["model", "mean predicted", "observed", "largest decile gap"],
    r.Calibration.map(c => [c.Model, c.MeanPred, c.MeanLabel, c.MaxGap]), { numeric: [false, true, true, true] }), img("calibration.svg", "calibration")));

  out.push(el("h2", { text: "Before and after training" }));
  out.push(table(["model", ...r.TestMetrics.flatMap(m => [m + " before", m + " after"])], r.BeforeAfter.map(b =>
    [b.Model, ...r.TestMetrics.flatMap((m, i) => [b.Before[i], b.After[i]])])));
  box.replaceChildren(...out.filter(Boolean));
}

function rangeText(r, log) {
  if (r[0] === null) return "";
  const f = x => Number(x.toPrecision(4)).toString();
  return (r[1] !== r[0] ? `${f(r[0])} – ${f(r[1])}` : f(r[0])) + (log ? " (log)" : "");
}

function renderSignificance(out, r) {
  out.push(el("h2", { text: "Is the difference real" }));
  const s = r.Significance;
  if (!s) { out.push(el("p", { class: "muted", text: "This sweep does not have both an attention model and a baseline: nothing to compare." })); return; }
  out.push(el("p", {}, `Best attention model: ${s.Attention.Model} ${s.Attention.Params} (`, el("a", { href: "#/trial/" + s.Attention.ID, text: s.Attention.Key }),
    `); best baseline: ${s.Baseline.Model} ${s.Baseline.Params} (`, el("a", { href: "#/trial/" + s.Baseline.ID, text: s.Baseline.Key }), "), chosen on valid."));
  if (!s.Scored) { out.push(el("p", { class: "muted", text: "Their test scores are not stored, so no bootstrap." })); return; }
  const b = s.Bootstrap, sign = x => (x >= 0 ? "+" : "") + x.toFixed(4);
  const spread = st => st.N < 2 ? "—, one seed" : num(st.Std);
  out.push(table(["", "value"], [
    ["test AUC difference (attention − baseline)", sign(b.Diff)],
    [`paired bootstrap 95% interval (${b.Used} resamples of the ${s.TestRows} test rows)`, `[${sign(b.Lo)}, ${sign(b.Hi)}]`],
    [`seed spread of test AUC, ${s.Attention.Model}`, spread(s.SpreadAttention)],
    [`seed spread of test AUC, ${s.Baseline.Model}`, spread(s.SpreadBaseline)],
  ], { id: "significance" }));
  out.push(el("p", { text: "The difference " + VERDICTS[s.Verdict] + "." }));
}
