package ui

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// testServer writes two small fake sweeps (the first with 2 queued trials
// left) and serves them; it returns the writable database too.
func testServer(t *testing.T) (*httptest.Server, *store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, fs := range []fakeSweep{
		{name: "alpha", trials: 24, queued: 2, testRows: 200, epochs: 3, seed: 1},
		{name: "beta", trials: 12, testRows: 200, epochs: 3, seed: 2},
	} {
		if err := fs.write(db); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	srv.Logf = t.Logf
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler(true))
	t.Cleanup(ts.Close)
	return ts, db, path
}

func get(t *testing.T, url string, into any) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if into != nil {
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
		}
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v in %.300s", url, err, body)
		}
	}
	return resp
}

// firstEvent reads the first server-sent event of a stream into into.
func firstEvent(t *testing.T, url string, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(data), into); err != nil {
				t.Fatalf("GET %s: %v in %.300s", url, err, data)
			}
			return
		}
	}
	t.Fatalf("GET %s: no event (%v)", url, sc.Err())
}

func TestSweepsList(t *testing.T) {
	ts, _, path := testServer(t)
	var got struct {
		Database string
		Sweeps   []sweepSummary
	}
	firstEvent(t, ts.URL+"/api/sweeps", &got)
	if got.Database != path || len(got.Sweeps) != 2 || got.Sweeps[0].Name != "alpha" || got.Sweeps[1].Name != "beta" {
		t.Fatalf("sweeps: %+v", got)
	}
	a := got.Sweeps[0]
	if a.Trials != 24 || a.Counts["queued"] != 2 || a.Counts["running"] != 0 || a.Active || a.Left != nil {
		t.Errorf("alpha: %+v", a)
	}
	if !strings.Contains(a.Spec, "name: alpha") || a.Objective != "auc" {
		t.Errorf("alpha's spec or objective: %q %q", a.Spec, a.Objective)
	}
}

// The estimate of the time left, by hand: 6 unfinished trials of 10 s on 2
// trials at once is 30 s; elapsed runs to now while a heartbeat is fresh,
// to the last finish otherwise.
func TestSummarise(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ts := func(d time.Duration) string { return now.Add(d).Format("2006-01-02T15:04:05.000Z") }
	a := store.Activity{Name: "s", Counts: map[string]int{"done": 4, "running": 2, "queued": 3, "interrupted": 1},
		FirstStart: ts(-100 * time.Second), LastFinish: ts(-20 * time.Second), Finished: 4, MeanSeconds: 10, LastBeat: ts(-time.Second)}
	s := summarise(a, now)
	if !s.Active || s.Trials != 10 || s.Elapsed != 100 || s.Left == nil || *s.Left != 30 {
		t.Fatalf("active: %+v (left %v)", s, s.Left)
	}
	a.LastBeat = ts(-store.DefaultLease - time.Second) // the process died
	s = summarise(a, now)
	if s.Active || s.Elapsed != 80 || s.Left != nil {
		t.Fatalf("stale: %+v", s)
	}
}

func TestSweepTable(t *testing.T) {
	ts, db, _ := testServer(t)
	var page sweepPage
	get(t, ts.URL+"/api/sweeps/alpha", &page)
	tab := page.Table
	if len(tab.Rows) != 24 || page.Objective != "auc" || !page.Maximize || page.Counts["queued"] != 2 {
		t.Fatalf("page: %d rows, %+v", len(tab.Rows), page)
	}
	col := map[string]int{}
	for i, c := range tab.Columns {
		col[c.Name] = i
	}
	for _, want := range []string{"trial", "model", "status", "valid auc", "test auc", "test logloss", "test gauc", "lr", "embed_dim", "hidden", "error"} {
		if _, ok := col[want]; !ok {
			t.Fatalf("no column %q in %+v", want, tab.Columns)
		}
	}
	trials, err := db.Trials(1)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range trials {
		row := tab.Rows[i]
		if int64(row[col["trial"]].(float64)) != tr.ID || row[col["status"]] != tr.Status {
			t.Fatalf("row %d: %v, trial %+v", i, row, tr)
		}
		for _, c := range []struct{ split, metric string }{{"valid", "auc"}, {"test", "logloss"}} {
			want, ok := tr.Metric(c.split, c.metric)
			got := row[col[c.split+" "+c.metric]]
			if ok && got.(float64) != want || !ok && got != nil {
				t.Errorf("trial %d %s %s: %v, stored %v", tr.ID, c.split, c.metric, got, want)
			}
		}
		if lr, _ := tr.Params["lr"].(float64); row[col["lr"]].(float64) != lr {
			t.Errorf("trial %d lr %v, stored %v", tr.ID, row[col["lr"]], lr)
		}
		if h, ok := tr.Params["hidden"]; ok && row[col["hidden"]] != report.ParamValue("hidden", h) {
			t.Errorf("trial %d hidden %v", tr.ID, row[col["hidden"]])
		}
	}
}

