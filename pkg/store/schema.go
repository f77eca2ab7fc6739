package store

// The migrations below change tables only; they are frozen once released.
// Views are derived from the registry and made on every open (views.go).

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
`

// schemaV2 adds what reports need beyond the final metrics: the test split's
// labels and attributes once per sweep, each trial's test scores (for paired
// bootstraps), per-group metrics, calibration buckets and attention samples.
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
`

// schemaV3 only re-created the leaderboard view, and views are now made on
// every open (views.go): it is empty.
var schemaV3 = ``

// schemaV4 adds trial claims (which process trains a trial, and its
// heartbeat: several processes share one database and train each trial
// once), reuse of finished trials across sweeps of the same data, and the
// fingerprints of each sweep's data files.
var schemaV4 = `
ALTER TABLE trials ADD COLUMN owner TEXT;        -- token of the process that claimed the trial last
ALTER TABLE trials ADD COLUMN host TEXT;         -- its host and pid
ALTER TABLE trials ADD COLUMN pid INTEGER;
ALTER TABLE trials ADD COLUMN claimed_at TEXT;
ALTER TABLE trials ADD COLUMN heartbeat TEXT;    -- refreshed while it trains; a stale one may be taken over
ALTER TABLE trials ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;   -- times the trial was claimed
ALTER TABLE trials ADD COLUMN reused_from TEXT;  -- the sweep whose done record of this key was copied, instead of training
CREATE INDEX trials_by_key ON trials (key, status);
CREATE INDEX trials_by_position ON trials (sweep, status, position);
CREATE TABLE sweep_files (            -- the data files a sweep read, to refuse a resume on changed data
	sweep    INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
	path     TEXT NOT NULL,
	size     INTEGER NOT NULL,
	mod_time TEXT NOT NULL,
	hash     TEXT NOT NULL,          -- content hash
	PRIMARY KEY (sweep, path)
);
`
