#!/usr/bin/python3
"""Paired bootstrap of the test-AUC difference between two models' best
trials (best valid AUC), which may come from different sweeps of one
database: the report's comparison (pkg/report, paired bootstrap over the
test rows) for sweeps that `sweep report` cannot put side by side, such as
experiments/grocery.yaml and grocery_bst.yaml after `sweep merge`.

    sweep merge --db /tmp/both.db grocery.db grocery_bst.db
    /usr/bin/python3 bench/trial_bootstrap.py /tmp/both.db grocery_bst bst grocery meanpool

Both sweeps must have scored the same test rows (their stored test labels
must be equal). Prints A − B, its 95 % interval and the trials used. It
measures the test sample's noise only, not the seed's: see BENCHMARKS.md
("The evidence sweep").
"""

import sqlite3
import sys

import numpy as np


def floats(blob):
    return np.frombuffer(blob, dtype="<f4").astype(np.float64)


def best_trial(db, sweep, model):
    row = db.execute("SELECT trial, valid_auc, test_auc FROM leaderboard WHERE sweep = ? AND model = ? AND status = 'done' "
                     "ORDER BY valid_auc DESC LIMIT 1", (sweep, model)).fetchone()
    if row is None:
        sys.exit(f"trial_bootstrap: no finished {model} trial in sweep {sweep}")
    return row


def test_labels(db, sweep):
    row = db.execute("SELECT a.value FROM sweep_arrays a JOIN sweeps s ON s.id = a.sweep WHERE s.name = ? AND a.name = 'test_label'",
                     (sweep,)).fetchone()
    if row is None:
        sys.exit(f"trial_bootstrap: sweep {sweep} has no stored test labels")
    return floats(row[0])


def test_scores(db, trial):
    return floats(db.execute("SELECT value FROM scores WHERE trial = ? AND split = 'test'", (trial,)).fetchone()[0])


def weighted_auc(s, y, w):
    """AUC with row weights w (a resample's counts), ties counted half."""
    _, inv = np.unique(s, return_inverse=True)
    neg = np.bincount(inv, weights=w * (1 - y))
    pos = np.bincount(inv, weights=w * y)
    below = np.cumsum(neg) - neg
    return float((pos * (below + 0.5 * neg)).sum() / (pos.sum() * neg.sum()))


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    (sa, ma), (sb, mb) = sys.argv[2:4], sys.argv[4:6]
    y = test_labels(db, sa)
    if not np.array_equal(y, test_labels(db, sb)):
        sys.exit(f"trial_bootstrap: sweeps {sa} and {sb} have different test rows")
    ta, tb = best_trial(db, sa, ma), best_trial(db, sb, mb)
    a, b = test_scores(db, ta[0]), test_scores(db, tb[0])
    n = len(y)
    ones = np.ones(n)
    diff = weighted_auc(a, y, ones) - weighted_auc(b, y, ones)
    rng = np.random.default_rng(2026)
    reps = []
    for _ in range(1000):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        reps.append(weighted_auc(a, y, w) - weighted_auc(b, y, w))
    lo, hi = np.quantile(reps, [0.025, 0.975])
    print(f"{sa}/{ma} trial {ta[0]} (valid {ta[1]:.4f}, test {ta[2]:.4f}) − {sb}/{mb} trial {tb[0]} "
          f"(valid {tb[1]:.4f}, test {tb[2]:.4f}): {diff:+.4f}, 95 % paired bootstrap [{lo:+.4f}, {hi:+.4f}] "
          f"over {n:,} test rows, 1000 resamples")


if __name__ == "__main__":
    main()
