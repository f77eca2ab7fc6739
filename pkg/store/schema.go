package store

import (
	"fmt"
	"strings"
)

// ParamColumns are the hyperparameters the leaderboard view shows as columns
// (NULL where a trial does not set one). The params table holds any name.
var ParamColumns = []string{
	"lr", "optimizer", "embed_dim", "batch_size", "l2_embedding", "l2_dense",
	"hidden", "dropout", "batch_norm", "activation", "attention_hidden",
	"attention_dim", "heads", "layers", "din_softmax", "max_len",
	"momentum", "beta1", "beta2", "eps", "weight_decay", "max_grad_norm",
}

// schemaV1 is the first schema. Documented in README.md ("Database schema").
var schemaV1 = `
CREATE TABLE sweeps (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	spec       TEXT NOT NULL,          -- the YAML as given
	spec_hash  TEXT NOT NULL,          -- hash of the YAML: a changed spec cannot reuse the name
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE sweep_info (            -- facts about the sweep's data, e.g. rows, label_rate, bayes_auc
	sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
	name  TEXT NOT NULL,
	value,
	PRIMARY KEY (sweep, name)
);
CREATE TABLE trials (
	id          INTEGER PRIMARY KEY,
	sweep       INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
	key         TEXT NOT NULL,         -- hash of model, canonical parameters and seed
	position    INTEGER NOT NULL,      -- place in the deterministic plan
	config      TEXT NOT NULL,         -- hash of model and parameters (repeats share it)
	model       TEXT NOT NULL,
	seed        INTEGER NOT NULL,
	repeat      INTEGER NOT NULL,
	status      TEXT NOT NULL DEFAULT 'queued'
	            CHECK (status IN ('queued','running','done','failed','pruned','interrupted')),
	error       TEXT,
	started_at  TEXT,
	finished_at TEXT,
	seconds     REAL,                  -- training time of the last attempt
	best_epoch  INTEGER,
	checkpoint  BLOB,                  -- weights of the best epoch
	UNIQUE (sweep, key)
);
CREATE TABLE params (
	trial INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	name  TEXT NOT NULL,
	value,                             -- no declared type: REAL, INTEGER and TEXT stay as given
	PRIMARY KEY (trial, name)
);
CREATE TABLE epochs (                -- the learning curve: one row per trial, epoch, split, metric
	trial  INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	epoch  INTEGER NOT NULL,
	split  TEXT NOT NULL,
	metric TEXT NOT NULL,
	value  REAL,
	PRIMARY KEY (trial, epoch, split, metric)
);
CREATE TABLE metrics (               -- final metrics: phase 'best' (restored checkpoint) or 'before' (untrained)
	trial  INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	phase  TEXT NOT NULL,
	split  TEXT NOT NULL,
	metric TEXT NOT NULL,
	value  REAL,
	PRIMARY KEY (trial, phase, split, metric)
);
CREATE VIEW curves AS
	SELECT trial, epoch, split, metric, value FROM epochs;
CREATE VIEW leaderboard AS
	SELECT s.name AS sweep, t.id AS trial, t.key, t.config, t.model, t.seed, t.repeat, t.status,
	` + paramColumnsSQL() + `,
	` + metricColumnsSQL("auc", "logloss") + `,
	t.best_epoch, t.seconds
	FROM trials t JOIN sweeps s ON s.id = t.sweep;
`

// schemaV2 adds what reports need beyond the final metrics: the test split's
// labels and attributes once per sweep, each trial's test scores (for paired
// bootstraps), per-group metrics, calibration buckets and attention samples;
// and a leaderboard with more metrics.
var schemaV2 = `
CREATE TABLE sweep_arrays (           -- per-sweep arrays over the test rows, little-endian
	sweep INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
	name  TEXT NOT NULL,              -- test_label (float32), test_hist_len (int32), test_group (int32)
	value BLOB NOT NULL,
	PRIMARY KEY (sweep, name)
);
CREATE TABLE scores (                 -- a trial's predictions on a split, float32 little-endian, in split order
	trial INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	split TEXT NOT NULL,
	value BLOB NOT NULL,
	PRIMARY KEY (trial, split)
);
CREATE TABLE group_metrics (          -- metrics per group of rows, e.g. users by history length
	trial    INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	split    TEXT NOT NULL,
	grouping TEXT NOT NULL,            -- what the groups are, e.g. history_length
	bucket   TEXT NOT NULL,            -- e.g. 0, 1-5, 6-10
	position INTEGER NOT NULL,         -- order of the buckets
	n        INTEGER NOT NULL,
	positives INTEGER NOT NULL,
	auc      REAL,
	gauc     REAL,
	logloss  REAL,
	mean_pred  REAL,
	mean_label REAL,
	PRIMARY KEY (trial, split, grouping, bucket)
);
CREATE TABLE calibration (            -- predicted-CTR deciles of the best checkpoint
	trial    INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	split    TEXT NOT NULL,
	bucket   INTEGER NOT NULL,
	n        INTEGER NOT NULL,
	mean_pred  REAL,
	mean_label REAL,
	PRIMARY KEY (trial, split, bucket)
);
CREATE TABLE attention (              -- attention weights for a few validation rows
	trial   INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
	sample  INTEGER NOT NULL,
	row     INTEGER NOT NULL,          -- dataset row
	label   REAL,
	score   REAL,
	target  INTEGER,                   -- the candidate item id (0 when unknown)
	items   TEXT NOT NULL,             -- JSON list of history item ids, most recent first
	weights TEXT NOT NULL,             -- JSON list (per head or layer) of lists of weights
	PRIMARY KEY (trial, sample)
);
` + leaderboardSQL + `
CREATE VIEW group_leaderboard AS
	SELECT s.name AS sweep, t.id AS trial, t.key, t.model, g.split, g.grouping, g.bucket, g.position,
		g.n, g.positives, g.auc, g.gauc, g.logloss, g.mean_pred, g.mean_label
	FROM group_metrics g JOIN trials t ON t.id = g.trial JOIN sweeps s ON s.id = t.sweep;
`

// leaderboardSQL (re)creates the leaderboard view with today's ParamColumns.
var leaderboardSQL = `DROP VIEW leaderboard;
CREATE VIEW leaderboard AS
	SELECT s.name AS sweep, t.id AS trial, t.key, t.config, t.model, t.seed, t.repeat, t.status,
	` + paramColumnsSQL() + `,
	` + metricColumnsSQL("auc", "logloss", "gauc", "accuracy", "f1", "mean_pred", "mean_label") + `,
	t.best_epoch, t.seconds
	FROM trials t JOIN sweeps s ON s.id = t.sweep;`

// schemaV3 adds the max_grad_norm column to the leaderboard view.
var schemaV3 = leaderboardSQL

func paramColumnsSQL() string {
	cols := make([]string, len(ParamColumns))
	for i, p := range ParamColumns {
		cols[i] = fmt.Sprintf("(SELECT value FROM params p WHERE p.trial = t.id AND p.name = '%s') AS %s", p, p)
	}
	return strings.Join(cols, ",\n\t")
}

func metricColumnsSQL(metrics ...string) string {
	var cols []string
	for _, split := range []string{"train", "valid", "test"} {
		for _, m := range metrics {
			cols = append(cols, fmt.Sprintf(
				"(SELECT value FROM metrics m WHERE m.trial = t.id AND m.phase = 'best' AND m.split = '%s' AND m.metric = '%s') AS %s_%s",
				split, m, split, m))
		}
	}
	return strings.Join(cols, ",\n\t")
}
