package store

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// statusRank orders statuses from least to most final: where two databases
// hold the same trial, merge keeps the record with the higher rank.
var statusRank = map[string]int{Queued: 0, Running: 1, Interrupted: 2, Failed: 3, Pruned: 4, Done: 5}

// MergeStats counts what a merge did.
type MergeStats struct {
	Sweeps, Added, Replaced, Kept int
}

// Merge copies the sweeps and trials of the database at src into d, keyed on
// (sweep name, trial key). A trial already in d is replaced only by a more
// final record (done over failed over interrupted over queued), so merging
// the same file twice changes nothing. Sweeps of the same name must have the
// same spec.
func (d *DB) Merge(src string) (MergeStats, error) {
	var st MergeStats
	if _, err := os.Stat(src); err != nil {
		return st, fmt.Errorf("store: merge %s: %w", src, err)
	}
	// Check the source is a results database before attaching it.
	check, err := OpenReadOnly(src)
	if err != nil {
		return st, err
	}
	check.Close()
	if _, err := d.db.Exec(`ATTACH DATABASE ? AS src`, src); err != nil {
		return st, fmt.Errorf("store: merge %s: attach: %w", src, err)
	}
	defer d.db.Exec(`DETACH DATABASE src`)
	err = d.tx(func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT id, name, spec, spec_hash, created_at FROM src.sweeps ORDER BY id`)
		if err != nil {
			return err
		}
		type sweep struct {
			id                      int64
			name, spec, hash, creat string
		}
		var sweeps []sweep
		for rows.Next() {
			var s sweep
			if err := rows.Scan(&s.id, &s.name, &s.spec, &s.hash, &s.creat); err != nil {
				rows.Close()
				return err
			}
			sweeps = append(sweeps, s)
		}
		rows.Close()
		for _, s := range sweeps {
			var dst int64
			var hash string
			err := tx.QueryRow(`SELECT id, spec_hash FROM main.sweeps WHERE name = ?`, s.name).Scan(&dst, &hash)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res, err := tx.Exec(`INSERT INTO main.sweeps (name, spec, spec_hash, created_at) VALUES (?, ?, ?, ?)`, s.name, s.spec, s.hash, s.creat)
				if err != nil {
					return err
				}
				dst, _ = res.LastInsertId()
			case err != nil:
				return err
			case hash != s.hash:
				return fmt.Errorf("store: refusing to merge sweep %q from %s: its spec differs from the one in %s", s.name, src, d.path)
			}
			st.Sweeps++
			// The shard a database ran is not a fact about the merged sweep.
			if _, err := tx.Exec(`INSERT OR IGNORE INTO main.sweep_info (sweep, name, value)
				SELECT ?, name, value FROM src.sweep_info WHERE sweep = ? AND name <> 'shard'`, dst, s.id); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT OR IGNORE INTO main.sweep_arrays (sweep, name, value)
				SELECT ?, name, value FROM src.sweep_arrays WHERE sweep = ?`, dst, s.id); err != nil {
				return err
			}
			if err := mergeTrials(tx, s.id, dst, &st); err != nil {
				return fmt.Errorf("sweep %q: %w", s.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("store: merge %s: %w", src, err)
	}
	return st, nil
}

// perTrialTables are copied with their trial: table → columns besides trial.
var perTrialTables = map[string]string{
	"epochs":        "epoch, split, metric, value",
	"metrics":       "phase, split, metric, value",
	"scores":        "split, value",
	"group_metrics": "split, grouping, bucket, position, n, positives, auc, gauc, logloss, mean_pred, mean_label",
	"calibration":   "split, bucket, n, mean_pred, mean_label",
	"attention":     "sample, row, label, score, target, items, weights",
}

func mergeTrials(tx *sql.Tx, srcSweep, dstSweep int64, st *MergeStats) error {
	rows, err := tx.Query(`SELECT id, key, status FROM src.trials WHERE sweep = ? ORDER BY position`, srcSweep)
	if err != nil {
		return err
	}
	type trial struct {
		id          int64
		key, status string
	}
	var trials []trial
	for rows.Next() {
		var t trial
		if err := rows.Scan(&t.id, &t.key, &t.status); err != nil {
			rows.Close()
			return err
		}
		trials = append(trials, t)
	}
	rows.Close()
	const cols = `position, config, model, seed, repeat, status, error, started_at, finished_at, seconds, best_epoch, checkpoint`
	for _, t := range trials {
		var dst int64
		var status string
		err := tx.QueryRow(`SELECT id, status FROM main.trials WHERE sweep = ? AND key = ?`, dstSweep, t.key).Scan(&dst, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, err := tx.Exec(`INSERT INTO main.trials (sweep, key, `+cols+`) SELECT ?, key, `+cols+` FROM src.trials WHERE id = ?`, dstSweep, t.id)
			if err != nil {
				return err
			}
			dst, _ = res.LastInsertId()
			if _, err := tx.Exec(`INSERT INTO main.params (trial, name, value) SELECT ?, name, value FROM src.params WHERE trial = ?`, dst, t.id); err != nil {
				return err
			}
			st.Added++
		case err != nil:
			return err
		case statusRank[t.status] > statusRank[status]:
			if _, err := tx.Exec(`UPDATE main.trials SET (`+cols+`) = (SELECT `+cols+` FROM src.trials WHERE id = ?) WHERE id = ?`, t.id, dst); err != nil {
				return err
			}
			for _, q := range resetTrial { // unqualified names resolve to main first
				if _, err := tx.Exec(q, dst); err != nil {
					return err
				}
			}
			st.Replaced++
		default:
			st.Kept++
			continue
		}
		for table, cols := range perTrialTables {
			if _, err := tx.Exec(`INSERT INTO main.`+table+` (trial, `+cols+`) SELECT ?, `+cols+` FROM src.`+table+` WHERE trial = ?`, dst, t.id); err != nil {
				return fmt.Errorf("copy %s of trial %s: %w", table, t.key, err)
			}
		}
	}
	return nil
}
