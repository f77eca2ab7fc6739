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
	"momentum", "beta1", "beta2", "eps", "weight_decay",
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
	` + metricColumnsSQL() + `,
	t.best_epoch, t.seconds
	FROM trials t JOIN sweeps s ON s.id = t.sweep;
`

func paramColumnsSQL() string {
	cols := make([]string, len(ParamColumns))
	for i, p := range ParamColumns {
		cols[i] = fmt.Sprintf("(SELECT value FROM params p WHERE p.trial = t.id AND p.name = '%s') AS %s", p, p)
	}
	return strings.Join(cols, ",\n\t")
}

func metricColumnsSQL() string {
	var cols []string
	for _, split := range []string{"train", "valid", "test"} {
		for _, m := range []string{"auc", "logloss"} {
			cols = append(cols, fmt.Sprintf(
				"(SELECT value FROM metrics m WHERE m.trial = t.id AND m.phase = 'best' AND m.split = '%s' AND m.metric = '%s') AS %s_%s",
				split, m, split, m))
		}
	}
	return strings.Join(cols, ",\n\t")
}
