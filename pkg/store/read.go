package store

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mattn/go-sqlite3"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// Sweep is a stored sweep.
type Sweep struct {
	ID        int64
	Name      string
	Spec      string
	SpecHash  string
	CreatedAt string
	Info      map[string]any // sweep_info rows
	Counts    map[string]int // trials per status
}

// Trial is a stored trial with its parameters and final metrics.
type Trial struct {
	ID        int64
	Key       string
	Position  int
	Config    string
	Model     string
	Seed      uint64
	Repeat    int
	Status    string
	Error     string
	Seconds   float64
	BestEpoch int
	Params    map[string]any
	Best      map[string]float64 // "split/metric" of the best checkpoint, e.g. "test/auc"
	Before    map[string]float64 // the same for the untrained model
}

// Metric returns a final metric of a split ("valid", "auc") of the best
// checkpoint; ok is false when it is missing or NaN. A derived metric of
// the registry (auc-logloss) is computed from the stored ones.
func (t *Trial) Metric(split, metric string) (float64, bool) {
	if v, ok := t.Best[split+"/"+metric]; ok {
		return v, !math.IsNaN(v)
	}
	mi, ok := model.LookupMetric(metric)
	if !ok || mi.Stored {
		return math.NaN(), false
	}
	values := map[string]float64{}
	for k, v := range t.Best {
		if s, name, _ := strings.Cut(k, "/"); s == split {
			values[name] = v
		}
	}
	v := mi.Value(model.MetricsOf(values))
	return v, !math.IsNaN(v)
}

