package ui

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// sweepCache holds what the server built of one sweep.
type sweepCache struct {
	table   versioned[*trialTable]
	results versioned[*builtReport]
}

func (s *Server) cacheOf(name string) *sweepCache {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.sweeps[name]
	if c == nil {
		c = &sweepCache{}
		s.sweeps[name] = c
	}
	return c
}

// trialTable is every trial of a sweep, one row each, for a table the page
// sorts and filters itself.
type trialTable struct {
	Columns []column
	Rows    [][]any // aligned with Columns; null where a trial has no value
	Models  []string
}

// column is one column of trialTable: Kind "number" or "text"; Param marks
// a hyperparameter.
type column struct {
	Name  string
	Kind  string
	Param bool
}

// testMetrics are the test metrics a sweep's tables show, as the report's
// (report.Results.TestMetrics): the objective's metric, auc, logloss, gauc.
func testMetrics(obj string) []string {
	var out []string
	for _, m := range []string{obj, "auc", "logloss", "gauc"} {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// tableMetrics are the stored metrics the table reads: those it shows, and
// the objective metrics measured every epoch, from which a derived objective
// (auc-logloss) is computed.
func tableMetrics(obj string) []string {
	var out []string
	for _, mi := range model.MetricInfos() {
		if mi.Stored && (mi.Objective || slices.Contains(testMetrics(obj), mi.Name)) {
			out = append(out, mi.Name)
		}
	}
	return out
}

// buildTable reads every trial of sw into a table.
func buildTable(db *store.DB, sw *store.Sweep) (*trialTable, error) {
	obj := sw.Objective()
	trials, err := db.TrialRows(sw.ID, tableMetrics(obj.Name))
	if err != nil {
		return nil, err
	}
	tests := testMetrics(obj.Name)
	var params []string
	models := map[string]bool{}
	for _, t := range trials {
		models[t.Model] = true
		for n := range t.Params {
			if !slices.Contains(params, n) {
				params = append(params, n)
			}
		}
	}
	sort.Strings(params)
	tab := &trialTable{Models: sortedNames(models)}
	add := func(name, kind string, param bool) { tab.Columns = append(tab.Columns, column{name, kind, param}) }
	add("trial", "number", false)
	add("#", "number", false)
	add("key", "text", false)
	add("model", "text", false)
	add("status", "text", false)
	add("valid "+obj.Name, "number", false)
	for _, m := range tests {
		add("test "+m, "number", false)
	}
	add("best epoch", "number", false)
	add("seconds", "number", false)
	for _, p := range params {
		add(p, paramKind(p, trials), true)
	}
	add("error", "text", false)
	for _, t := range trials {
		row := []any{t.ID, t.Position + 1, t.Key, t.Model, t.Status, metric(t, "valid", obj.Name)}
		for _, m := range tests {
			row = append(row, metric(t, "test", m))
		}
		row = append(row, nullZero(float64(t.BestEpoch)), nullZero(t.Seconds))
		for _, p := range params {
			row = append(row, paramCell(p, t.Params[p]))
		}
		first, _, _ := strings.Cut(t.Error, "\n")
		tab.Rows = append(tab.Rows, append(row, first))
	}
	return tab, nil
}

// metric is a trial's final metric, or nil when it has none.
func metric(t *store.Trial, split, name string) any {
	if v, ok := t.Metric(split, name); ok {
		return v
	}
	return nil
}

func nullZero(v float64) any {
	if v == 0 {
		return nil
	}
	return v
}

// paramKind is "number" when every trial that sets the hyperparameter has a
// number that reads as one (not a boolean), else "text".
func paramKind(name string, trials []*store.Trial) string {
	if h, ok := model.LookupHyper(name); ok && h.Kind == model.Bool {
		return "text"
	}
	for _, t := range trials {
		if v, ok := t.Params[name]; ok {
			if _, num := model.Number(v); !num {
				return "text"
			}
		}
	}
	return "number"
}

// paramCell is a hyperparameter's value for the table: a number as it is,
// anything else as report.ParamValue prints it; nil when unset.
func paramCell(name string, v any) any {
	if v == nil {
		return nil
	}
	if h, ok := model.LookupHyper(name); !ok || h.Kind != model.Bool {
		if f, ok := model.Number(v); ok {
			return f
		}
	}
	return report.ParamValue(name, v)
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sweepPage is the data of a sweep's page.
type sweepPage struct {
	Sweep, CreatedAt, Spec string
	Database               string
	Objective              string
	Maximize               bool
	Counts                 map[string]int
	Table                  *trialTable
	Built                  built
}

func (s *Server) handleSweep(w http.ResponseWriter, r *http.Request) {
	sw, err := s.data.SweepByName(r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	version, err := s.data.Version(sw.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tab, b, err := s.cacheOf(sw.Name).table.get(version, func() (*trialTable, error) { return buildTable(s.data, sw) })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	obj := sw.Objective()
	writeJSON(w, sweepPage{Sweep: sw.Name, CreatedAt: sw.CreatedAt, Spec: sw.Spec, Database: s.path,
		Objective: obj.Name, Maximize: obj.Maximize, Counts: sw.Counts, Table: tab, Built: b})
}

// liveTrial is a running trial with its curve so far.
type liveTrial struct {
	ID                   int64
	Key                  string
	Position             int
	Model, Params        string
	StartedAt, Heartbeat string
	Host                 string
	PID                  int
	Attempts             int
	// Valid is the objective on valid after each epoch, Loss the training
	// loss: [epoch, value] pairs.
	Valid, Loss [][2]float64
}

// livePage is what the sweep page follows while it is open: the trial
// counts, the version (which changes when a trial changes status), and the
// running trials with their curves so far.
type livePage struct {
	Version string
	Counts  map[string]int
	Running []liveTrial
}

// live reads a sweep's live page.
func (s *Server) livePage(name string) (*livePage, error) {
	sw, err := s.live.SweepByName(name)
	if err != nil {
		return nil, err
	}
	page := &livePage{Counts: sw.Counts, Running: []liveTrial{}}
	if page.Version, err = s.live.Version(sw.ID); err != nil {
		return nil, err
	}
	running, err := s.live.Running(sw.ID)
	if err != nil {
		return nil, err
	}
	obj := sw.Objective().Name
	for _, rt := range running {
		points, err := s.live.Curve(rt.ID)
		if err != nil {
			return nil, err
		}
		lt := liveTrial{ID: rt.ID, Key: rt.Key, Position: rt.Position, Model: rt.Model, Params: paramText(rt.Params),
			StartedAt: rt.StartedAt, Heartbeat: rt.Heartbeat, Host: rt.Host, PID: rt.PID, Attempts: rt.Attempts}
		lt.Valid, lt.Loss = curveLines(points, obj)
		page.Running = append(page.Running, lt)
	}
	return page, nil
}

// handleLive streams a sweep's live page: a new epoch of a running trial
// reaches the page within liveEvery of its being written.
func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.stream(w, r, liveEvery, func() (any, error) { return s.livePage(name) })
}

// curveLines splits a stored curve into the objective on valid (derived
// from the stored valid metrics as store.Trial.Metric derives it) and the
// training loss, per epoch.
func curveLines(points []store.CurvePoint, objective string) (valid, loss [][2]float64) {
	byEpoch := map[int]*store.Trial{}
	var epochs []int
	for _, p := range points {
		switch {
		case p.Split == "valid":
			if byEpoch[p.Epoch] == nil {
				byEpoch[p.Epoch] = &store.Trial{Best: map[string]float64{}}
				epochs = append(epochs, p.Epoch)
			}
			byEpoch[p.Epoch].Best["valid/"+p.Metric] = p.Value
		case p.Split == "train" && p.Metric == "loss":
			loss = append(loss, [2]float64{float64(p.Epoch), p.Value})
		}
	}
	for _, e := range epochs {
		if v, ok := byEpoch[e].Metric("valid", objective); ok {
			valid = append(valid, [2]float64{float64(e), v})
		}
	}
	return valid, loss
}

// paramText prints parameters as name=value pairs by name, as the report
// does.
func paramText(params map[string]any) string {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + report.ParamValue(n, params[n])
	}
	return strings.Join(parts, " ")
}
