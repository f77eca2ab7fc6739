package store

import (
	"fmt"
	"strings"
)

// Reads for a live view of running sweeps (`sweep ui`). Each is one or a few
// short statements, so a reader polling every second never holds a read
// transaction open for long. None reads a column stored after trials.checkpoint
// for finished trials: SQLite would walk the checkpoint's overflow pages to
// reach it (running trials have no checkpoint yet).

// Activity is how far one sweep has got, for a list of sweeps.
type Activity struct {
	ID        int64
	Name      string
	CreatedAt string
	Counts    map[string]int // trials per status
	// FirstStart is the earliest started_at of a trial that has one,
	// LastFinish the latest finished_at ("" when none).
	FirstStart, LastFinish string
	// Finished counts done and pruned trials; MeanSeconds is their mean
	// training time (0 when none).
	Finished    int
	MeanSeconds float64
	// LastBeat is the latest heartbeat of a running trial ("" when none):
	// a sweep whose process was killed leaves trials running with an old
	// heartbeat.
	LastBeat string
}

// Activities lists every sweep with its progress, oldest first.
func (d *DB) Activities() ([]Activity, error) {
	rows, err := d.db.Query(`SELECT s.id, s.name, s.created_at, coalesce(t.status, ''), count(t.id),
		coalesce(min(t.started_at), ''), coalesce(max(t.finished_at), ''), coalesce(avg(t.seconds), 0)
		FROM sweeps s LEFT JOIN trials t ON t.sweep = s.id GROUP BY s.id, t.status ORDER BY s.id`)
	if err != nil {
		return nil, fmt.Errorf("store: sweep activity: %w", err)
	}
	var out []Activity
	for rows.Next() {
		var a Activity
		var status, first, last string
		var n int
		var mean float64
		if err := rows.Scan(&a.ID, &a.Name, &a.CreatedAt, &status, &n, &first, &last, &mean); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: sweep activity: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != a.ID {
			a.Counts = map[string]int{}
			out = append(out, a)
		}
		cur := &out[len(out)-1]
		if status == "" {
			continue // a sweep without trials
		}
		cur.Counts[status] = n
		if first != "" && (cur.FirstStart == "" || first < cur.FirstStart) {
			cur.FirstStart = first
		}
		cur.LastFinish = max(cur.LastFinish, last)
		if status == Done || status == Pruned {
			cur.MeanSeconds = (cur.MeanSeconds*float64(cur.Finished) + mean*float64(n)) / float64(cur.Finished+n)
			cur.Finished += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sweep activity: %w", err)
	}
	beats, err := d.db.Query(`SELECT sweep, max(heartbeat) FROM trials WHERE status = 'running' GROUP BY sweep`)
	if err != nil {
		return nil, fmt.Errorf("store: heartbeats: %w", err)
	}
	defer beats.Close()
	byID := map[int64]*Activity{}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for beats.Next() {
		var id int64
		var beat *string
		if err := beats.Scan(&id, &beat); err != nil {
			return nil, fmt.Errorf("store: heartbeats: %w", err)
		}
		if a := byID[id]; a != nil && beat != nil {
			a.LastBeat = *beat
		}
	}
	return out, beats.Err()
}

// RunningTrial is a trial some process is training now (or was, when its
// heartbeat is old).
type RunningTrial struct {
	ID        int64
	Key       string
	Position  int
	Model     string
	StartedAt string
	Heartbeat string
	Host      string
	PID       int
	Attempts  int
	Params    map[string]any
}

// Running returns a sweep's running trials in plan order, with parameters.
func (d *DB) Running(sweep int64) ([]RunningTrial, error) {
	rows, err := d.db.Query(`SELECT id, key, position, model, coalesce(started_at, ''), coalesce(heartbeat, ''),
		coalesce(host, ''), coalesce(pid, 0), attempts
		FROM trials WHERE sweep = ? AND status = 'running' ORDER BY position`, sweep)
	if err != nil {
		return nil, fmt.Errorf("store: running trials: %w", err)
	}
	var out []RunningTrial
	for rows.Next() {
		r := RunningTrial{Params: map[string]any{}}
		if err := rows.Scan(&r.ID, &r.Key, &r.Position, &r.Model, &r.StartedAt, &r.Heartbeat, &r.Host, &r.PID, &r.Attempts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: running trials: %w", err)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]string, len(out))
	byID := map[int64]*RunningTrial{}
	for i := range out {
		ids[i] = fmt.Sprint(out[i].ID)
		byID[out[i].ID] = &out[i]
	}
	params, err := d.db.Query(`SELECT trial, name, value FROM params WHERE trial IN (` + strings.Join(ids, ",") + `)`)
	if err != nil {
		return nil, fmt.Errorf("store: parameters of running trials: %w", err)
	}
	defer params.Close()
	for params.Next() {
		var id int64
		var name string
		var v any
		if err := params.Scan(&id, &name, &v); err != nil {
			return nil, fmt.Errorf("store: parameters of running trials: %w", err)
		}
		byID[id].Params[name] = v
	}
	return out, params.Err()
}

// Version is a short text that changes whenever a trial of the sweep is
// claimed, finishes or otherwise changes status: what a cache of the sweep's
// results is keyed by (epochs of running trials leave it as it is). It is
// the count and the sum of plan positions per status, read from the
// trials_by_position index alone, so polling it is cheap on any sweep.
func (d *DB) Version(sweep int64) (string, error) {
	rows, err := d.db.Query(`SELECT status, count(*), sum(position) FROM trials WHERE sweep = ? GROUP BY status ORDER BY status`, sweep)
	if err != nil {
		return "", fmt.Errorf("store: version of sweep %d: %w", sweep, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var status string
		var n, sum int64
		if err := rows.Scan(&status, &n, &sum); err != nil {
			return "", fmt.Errorf("store: version of sweep %d: %w", sweep, err)
		}
		fmt.Fprintf(&b, "%s:%d:%d;", status, n, sum)
	}
	return b.String(), rows.Err()
}

// TrialRows returns a sweep's trials in plan order with their parameters
// and, of their final metrics, only the valid and test values of the best
// epoch of the named metrics: what a table of every trial shows, read in a
// fraction of the time Trials takes.
func (d *DB) TrialRows(sweep int64, metrics []string) ([]*Trial, error) {
	quoted := make([]string, len(metrics))
	for i, m := range metrics {
		quoted[i] = "'" + strings.ReplaceAll(m, "'", "''") + "'"
	}
	return d.readTrials("t.sweep = ?", sweep,
		" AND m.phase = 'best' AND m.split IN ('valid', 'test') AND m.metric IN ("+strings.Join(quoted, ", ")+")")
}
