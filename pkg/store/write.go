package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Trial statuses.
const (
	Queued      = "queued"
	Running     = "running"
	Done        = "done"
	Failed      = "failed"
	Pruned      = "pruned"
	Interrupted = "interrupted"
)

// Finished reports whether a trial in this status is never run again.
func Finished(status string) bool {
	return status == Done || status == Failed || status == Pruned
}

// Param is one hyperparameter of a trial. Value is a float64, int64, string,
// bool or []int; a list is stored as JSON text.
type Param struct {
	Name  string
	Value any
}

// NewTrial is a planned trial.
type NewTrial struct {
	Key      string
	Position int
	Config   string
	Model    string
	Seed     uint64
	Repeat   int
	Params   []Param
}

// Value is one measured number: a metric of a split.
type Value struct {
	Split, Metric string
	Value         float64
}

// Outcome is how a trial ended.
type Outcome struct {
	Status     string // Done, Failed, Pruned or Interrupted
	Error      string
	Seconds    float64
	BestEpoch  int
	Best       []Value // metrics of the restored best checkpoint
	Before     []Value // metrics of the untrained model
	Checkpoint []byte
	Extras
}

// CreateSweep records a sweep, or returns the existing one of that name when
// its spec is the same. A different spec under the same name is an error:
// results of two different sweeps must not mix.
func (d *DB) CreateSweep(name, spec, specHash string) (int64, error) {
	var id int64
	var hash string
	err := d.db.QueryRow(`SELECT id, spec_hash FROM sweeps WHERE name = ?`, name).Scan(&id, &hash)
	switch {
	case err == nil:
		if hash != specHash {
			return 0, fmt.Errorf("store: sweep %q already exists in %s with a different spec: rename the sweep, or delete it first", name, d.path)
		}
		return id, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("store: find sweep %q: %w", name, err)
	}
	res, err := d.db.Exec(`INSERT INTO sweeps (name, spec, spec_hash) VALUES (?, ?, ?)`, name, spec, specHash)
	if err != nil {
		return 0, fmt.Errorf("store: insert sweep %q: %w", name, err)
	}
	return res.LastInsertId()
}

// SetSweepInfo records facts about the sweep's data (rows, label rate, ...).
func (d *DB) SetSweepInfo(sweep int64, info []Param) error {
	return d.tx(func(tx *sql.Tx) error {
		for _, p := range info {
			if _, err := tx.Exec(`INSERT OR REPLACE INTO sweep_info (sweep, name, value) VALUES (?, ?, ?)`,
				sweep, p.Name, sqlValue(p.Value)); err != nil {
				return fmt.Errorf("store: sweep info %s: %w", p.Name, err)
			}
		}
		return nil
	})
}

// addChunk is how many planned trials one transaction inserts: a huge plan
// is written in bounded steps, and can be stopped between them.
const addChunk = 500

// AddTrials inserts planned trials as queued; a trial whose key is already
// in the sweep is left as it is, so planning twice never duplicates a
// trial. A new trial whose key has a done record in another sweep of the
// same data (sweep_info data_id equal to dataID, when dataID is not empty)
// reuses that record: its metrics, curve, scores and checkpoint are copied,
// it is done at once and its reused_from names the sweep. It returns the
// number of trials reused, and stops between chunks when ctx is done.
func (d *DB) AddTrials(ctx context.Context, sweep int64, trials []NewTrial, dataID string) (int, error) {
	reused := 0
	for lo := 0; lo < len(trials); lo += addChunk {
		if err := ctx.Err(); err != nil {
			return reused, err
		}
		err := d.tx(func(tx *sql.Tx) error {
			for _, t := range trials[lo:min(lo+addChunk, len(trials))] {
				ok, err := addTrial(tx, sweep, t, dataID)
				if err != nil {
					return err
				}
				if ok {
					reused++
				}
			}
			return nil
		})
		if err != nil {
			return reused, err
		}
	}
	return reused, nil
}

