package store

import (
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// GroupMetric is one group's metrics, e.g. test users with 6–10 history items.
type GroupMetric struct {
	Split, Grouping, Bucket string
	Position                int
	N, Positives            int
	AUC, GAUC, LogLoss      float64
	MeanPred, MeanLabel     float64
}

// CalibrationBucket is one predicted-CTR bucket of a split.
type CalibrationBucket struct {
	Split               string
	Bucket, N           int
	MeanPred, MeanLabel float64
}

// AttentionRow is what a model attended to for one validation row.
type AttentionRow struct {
	Row          int32
	Label, Score float64
	Target       int32 // the candidate item id
	Items        []int32
	Weights      [][]float32
}

// Extras are what a finished trial keeps besides its metrics.
type Extras struct {
	Scores      map[string][]float32 // split → predictions in split order
	Groups      []GroupMetric
	Calibration []CalibrationBucket
	Attention   []AttentionRow
}

func (d *DB) writeExtras(tx *sql.Tx, trial int64, x Extras) error {
	for split, s := range x.Scores {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO scores (trial, split, value) VALUES (?, ?, ?)`, trial, split, Float32Blob(s)); err != nil {
			return fmt.Errorf("store: scores of trial %d: %w", trial, err)
		}
	}
	for _, g := range x.Groups {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO group_metrics (trial, split, grouping, bucket, position, n, positives, auc, gauc, logloss, mean_pred, mean_label)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, trial, g.Split, g.Grouping, g.Bucket, g.Position, g.N, g.Positives,
			nullNaN(g.AUC), nullNaN(g.GAUC), nullNaN(g.LogLoss), nullNaN(g.MeanPred), nullNaN(g.MeanLabel)); err != nil {
			return fmt.Errorf("store: group metrics of trial %d: %w", trial, err)
		}
	}
	for _, c := range x.Calibration {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO calibration (trial, split, bucket, n, mean_pred, mean_label) VALUES (?, ?, ?, ?, ?, ?)`,
			trial, c.Split, c.Bucket, c.N, nullNaN(c.MeanPred), nullNaN(c.MeanLabel)); err != nil {
			return fmt.Errorf("store: calibration of trial %d: %w", trial, err)
		}
	}
	for i, a := range x.Attention {
		items, _ := json.Marshal(a.Items)
		weights, _ := json.Marshal(a.Weights)
		if _, err := tx.Exec(`INSERT OR REPLACE INTO attention (trial, sample, row, label, score, target, items, weights) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			trial, i, a.Row, a.Label, a.Score, a.Target, string(items), string(weights)); err != nil {
			return fmt.Errorf("store: attention of trial %d: %w", trial, err)
		}
	}
	return nil
}

// SetSweepArray stores an array over a split's rows for the whole sweep
// (e.g. test labels), which reports combine with each trial's scores.
func (d *DB) SetSweepArray(sweep int64, name string, blob []byte) error {
	return d.tx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO sweep_arrays (sweep, name, value) VALUES (?, ?, ?)`, sweep, name, blob)
		return err
	})
}

// SweepArray returns a stored sweep array, or nil when absent.
func (d *DB) SweepArray(sweep int64, name string) ([]byte, error) {
	var b []byte
	err := d.db.QueryRow(`SELECT value FROM sweep_arrays WHERE sweep = ? AND name = ?`, sweep, name).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return b, err
}

// Scores returns a trial's stored predictions on a split (nil when absent).
func (d *DB) Scores(trial int64, split string) ([]float32, error) {
	var b []byte
	err := d.db.QueryRow(`SELECT value FROM scores WHERE trial = ? AND split = ?`, trial, split).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: scores of trial %d: %w", trial, err)
	}
	return BlobFloat32(b), nil
}

// GroupMetrics returns a trial's per-group metrics in bucket order.
func (d *DB) GroupMetrics(trial int64) ([]GroupMetric, error) {
	rows, err := d.db.Query(`SELECT split, grouping, bucket, position, n, positives, coalesce(auc, 'NaN'), coalesce(gauc, 'NaN'),
		coalesce(logloss, 'NaN'), coalesce(mean_pred, 'NaN'), coalesce(mean_label, 'NaN')
		FROM group_metrics WHERE trial = ? ORDER BY split, grouping, position`, trial)
	if err != nil {
		return nil, fmt.Errorf("store: group metrics of trial %d: %w", trial, err)
	}
	defer rows.Close()
	var out []GroupMetric
	for rows.Next() {
		var g GroupMetric
		if err := rows.Scan(&g.Split, &g.Grouping, &g.Bucket, &g.Position, &g.N, &g.Positives, &g.AUC, &g.GAUC, &g.LogLoss, &g.MeanPred, &g.MeanLabel); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Calibration returns a trial's calibration buckets of a split.
func (d *DB) Calibration(trial int64, split string) ([]CalibrationBucket, error) {
	rows, err := d.db.Query(`SELECT bucket, n, coalesce(mean_pred, 'NaN'), coalesce(mean_label, 'NaN') FROM calibration
		WHERE trial = ? AND split = ? ORDER BY bucket`, trial, split)
	if err != nil {
		return nil, fmt.Errorf("store: calibration of trial %d: %w", trial, err)
	}
	defer rows.Close()
	var out []CalibrationBucket
	for rows.Next() {
		c := CalibrationBucket{Split: split}
		if err := rows.Scan(&c.Bucket, &c.N, &c.MeanPred, &c.MeanLabel); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Attention returns a trial's attention samples.
func (d *DB) Attention(trial int64) ([]AttentionRow, error) {
	rows, err := d.db.Query(`SELECT row, coalesce(label, 0), coalesce(score, 0), coalesce(target, 0), items, weights FROM attention WHERE trial = ? ORDER BY sample`, trial)
	if err != nil {
		return nil, fmt.Errorf("store: attention of trial %d: %w", trial, err)
	}
	defer rows.Close()
	var out []AttentionRow
	for rows.Next() {
		var a AttentionRow
		var items, weights string
		if err := rows.Scan(&a.Row, &a.Label, &a.Score, &a.Target, &items, &weights); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(items), &a.Items); err != nil {
			return nil, fmt.Errorf("store: attention of trial %d: %w", trial, err)
		}
		if err := json.Unmarshal([]byte(weights), &a.Weights); err != nil {
			return nil, fmt.Errorf("store: attention of trial %d: %w", trial, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Float32Blob encodes float32s little-endian.
func Float32Blob(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// BlobFloat32 decodes Float32Blob.
func BlobFloat32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// Int32Blob encodes int32s little-endian.
func Int32Blob(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

// BlobInt32 decodes Int32Blob.
func BlobInt32(b []byte) []int32 {
	v := make([]int32, len(b)/4)
	for i := range v {
		v[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
