#!/usr/bin/python3
"""Optuna's TPE sampler on a replay table: the Python side of the search
benchmark (bench/search/run.sh, BENCHMARKS.md "Search").

It drives Optuna exactly as `search replay` drives attnsweep's samplers:
batches of --batch trials asked together and told together (batch k sees
the results of the batches before it), every draw looked up at the nearest
grid point of the table (in the log scale for log-uniform axes), and one
trace line per trial: label,seed,trial,auc.

    optuna_replay.py --table T.csv --space S.json [--seeds N --budget B --batch K
                     --startup S --multivariate --label NAME] > traces.csv
"""
import argparse
import csv
import json
import math
import sys

import optuna


def read_grid(path):
    """The table's searched columns, each column's distinct cells, and
    joined cells -> valid AUC (NaN for trials that did not finish)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    n = len(head) - 2
    if head[n:] != ["status", "valid_auc"]:
        sys.exit(f"{path}: want the searched columns, then status and valid_auc; got {head}")
    names, values, auc = head[:n], [[] for _ in range(n)], {}
    for r in rows[1:]:
        ok = r[n] in ("done", "pruned")
        auc["|".join(r[:n])] = float(r[n + 1]) if ok else math.nan
        for c in range(n):
            if r[c] not in values[c]:
                values[c].append(r[c])
    return names, values, auc


def nearest(cells, v, log):
    """The cell closest to v: by (log) value for numbers, else by its JSON text."""
    if isinstance(v, str):  # a category, passed as its JSON text
        return v
    x = math.log(v) if log else v
    best, dist = None, math.inf
    for cell in cells:
        y = float(cell)
        d = abs(x - (math.log(y) if log else y))
        if d < dist:
            best, dist = cell, d
    return best


def suggest(trial, space):
    """One parameter set; categories are suggested as their JSON text
    (Optuna's choices must be scalars, and hidden sizes are lists)."""
    out = {}
    for name in sorted(space):
        (kind, arg), = space[name].items()
        if kind == "choice":
            out[name] = trial.suggest_categorical(name, [json.dumps(v, separators=(",", ":")) for v in arg])
        elif kind == "int":
            out[name] = trial.suggest_int(name, int(arg[0]), int(arg[1]))
        else:
            out[name] = trial.suggest_float(name, arg[0], arg[1], log=(kind == "loguniform"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", required=True)
    ap.add_argument("--space", required=True)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--startup", type=int, default=10)  # Optuna's default n_startup_trials
    ap.add_argument("--multivariate", action="store_true")
    ap.add_argument("--label", default="optuna")
    a = ap.parse_args()
    names, values, auc = read_grid(a.table)
    with open(a.space) as f:
        space = json.load(f)
    log = {n: "loguniform" in space[n] for n in names}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    w = csv.writer(sys.stdout, lineterminator="\n")
    for seed in range(1, a.seeds + 1):
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=a.startup, multivariate=a.multivariate)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        done = 0
        while done < a.budget:
            asked = [study.ask() for _ in range(min(a.batch, a.budget - done))]
            for t in asked:
                p = suggest(t, space)
                key = "|".join(nearest(values[c], p[n], log[n]) for c, n in enumerate(names))
                v = auc[key]
                if math.isnan(v):
                    study.tell(t, state=optuna.trial.TrialState.FAIL)
                else:
                    study.tell(t, v)
                done += 1
                w.writerow([a.label, seed, done, repr(v)])


if __name__ == "__main__":
    main()