// addTrial inserts one planned trial (and reuses a done record of its key);
// ok reports a reuse.
func addTrial(tx *sql.Tx, sweep int64, t NewTrial, dataID string) (bool, error) {
	res, err := tx.Exec(`INSERT OR IGNORE INTO trials (sweep, key, position, config, model, seed, repeat)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, sweep, t.Key, t.Position, t.Config, t.Model, int64(t.Seed), t.Repeat)
	if err != nil {
		return false, fmt.Errorf("store: insert trial %s: %w", t.Key, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	id, err := res.LastInsertId()
	if err != nil {
		return false, err
	}
	for _, p := range t.Params {
		if _, err := tx.Exec(`INSERT INTO params (trial, name, value) VALUES (?, ?, ?)`, id, p.Name, sqlValue(p.Value)); err != nil {
			return false, fmt.Errorf("store: insert parameter %s of trial %s: %w", p.Name, t.Key, err)
		}
	}
	if dataID == "" {
		return false, nil
	}
	return reuse(tx, sweep, id, t.Key, dataID)
}

// AddEpoch records one epoch of a claimed trial's learning curve (and
// refreshes its heartbeat); ErrLostClaim when another process took the
// trial over.
func (d *DB) AddEpoch(c Claim, epoch int, values []Value) error {
	return d.tx(func(tx *sql.Tx) error {
		if err := holds(tx, c); err != nil {
			return err
		}
		for _, v := range values {
			if _, err := tx.Exec(`INSERT OR REPLACE INTO epochs (trial, epoch, split, metric, value) VALUES (?, ?, ?, ?, ?)`,
				c.ID, epoch, v.Split, v.Metric, nullNaN(v.Value)); err != nil {
				return fmt.Errorf("store: epoch %d of trial %s: %w", epoch, c.Key, err)
			}
		}
		return nil
	})
}

// FinishTrial records how a claimed trial ended, with its metrics, in one
// transaction; ErrLostClaim (and nothing written) when another process
// took the trial over.
func (d *DB) FinishTrial(c Claim, o Outcome) error {
	return d.tx(func(tx *sql.Tx) error {
		if err := holds(tx, c); err != nil {
			return err
		}
		var errText any
		if o.Error != "" {
			errText = o.Error
		}
		var best any
		if o.BestEpoch > 0 {
			best = o.BestEpoch
		}
		if _, err := tx.Exec(`UPDATE trials SET status = ?, error = ?, finished_at = ?, seconds = ?, best_epoch = ?, checkpoint = ?
			WHERE id = ?`, o.Status, errText, now(), o.Seconds, best, o.Checkpoint, c.ID); err != nil {
			return fmt.Errorf("store: finish trial %s: %w", c.Key, err)
		}
		for _, set := range []struct {
			phase  string
			values []Value
		}{{"best", o.Best}, {"before", o.Before}} {
			for _, v := range set.values {
				if _, err := tx.Exec(`INSERT OR REPLACE INTO metrics (trial, phase, split, metric, value) VALUES (?, ?, ?, ?, ?)`,
					c.ID, set.phase, v.Split, v.Metric, nullNaN(v.Value)); err != nil {
					return fmt.Errorf("store: metrics of trial %s: %w", c.Key, err)
				}
			}
		}
		return d.writeExtras(tx, c.ID, o.Extras)
	})
}

func (d *DB) tx(f func(*sql.Tx) error) error {
	if d.readOnly {
		return fmt.Errorf("store: %s is open read-only", d.path)
	}
	tx, err := d.db.Begin()
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// timeFormat is every timestamp's form: UTC, fixed width, so that text
// order is time order (claims compare heartbeats as text).
const timeFormat = "2006-01-02T15:04:05.000Z"

func now() string { return time.Now().UTC().Format(timeFormat) }

// sqlValue converts a parameter to what SQLite stores with its own type.
func sqlValue(v any) any {
	switch x := v.(type) {
	case []int:
		b, _ := json.Marshal(x)
		return string(b)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return nullNaN(x)
	}
	return v
}

// nullNaN stores NaN (e.g. the AUC of a split with one class) as NULL.
func nullNaN(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}