// A trial claimed and given epochs through the writable database shows in
// the live data at once, its curve one point per epoch.
func TestLiveCurves(t *testing.T) {
	ts, db, _ := testServer(t)
	var live livePage
	firstEvent(t, ts.URL+"/api/sweeps/alpha/live", &live)
	if len(live.Running) != 0 {
		t.Fatalf("running before any claim: %+v", live.Running)
	}
	before := live.Version
	c, err := db.ClaimNext(1, store.NewOwner(), store.DefaultLease, store.ClaimFilter{})
	if err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	for e := 1; e <= 3; e++ {
		if err := db.AddEpoch(*c, e, fakeEpoch(0.5, e)); err != nil {
			t.Fatal(err)
		}
		firstEvent(t, ts.URL+"/api/sweeps/alpha/live", &live)
		if live.Version == before {
			t.Fatal("the version did not change with a claim")
		}
		if len(live.Running) != 1 || live.Running[0].ID != c.ID || len(live.Running[0].Valid) != e || len(live.Running[0].Loss) != e {
			t.Fatalf("after epoch %d: %+v", e, live.Running)
		}
		want := fakeEpoch(0.5, e)[3].Value // valid auc
		if got := live.Running[0].Valid[e-1]; got != [2]float64{float64(e), want} {
			t.Fatalf("epoch %d: point %v, want [%d %v]", e, got, e, want)
		}
	}
	if !strings.Contains(live.Running[0].Params, "lr=") || live.Running[0].Model == "" {
		t.Errorf("running trial: %+v", live.Running[0])
	}
}

// One stream pushes a new epoch within liveEvery of its being written, and
// nothing while nothing changes.
func TestLiveStreamPushesEpochs(t *testing.T) {
	ts, db, _ := testServer(t)
	c, err := db.ClaimNext(1, store.NewOwner(), store.DefaultLease, store.ClaimFilter{})
	if err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	resp, err := http.Get(ts.URL + "/api/sweeps/alpha/live")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan livePage)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var p livePage
				json.Unmarshal([]byte(data), &p)
				events <- p
			}
		}
		close(events)
	}()
	if p := <-events; len(p.Running) != 1 || len(p.Running[0].Valid) != 0 {
		t.Fatalf("first event: %+v", p)
	}
	select {
	case p := <-events:
		t.Fatalf("an event without a change: %+v", p)
	case <-time.After(3 * liveEvery):
	}
	for e := 1; e <= 2; e++ {
		written := time.Now()
		if err := db.AddEpoch(*c, e, fakeEpoch(0.5, e)); err != nil {
			t.Fatal(err)
		}
		select {
		case p := <-events:
			if len(p.Running) != 1 || len(p.Running[0].Valid) != e {
				t.Fatalf("after epoch %d: %+v", e, p.Running)
			}
			if d := time.Since(written); d > 2*liveEvery {
				t.Errorf("epoch %d arrived after %v", e, d)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("epoch %d was not pushed within 2 s", e)
		}
	}
}

// The analyses are report.Build's numbers, and the plots and markdown the
// report renders.
func TestReportData(t *testing.T) {
	ts, db, _ := testServer(t)
	var page struct {
		Built   built
		Results struct {
			Sweep       string
			Leaderboard []struct{ Valid struct{ Mean, Std *float64 } }
			WhatMatters struct {
				Enough     bool
				Lines      []any
				Importance []struct{ Name string }
			}
			Effects []struct {
				Name   string
				Points []any
			}
		}
		Configs int
		Plots   []string
	}
	get(t, ts.URL+"/api/sweeps/alpha/report", &page)
	want, err := report.Build(db, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	r := page.Results
	if r.Sweep != "alpha" || page.Configs != len(want.Leaderboard) || len(r.Leaderboard) != len(want.Leaderboard) {
		t.Fatalf("results: %+v", page)
	}
	if got := r.Leaderboard[0].Valid; *got.Mean != want.Leaderboard[0].Valid.Mean || got.Std != nil {
		t.Errorf("best configuration: %v ± %v, report %v", *got.Mean, got.Std, want.Leaderboard[0].Valid)
	}
	if !r.WhatMatters.Enough || len(r.WhatMatters.Importance) == 0 || len(r.WhatMatters.Lines) != 0 || len(r.Effects) == 0 || len(r.Effects[0].Points) != 0 {
		t.Errorf("what matters and effects: %+v", r)
	}
	for _, plot := range []string{"parallel.svg", "progress.svg", "hp-lr.svg", "calibration.svg", "attention.svg"} {
		resp := get(t, ts.URL+"/report/alpha/"+plot, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s: %s %s (plots: %v)", plot, resp.Status, resp.Header.Get("Content-Type"), page.Plots)
		}
	}
	if resp := get(t, ts.URL+"/report/alpha/report.md", nil); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("report.md: %s", resp.Status)
	}
	if resp := get(t, ts.URL+"/report/alpha/nosuch.svg", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing plot: %s", resp.Status)
	}
}