// Sweeps lists every sweep with its trial counts, oldest first.
func (d *DB) Sweeps() ([]Sweep, error) {
	rows, err := d.db.Query(`SELECT id, name, spec, spec_hash, created_at FROM sweeps ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list sweeps: %w", err)
	}
	var out []Sweep
	for rows.Next() {
		var s Sweep
		if err := rows.Scan(&s.ID, &s.Name, &s.Spec, &s.SpecHash, &s.CreatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: list sweeps: %w", err)
		}
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := d.fillSweep(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SweepByName returns one sweep, or an error wrapping ErrNoSweep.
func (d *DB) SweepByName(name string) (*Sweep, error) {
	s := &Sweep{}
	err := d.db.QueryRow(`SELECT id, name, spec, spec_hash, created_at FROM sweeps WHERE name = ?`, name).
		Scan(&s.ID, &s.Name, &s.Spec, &s.SpecHash, &s.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: %s: %w %q (see `sweep list`)", d.path, ErrNoSweep, name)
	}
	if err != nil {
		return nil, fmt.Errorf("store: find sweep %q: %w", name, err)
	}
	return s, d.fillSweep(s)
}

func (d *DB) fillSweep(s *Sweep) error {
	s.Info = map[string]any{}
	s.Counts = map[string]int{}
	rows, err := d.db.Query(`SELECT name, value FROM sweep_info WHERE sweep = ?`, s.ID)
	if err != nil {
		return fmt.Errorf("store: sweep info: %w", err)
	}
	for rows.Next() {
		var n string
		var v any
		if err := rows.Scan(&n, &v); err != nil {
			rows.Close()
			return err
		}
		s.Info[n] = v
	}
	rows.Close()
	rows, err = d.db.Query(`SELECT status, count(*) FROM trials WHERE sweep = ? GROUP BY status`, s.ID)
	if err != nil {
		return fmt.Errorf("store: trial counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return err
		}
		s.Counts[st] = n
	}
	return rows.Err()
}

// Statuses maps each trial key of a sweep to its status.
func (d *DB) Statuses(sweep int64) (map[string]string, error) {
	rows, err := d.db.Query(`SELECT key, status FROM trials WHERE sweep = ?`, sweep)
	if err != nil {
		return nil, fmt.Errorf("store: trial statuses: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, s string
		if err := rows.Scan(&k, &s); err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, rows.Err()
}

// Trials returns a sweep's trials in plan order, with parameters and metrics.
func (d *DB) Trials(sweep int64) ([]*Trial, error) {
	rows, err := d.db.Query(`SELECT id, key, position, config, model, seed, repeat, status,
		coalesce(error, ''), coalesce(seconds, 0), coalesce(best_epoch, 0)
		FROM trials WHERE sweep = ? ORDER BY position`, sweep)
	if err != nil {
		return nil, fmt.Errorf("store: list trials: %w", err)
	}
	var out []*Trial
	byID := map[int64]*Trial{}
	for rows.Next() {
		t := &Trial{Params: map[string]any{}, Best: map[string]float64{}, Before: map[string]float64{}}
		var seed int64
		if err := rows.Scan(&t.ID, &t.Key, &t.Position, &t.Config, &t.Model, &seed, &t.Repeat, &t.Status,
			&t.Error, &t.Seconds, &t.BestEpoch); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: list trials: %w", err)
		}
		t.Seed = uint64(seed)
		out = append(out, t)
		byID[t.ID] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := d.scanEach(`SELECT p.trial, p.name, p.value FROM params p JOIN trials t ON t.id = p.trial WHERE t.sweep = ?`,
		sweep, func(id int64, name string, v any) {
			if t := byID[id]; t != nil {
				t.Params[name] = v
			}
		}); err != nil {
		return nil, err
	}
	err = d.scanEach(`SELECT m.trial, m.phase || '/' || m.split || '/' || m.metric, m.value FROM metrics m
		JOIN trials t ON t.id = m.trial WHERE t.sweep = ? AND m.value IS NOT NULL`,
		sweep, func(id int64, name string, v any) {
			t := byID[id]
			f, ok := v.(float64)
			if t == nil || !ok {
				return
			}
			phase, rest, _ := strings.Cut(name, "/")
			if phase == "best" {
				t.Best[rest] = f
			} else {
				t.Before[rest] = f
			}
		})
	return out, err
}

func (d *DB) scanEach(q string, arg any, f func(int64, string, any)) error {
	rows, err := d.db.Query(q, arg)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		var v any
		if err := rows.Scan(&id, &name, &v); err != nil {
			return err
		}
		f(id, name, v)
	}
	return rows.Err()
}

// CurvePoint is one value of a learning curve.
type CurvePoint struct {
	Epoch         int
	Split, Metric string
	Value         float64
}

// Curve returns a trial's per-epoch values in epoch order.
func (d *DB) Curve(trial int64) ([]CurvePoint, error) {
	rows, err := d.db.Query(`SELECT epoch, split, metric, value FROM epochs WHERE trial = ? AND value IS NOT NULL
		ORDER BY epoch, split, metric`, trial)
	if err != nil {
		return nil, fmt.Errorf("store: curve of trial %d: %w", trial, err)
	}
	defer rows.Close()
	var out []CurvePoint
	for rows.Next() {
		var p CurvePoint
		if err := rows.Scan(&p.Epoch, &p.Split, &p.Metric, &p.Value); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Checkpoint returns a trial's best weights (nil when it has none).
func (d *DB) Checkpoint(trial int64) ([]byte, error) {
	var b []byte
	if err := d.db.QueryRow(`SELECT checkpoint FROM trials WHERE id = ?`, trial).Scan(&b); err != nil {
		return nil, fmt.Errorf("store: checkpoint of trial %d: %w", trial, err)
	}
	return b, nil
}

// Result is the outcome of an ad-hoc query.
type Result struct {
	Columns []string
	Rows    [][]any
}

// Query runs one SQL statement and returns its rows. On a database opened
// with OpenReadOnly any statement that would write is refused by SQLite.
func (d *DB) Query(q string) (*Result, error) {
	rows, err := d.db.Query(q)
	if err != nil {
		if d.readOnly && refused(err) {
			return nil, fmt.Errorf("store: %s is opened read-only: %s refused: `sweep query` only reads, it never changes results or creates files (%v)",
				d.path, refusedWord(q), err)
		}
		return nil, fmt.Errorf("store: query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("store: query: %w", err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = fmt.Sprintf("<%d bytes>", len(b))
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query: %w", err)
	}
	return res, nil
}

// refused reports whether err is SQLite refusing a write or a statement
// the read-only authorizer denies.
func refused(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrAuth || se.Code == sqlite3.ErrReadonly) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "not authorized")
}

// refusedWord names what a refused statement tried: its first keyword
// that changes something (DELETE in "SELECT 1; DELETE …"), else its first
// word.
func refusedWord(q string) string {
	words := strings.FieldsFunc(strings.ToUpper(q), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r == '_')
	})
	for _, w := range words {
		switch w {
		case "ATTACH", "DETACH", "VACUUM", "PRAGMA", "INSERT", "UPDATE", "DELETE", "REPLACE",
			"CREATE", "DROP", "ALTER", "REINDEX", "ANALYZE", "LOAD_EXTENSION":
			return w
		}
	}
	if len(words) == 0 {
		return "the statement"
	}
	return words[0]
}

// likeEscaper escapes a LIKE pattern's wildcards with a backslash.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// TrialByRef finds a trial by id, key or a unique key prefix (in any sweep).
func (d *DB) TrialByRef(ref string) (*Trial, string, error) {
	// The ref is a literal prefix: %, _ and the escape character in it
	// match themselves.
	rows, err := d.db.Query(`SELECT t.id, s.id, s.name FROM trials t JOIN sweeps s ON s.id = t.sweep
		WHERE CAST(t.id AS TEXT) = ? OR t.key LIKE ? || '%' ESCAPE '\' ORDER BY t.id`, ref, likeEscaper.Replace(ref))
	if err != nil {
		return nil, "", fmt.Errorf("store: find trial %q: %w", ref, err)
	}
	type hit struct {
		id, sweep int64
		name      string
	}
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.id, &h.sweep, &h.name); err != nil {
			rows.Close()
			return nil, "", err
		}
		hits = append(hits, h)
	}
	rows.Close()
	switch {
	case len(hits) == 0:
		return nil, "", fmt.Errorf("store: no trial with id or key %q in %s (see `sweep query \"SELECT trial, key, model FROM leaderboard\"`)", ref, d.path)
	case len(hits) > 1 && fmt.Sprint(hits[0].id) != ref:
		return nil, "", fmt.Errorf("store: %q matches %d trials: give more of the key, or the trial id", ref, len(hits))
	}
	trials, err := d.Trials(hits[0].sweep)
	if err != nil {
		return nil, "", err
	}
	for _, t := range trials {
		if t.ID == hits[0].id {
			return t, hits[0].name, nil
		}
	}
	return nil, "", fmt.Errorf("store: trial %q vanished", ref)
}

