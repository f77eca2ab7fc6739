package store

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// statusRank orders statuses from least to most final: where two databases
// hold the same trial, merge keeps the record with the higher rank.
var statusRank = map[string]int{Queued: 0, Running: 1, Interrupted: 2, Failed: 3, Pruned: 4, Done: 5}

// MergeStats counts what a merge did with one input.
type MergeStats struct {
	Sweeps, Added, Replaced, Kept int
}

// mergeInput is one database to merge, opened read-only, with its sweeps.
type mergeInput struct {
	path   string
	db     *DB
	sweeps []mergeSweep
	cols   map[string][]string // table → the columns both databases have
}

type mergeSweep struct {
	id                      int64
	name, spec, hash, creat string
}

// Merge copies the sweeps and trials of the databases at srcs into d, keyed
// on (sweep name, trial key), all or nothing. Every input is checked first:
// it must exist, be a results database and not be d's own file (by path or
// by identity: a link to it is the same file), and a sweep it shares with d
// or with another input must have the same spec. Then every input is copied
// in one transaction, so a failure leaves d as it was.
//
// A trial already in d is replaced only by a more final record (done over
// failed over interrupted over queued), so merging the same files twice
// changes nothing. Columns are copied by name where both databases have
// them, so a database of an older schema merges into a newer one.
func (d *DB) Merge(srcs ...string) ([]MergeStats, error) {
	inputs, err := d.openInputs(srcs)
	defer func() {
		for _, in := range inputs {
			in.db.Close()
		}
	}()
	if err != nil {
		return nil, err
	}
	stats := make([]MergeStats, len(inputs))
	err = d.tx(func(tx *sql.Tx) error {
		for i, in := range inputs {
			if err := in.copyInto(tx, d.path, &stats[i]); err != nil {
				return fmt.Errorf("store: merge %s into %s (nothing merged): %w", in.path, d.path, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stats, nil
}

// openInputs opens and checks every input before anything is written. The
// inputs it returns are open even with an error: the caller closes them.
func (d *DB) openInputs(srcs []string) ([]*mergeInput, error) {
	var inputs []*mergeInput
	specOf := map[string]string{} // sweep name → "hash\x00where"
	for _, s := range d.ownSweeps() {
		specOf[s.name] = s.hash + "\x00" + d.path
	}
	for _, src := range srcs {
		if err := d.notSelf(src); err != nil {
			return inputs, err
		}
		ro, err := OpenReadOnly(src)
		if err != nil {
			return inputs, fmt.Errorf("store: merge: %w", err)
		}
		in := &mergeInput{path: src, db: ro, cols: map[string][]string{}}
		inputs = append(inputs, in)
		if in.sweeps, err = readSweeps(ro.db); err != nil {
			return inputs, fmt.Errorf("store: merge %s: %w", src, err)
		}
		for _, s := range in.sweeps {
			have, ok := specOf[s.name]
			if !ok {
				specOf[s.name] = s.hash + "\x00" + src
				continue
			}
			if hash, where, _ := strings.Cut(have, "\x00"); hash != s.hash {
				return inputs, fmt.Errorf("store: refusing to merge sweep %q from %s: its spec differs from the one in %s (nothing merged)", s.name, src, where)
			}
		}
	}
	return inputs, nil
}

// notSelf refuses an input that is d's own file: merging a database into
// itself would wait on its own lock.
func (d *DB) notSelf(src string) error {
	a, errA := filepath.Abs(src)
	b, errB := filepath.Abs(d.path)
	same := errA == nil && errB == nil && a == b
	if fi, err := os.Stat(src); err == nil && d.ident != nil && os.SameFile(fi, d.ident) {
		same = true
	}
	if same {
		return fmt.Errorf("store: merge: input %s is the output database %s itself: give another --db", src, d.path)
	}
	return nil
}

// ownSweeps lists d's sweeps for the early spec check (none when they
// cannot be read: the transaction checks again).
func (d *DB) ownSweeps() []mergeSweep {
	s, _ := readSweeps(d.db)
	return s
}

type queryer interface {
	Query(q string, args ...any) (*sql.Rows, error)
}

func readSweeps(db queryer) ([]mergeSweep, error) {
	rows, err := db.Query(`SELECT id, name, spec, spec_hash, created_at FROM sweeps ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mergeSweep
	for rows.Next() {
		var s mergeSweep
		if err := rows.Scan(&s.id, &s.name, &s.spec, &s.hash, &s.creat); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// copyInto copies the input's sweeps into the transaction's database.
func (in *mergeInput) copyInto(tx *sql.Tx, dstPath string, st *MergeStats) error {
	for _, s := range in.sweeps {
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
			return fmt.Errorf("sweep %q: its spec differs from the one in %s", s.name, dstPath)
		}
		st.Sweeps++
		// The shard a database ran is not a fact about the merged sweep.
		if err := in.copyRows(tx, "sweep_info", `sweep = ? AND name <> 'shard'`, s.id, "sweep", dst, "OR IGNORE"); err != nil {
			return err
		}
		if err := in.copyRows(tx, "sweep_arrays", `sweep = ?`, s.id, "sweep", dst, "OR IGNORE"); err != nil {
			return err
		}
		if err := in.mergeTrials(tx, s.id, dst, st); err != nil {
			return fmt.Errorf("sweep %q: %w", s.name, err)
		}
	}
	return nil
}

// perTrialTables are copied with their trial.
var perTrialTables = []string{"epochs", "metrics", "scores", "group_metrics", "calibration", "attention"}

func (in *mergeInput) mergeTrials(tx *sql.Tx, srcSweep, dstSweep int64, st *MergeStats) error {
	rows, err := in.db.db.Query(`SELECT id, key, status FROM trials WHERE sweep = ? ORDER BY position`, srcSweep)
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
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range trials {
		var dst int64
		var status string
		err := tx.QueryRow(`SELECT id, status FROM main.trials WHERE sweep = ? AND key = ?`, dstSweep, t.key).Scan(&dst, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if dst, err = in.insertTrial(tx, t.id, dstSweep); err != nil {
				return fmt.Errorf("trial %s: %w", t.key, err)
			}
			if err := in.copyRows(tx, "params", `trial = ?`, t.id, "trial", dst, ""); err != nil {
				return fmt.Errorf("trial %s: %w", t.key, err)
			}
			st.Added++
		case err != nil:
			return err
		case statusRank[t.status] > statusRank[status]:
			if err := in.replaceTrial(tx, t.id, dst); err != nil {
				return fmt.Errorf("trial %s: %w", t.key, err)
			}
			st.Replaced++
		default:
			st.Kept++
			continue
		}
		for _, table := range perTrialTables {
			if err := in.copyRows(tx, table, `trial = ?`, t.id, "trial", dst, ""); err != nil {
				return fmt.Errorf("copy %s of trial %s: %w", table, t.key, err)
			}
		}
	}
	return nil
}

// insertTrial adds the input's trial src to sweep dstSweep; it returns the
// new trial's id.
func (in *mergeInput) insertTrial(tx *sql.Tx, src, dstSweep int64) (int64, error) {
	cols, vals, err := in.row(tx, "trials", src, "id", "sweep")
	if err != nil {
		return 0, err
	}
	res, err := tx.Exec(`INSERT INTO main.trials (sweep, `+strings.Join(cols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(cols))+`)`,
		append([]any{dstSweep}, vals...)...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// replaceTrial overwrites trial dst with the input's trial src and clears
// what dst recorded.
func (in *mergeInput) replaceTrial(tx *sql.Tx, src, dst int64) error {
	cols, vals, err := in.row(tx, "trials", src, "id", "sweep", "key")
	if err != nil {
		return err
	}
	if _, err := tx.Exec(`UPDATE main.trials SET (`+strings.Join(cols, ", ")+`) = (?`+strings.Repeat(", ?", len(cols)-1)+`) WHERE id = ?`,
		append(vals, dst)...); err != nil {
		return err
	}
	for _, q := range resetTrial { // unqualified names resolve to main
		if _, err := tx.Exec(q, dst); err != nil {
			return err
		}
	}
	return nil
}

// row reads the input's trial id: the columns both databases' trials
// tables have, but the skipped ones, and their values.
func (in *mergeInput) row(tx *sql.Tx, table string, id int64, skip ...string) ([]string, []any, error) {
	cols, err := in.columns(tx, table, skip...)
	if err != nil {
		return nil, nil, err
	}
	if len(cols) == 0 {
		return nil, nil, fmt.Errorf("table %s of %s has no column this database knows", table, in.path)
	}
	rows, err := readRows(in.db.db, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` WHERE id = ?`, len(cols), id)
	if err != nil {
		return nil, nil, err
	}
	if len(rows) != 1 {
		return nil, nil, fmt.Errorf("%s row %d vanished from %s", table, id, in.path)
	}
	return cols, rows[0], nil
}

// copyRows copies the input's rows of table that match where (one
// argument, arg) into the transaction's table, with column owner set to
// dst; verb is "" or "OR IGNORE".
func (in *mergeInput) copyRows(tx *sql.Tx, table, where string, arg any, owner string, dst int64, verb string) error {
	cols, err := in.columns(tx, table, owner)
	if err != nil || len(cols) == 0 {
		return err
	}
	rows, err := readRows(in.db.db, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` WHERE `+where, len(cols), arg)
	if err != nil {
		return err
	}
	q := `INSERT ` + verb + ` INTO main.` + table + ` (` + owner + `, ` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)) + `)`
	for _, r := range rows {
		if _, err := tx.Exec(q, append([]any{dst}, r...)...); err != nil {
			return err
		}
	}
	return nil
}

// columns lists the columns of table that both databases have, in the
// destination's order, without the skipped ones; none when the input has
// no such table (an older schema).
func (in *mergeInput) columns(tx *sql.Tx, table string, skip ...string) ([]string, error) {
	shared, ok := in.cols[table]
	if !ok {
		d, err := columnNames(tx, table)
		if err != nil {
			return nil, err
		}
		s, err := columnNames(in.db.db, table)
		if err != nil {
			return nil, err
		}
		for _, c := range d {
			if slices.Contains(s, c) {
				shared = append(shared, c)
			}
		}
		in.cols[table] = shared
	}
	var out []string
	for _, c := range shared {
		if !slices.Contains(skip, c) {
			out = append(out, c)
		}
	}
	return out, nil // none when the input predates the table
}

func columnNames(db queryer, table string) ([]string, error) {
	rows, err := readRows(db, `SELECT name FROM pragma_table_info(?)`, 1, table)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i], _ = r[0].(string)
	}
	return out, nil
}

// readRows reads every row of a query of n columns.
func readRows(db queryer, q string, n int, args ...any) ([][]any, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}