func TestTrialPage(t *testing.T) {
	ts, db, path := testServer(t)
	var page struct {
		Detail struct {
			Trial struct {
				ID     int64
				Status string
				Params map[string]any
			}
			Sweep   string
			Metrics []string
		}
		Valid       [][2]float64
		Groups      []store.GroupMetric
		Calibration []store.CalibrationBucket
		Attention   []store.AttentionRow
		Commands    map[string]string
	}
	firstEvent(t, ts.URL+"/api/trials/3", &page) // a dot trial: fakeModels[2]
	d := page.Detail
	if d.Trial.ID != 3 || d.Sweep != "alpha" || d.Trial.Params["lr"] == nil || len(d.Metrics) == 0 {
		t.Fatalf("trial: %+v", d)
	}
	stored, err := db.Curve(3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Valid) != len(stored)/5 || len(page.Groups) != 10 || len(page.Calibration) != 10 || len(page.Attention) != 8 {
		t.Errorf("curve %d points, %d groups, %d calibration buckets, %d attention rows", len(page.Valid), len(page.Groups), len(page.Calibration), len(page.Attention))
	}
	for _, c := range []string{"show", "predict"} {
		if !strings.Contains(page.Commands[c], path) || !strings.Contains(page.Commands[c], "sweep "+c) {
			t.Errorf("%s command: %q", c, page.Commands[c])
		}
	}
	if resp := get(t, ts.URL+"/api/trials/999", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing trial: %s", resp.Status)
	}
}

func TestCompare(t *testing.T) {
	ts, db, _ := testServer(t)
	var page struct {
		Comparison struct {
			A, B string
			Rows []struct {
				Model string
				Diff  *float64
			}
		}
		Plots []string
	}
	get(t, ts.URL+"/api/compare/alpha/beta", &page)
	want, err := report.BuildCompare(db, "alpha", "beta")
	if err != nil {
		t.Fatal(err)
	}
	c := page.Comparison
	if c.A != "alpha" || c.B != "beta" || len(c.Rows) != len(want.Rows) || *c.Rows[0].Diff != want.Rows[0].Diff {
		t.Fatalf("comparison: %+v, report %+v", c, want.Rows)
	}
	if resp := get(t, ts.URL+"/compare/alpha/beta/progress.svg", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("progress.svg: %s (plots %v)", resp.Status, page.Plots)
	}
}

// No endpoint writes, unknown sweeps are 404, and a request for another
// host name is refused (DNS rebinding).
func TestRefusals(t *testing.T) {
	ts, _, _ := testServer(t)
	resp, err := http.Post(ts.URL+"/api/sweeps", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s", resp.Status)
	}
	for _, u := range []string{"/api/sweeps/nosuch", "/api/sweeps/nosuch/live", "/api/sweeps/nosuch/report", "/api/compare/alpha/nosuch"} {
		if resp := get(t, ts.URL+u, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s", u, resp.Status)
		}
	}
	req, _ := http.NewRequest("GET", ts.URL+"/api/sweeps", nil)
	req.Host = "attacker.example:8321"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("Host attacker.example: %s", resp.Status)
	}
	if resp := get(t, ts.URL+"/", nil); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("index: %s, CSP %q", resp.Status, resp.Header.Get("Content-Security-Policy"))
	}
}

func TestPlain(t *testing.T) {
	type inner struct{ X float64 }
	type outer struct {
		inner
		A    float64
		B    []float32
		M    map[string]float64
		P    *inner
		hide int
	}
	got, err := json.Marshal(plain(outer{inner{math.NaN()}, math.Inf(1), []float32{1, float32(math.NaN())}, map[string]float64{"k": 2}, nil, 3}))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"A":null,"B":[1,null],"M":{"k":2},"P":null,"X":null}`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