// ValidCurves returns the valid split's per-epoch values of every trial of a
// sweep that has any, by trial id, in epoch order: what schedulers and TPE
// read of other trials' progress.
func (d *DB) ValidCurves(sweep int64) (map[int64][]CurvePoint, error) {
	rows, err := d.db.Query(`SELECT e.trial, e.epoch, e.metric, e.value FROM epochs e JOIN trials t ON t.id = e.trial
		WHERE t.sweep = ? AND e.split = 'valid' AND e.value IS NOT NULL ORDER BY e.trial, e.epoch, e.metric`, sweep)
	if err != nil {
		return nil, fmt.Errorf("store: valid curves: %w", err)
	}
	defer rows.Close()
	out := map[int64][]CurvePoint{}
	for rows.Next() {
		var id int64
		p := CurvePoint{Split: "valid"}
		if err := rows.Scan(&id, &p.Epoch, &p.Metric, &p.Value); err != nil {
			return nil, err
		}
		out[id] = append(out[id], p)
	}
	return out, rows.Err()
}

// DataFile is the fingerprint of one data file a sweep read.
type DataFile struct {
	Path    string
	Size    int64
	ModTime string
	Hash    string
}

// SetSweepFiles records the sweep's data files (replacing any earlier list).
func (d *DB) SetSweepFiles(sweep int64, files []DataFile) error {
	return d.tx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM sweep_files WHERE sweep = ?`, sweep); err != nil {
			return fmt.Errorf("store: sweep files: %w", err)
		}
		for _, f := range files {
			if _, err := tx.Exec(`INSERT INTO sweep_files (sweep, path, size, mod_time, hash) VALUES (?, ?, ?, ?, ?)`,
				sweep, f.Path, f.Size, f.ModTime, f.Hash); err != nil {
				return fmt.Errorf("store: sweep file %s: %w", f.Path, err)
			}
		}
		return nil
	})
}

// SweepFiles returns the data files recorded with a sweep, by path.
func (d *DB) SweepFiles(sweep int64) ([]DataFile, error) {
	rows, err := d.db.Query(`SELECT path, size, mod_time, hash FROM sweep_files WHERE sweep = ? ORDER BY path`, sweep)
	if err != nil {
		return nil, fmt.Errorf("store: sweep files: %w", err)
	}
	defer rows.Close()
	var out []DataFile
	for rows.Next() {
		var f DataFile
		if err := rows.Scan(&f.Path, &f.Size, &f.ModTime, &f.Hash); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
