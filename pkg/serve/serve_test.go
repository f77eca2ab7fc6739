package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
)

// fixture is a din model trained briefly on synthetic data, its model file
// and a test file with the test file's scores as Predict gives them.
type fixture struct {
	mf     *model.ModelFile
	test   string    // a Parquet file of rows to score
	scores []float32 // Predict's scores of test's rows
	att    [][]float32
}

var fixtures sync.Map // model name → *fixture

func getFixture(t *testing.T, name string) *fixture {
	t.Helper()
	if f, ok := fixtures.Load(name); ok {
		return f.(*fixture)
	}
	dir, err := os.MkdirTemp(tempRoot, name)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for i, n := range []int{3000, 500, 300} {
		p := filepath.Join(dir, fmt.Sprint(i, ".parquet"))
		if err := dataset.Generate(dataset.SynthConfig{Rows: n, Seed: uint64(i + 1), History: 8}, p); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	ds, err := dataset.Load(dataset.Source{Train: files[:1], Valid: files[1:2], Test: files[2:]}, dataset.Columns{})
	if err != nil {
		t.Fatal(err)
	}
	p := model.Params{Model: name, EmbedDim: 8, Hidden: []int{16}, BatchSize: 128, Epochs: 1, LR: 1e-2, Seed: 3}
	res, err := model.Train(context.Background(), ds, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ds.State()
	if err != nil {
		t.Fatal(err)
	}
	mf, err := model.NewModelFile(res.Checkpoint, st, map[string]any{"note": "test"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := mf.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if mf, err = model.ParseModelFile(b); err != nil {
		t.Fatal(err)
	}
	f := &fixture{mf: mf, test: files[2], scores: res.TestScores}
	if pr, _ := mf.Predictor(0); pr.AttendsHistory() {
		enc, _ := mf.Data()
		td, err := enc.Encode([]string{files[2]})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float32, td.N)
		f.att = make([][]float32, td.N)
		pr.PredictAttention(td, td.Test, out, f.att)
	}
	fixtures.Store(name, f)
	return f
}

// rawRows are the test file's rows as a request carries them: every input
// column's raw value.
func rawRows(t *testing.T, f *fixture) []map[string]any {
	t.Helper()
	enc, err := f.mf.Data()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range enc.Inputs() {
		names = append(names, in.Name)
	}
	cols, err := dataset.ReadColumns([]string{f.test}, names)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]map[string]any, cols[0].Len())
	for r := range rows {
		rows[r] = dataset.Row(cols, r)
	}
	return rows
}

func newServer(t *testing.T, f *fixture, cfg Config) *httptest.Server {
	t.Helper()
	s, err := New(f.mf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

type scoreResponse struct {
	Scores    []float32      `json:"scores"`
	Unknown   map[string]int `json:"unknown"`
	Attention [][]float32    `json:"attention"`
	Error     string         `json:"error"`
}

func post(t *testing.T, url, body string) (int, scoreResponse) {
	t.Helper()
	resp, err := http.Post(url+"/v1/score", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out scoreResponse
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("response %q: %v", b, err)
	}
	return resp.StatusCode, out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The server's scores and attention weights are Predict's, bit for bit,
// whether the rows come one per request, all in one, or with their shared
// values in "common".
func TestScore_SameAsPredict(t *testing.T) {
	for _, name := range []string{"din", "logreg"} {
		f := getFixture(t, name)
		ts := newServer(t, f, Config{Workers: 2})
		rows := rawRows(t, f)
		attend := f.att != nil
		req := map[string]any{"rows": rows, "attention": attend}
		code, resp := post(t, ts.URL, mustJSON(t, req))
		if code != 200 || len(resp.Scores) != len(rows) {
			t.Fatalf("%s: %d %+v", name, code, resp.Error)
		}
		for i, s := range resp.Scores {
			if math.Float32bits(s) != math.Float32bits(f.scores[i]) {
				t.Fatalf("%s: row %d: served %v, Predict %v", name, i, s, f.scores[i])
			}
			if attend && fmt.Sprint(resp.Attention[i]) != fmt.Sprint(f.att[i]) {
				t.Fatalf("%s: row %d: attention %v, Predict %v", name, i, resp.Attention[i], f.att[i])
			}
		}
		// Row 5 alone, its user's values given in common.
		common := map[string]any{}
		one := map[string]any{}
		for k, v := range rows[5] {
			if k == "user_id" || k == "hist_item" {
				common[k] = v
			} else {
				one[k] = v
			}
		}
		code, resp = post(t, ts.URL, mustJSON(t, map[string]any{"rows": []any{one, one}, "common": common}))
		if code != 200 || resp.Scores[0] != f.scores[5] || resp.Scores[1] != f.scores[5] {
			t.Fatalf("%s: with common: %d %v, want %v", name, code, resp, f.scores[5])
		}
	}
}

// Unknown values are scored (as unknown) and counted per column.
func TestScore_Unknown(t *testing.T) {
	f := getFixture(t, "din")
	ts := newServer(t, f, Config{})
	row := rawRows(t, f)[0]
	row["item_id"] = 987654321
	row["hist_item"] = []any{-1, -2, row["hist_item"].([]any)[0]}
	code, resp := post(t, ts.URL, mustJSON(t, map[string]any{"rows": []any{row, row}, "attention": true}))
	if code != 200 || resp.Unknown["item_id"] != 2 || resp.Unknown["hist_item"] != 4 || len(resp.Unknown) != 2 {
		t.Fatalf("%d %+v", code, resp)
	}
	if len(resp.Attention[0]) != 3 || math.IsNaN(float64(resp.Scores[0])) {
		t.Errorf("attention %v score %v", resp.Attention, resp.Scores)
	}
}

// Every kind of bad request is a 400 whose message names what is wrong,
// and the server goes on serving.
func TestScore_BadRequests(t *testing.T) {
	f := getFixture(t, "din")
	ts := newServer(t, f, Config{MaxRows: 3, MaxBody: 4000})
	good := rawRows(t, f)[0]
	with := func(k string, v any) string {
		r := map[string]any{}
		for kk, vv := range good {
			r[kk] = vv
		}
		r[k] = v
		if v == "DELETE" {
			delete(r, k)
		}
		return mustJSON(t, map[string]any{"rows": []any{good, r}})
	}
	g := mustJSON(t, good)
	for _, tc := range []struct{ name, body, want string }{
		{"malformed JSON", `{"rows": [`, "malformed JSON"},
		{"not JSON", `hello`, "malformed JSON"},
		{"empty body", ``, "empty request body"},
		{"trailing data", `{"rows": [` + g + `]} {}`, "data after the request object"},
		{"NaN", strings.Replace(`{"rows": [`+g+`]}`, `"price":`, `"price":NaN,"x":`, 1), "malformed JSON"},
		{"not an object", `[1, 2]`, "must be a JSON object"},
		{"unknown field", `{"rows": [` + g + `], "rowz": 1}`, `unknown field "rowz"`},
		{"missing rows", `{"common": {}}`, `missing field "rows"`},
		{"rows not a list", `{"rows": {"a": 1}}`, `"rows" must be a list`},
		{"empty batch", `{"rows": []}`, `"rows" is empty`},
		{"too many rows", `{"rows": [` + g + `,` + g + `,` + g + `,` + g + `]}`, "4 rows, at most 3 per request"},
		{"oversized body", `{"rows": [` + g + `], "common": {"pad": "` + strings.Repeat("x", 5000) + `"}}`, "request body larger than 4000 bytes"},
		{"row not an object", `{"rows": [` + g + `, 7]}`, "row 1: want an object"},
		{"missing field", with("item_id", "DELETE"), `row 1: missing field "item_id"`},
		{"string for int", with("item_id", "12"), `row 1: field "item_id": want an integer, got a string ("12")`},
		{"fraction for int", with("item_id", 1.5), `row 1: field "item_id": want an integer, got 1.5`},
		{"list for scalar", with("user_id", []any{1, 2}), `row 1: field "user_id": want an integer, got a list of 2`},
		{"scalar for list", with("hist_item", 4), `row 1: field "hist_item": want a list, got a number (4)`},
		{"wrong list item", with("hist_item", []any{1, "a"}), `row 1: field "hist_item": item 1: want an integer, got a string ("a")`},
		{"nested list", with("hist_item", []any{[]any{1}}), `row 1: field "hist_item": item 0: want one int value, got a list`},
		{"string for number", with("price", "cheap"), `row 1: field "price": want a number, got a string ("cheap")`},
		{"huge number", with("price", json.Number("1e400")), `row 1: field "price": want a finite number, got 1e400`},
		{"object for value", with("price", map[string]any{}), `row 1: field "price": want a number, got an object`},
		{"bad common", `{"rows": [{}], "common": ` + strings.Replace(g, `"device":`, `"device":"x","y":`, 1) + `}`, `"common" field "device": want an integer`},
		{"common not an object", `{"rows": [` + g + `], "common": []}`, `"common" must be an object`},
		{"attention not a bool", `{"rows": [` + g + `], "attention": "yes"}`, `"attention" must be true or false`},
	} {
		code, resp := post(t, ts.URL, tc.body)
		if code != http.StatusBadRequest || !strings.Contains(resp.Error, tc.want) {
			t.Errorf("%s: %d %q, want 400 with %q", tc.name, code, resp.Error, tc.want)
		}
		if code, resp := post(t, ts.URL, `{"rows": [`+g+`]}`); code != 200 || len(resp.Scores) != 1 {
			t.Fatalf("after %s: %d %+v", tc.name, code, resp)
		}
	}
	// Attention from a model without it; other methods and paths.
	lr := newServer(t, getFixture(t, "logreg"), Config{})
	if code, resp := post(t, lr.URL, `{"rows": [`+g+`], "attention": true}`); code != 400 || !strings.Contains(resp.Error, "model logreg has no attention") {
		t.Errorf("attention of logreg: %d %q", code, resp.Error)
	}
	for _, tc := range []struct {
		method, path string
		code         int
	}{{"GET", "/v1/score", 405}, {"POST", "/v1/model", 405}, {"GET", "/nope", 404}, {"GET", "/healthz", 200}} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.code)
		}
	}
}

// GET /v1/model describes the inputs and the model.
func TestModelInfo(t *testing.T) {
	f := getFixture(t, "din")
	ts := newServer(t, f, Config{MaxRows: 50})
	resp, err := http.Get(ts.URL + "/v1/model")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Model     string
		Attention bool
		Inputs    []inputInfo
		Limits    map[string]float64
		About     map[string]any
		Hash      string `json:"content_sha256"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	got := map[string]inputInfo{}
	for _, in := range info.Inputs {
		got[in.Name] = in
	}
	h, price := got["hist_item"], got["price"]
	if info.Model != "din" || !info.Attention || info.Limits["max_rows"] != 50 || info.About["note"] != "test" || info.Hash != f.mf.Hash {
		t.Errorf("info %+v", info)
	}
	if h.Role != "sequence" || h.MaxLen != 20 || h.Target != "item_id" || h.JSON != "a list of integers" || price.Role != "dense" || price.JSON != "a number" {
		t.Errorf("inputs %+v", info.Inputs)
	}
	if got["item_id"].Vocabulary < 2 || len(info.Inputs) != 8 {
		t.Errorf("inputs %+v", info.Inputs)
	}
}

// Concurrent requests get their own rows' scores.
func TestScore_Concurrent(t *testing.T) {
	f := getFixture(t, "din")
	ts := newServer(t, f, Config{Workers: 3})
	rows := rawRows(t, f)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for c := range 16 {
		wg.Go(func() {
			for k := range 10 {
				i := (c*10 + k) % len(rows)
				body, _ := json.Marshal(map[string]any{"rows": rows[i : i+1], "attention": true})
				resp, err := http.Post(ts.URL+"/v1/score", "application/json", bytes.NewReader(body))
				if err != nil {
					errs <- err.Error()
					return
				}
				var out scoreResponse
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if len(out.Scores) != 1 || out.Scores[0] != f.scores[i] {
					errs <- fmt.Sprintf("row %d: %+v, want %v", i, out, f.scores[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// Run answers the requests in flight after its context ends, then returns.
func TestRun_Drains(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Write([]byte("done"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- Run(ctx, ln, h, 10*time.Second) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	select {
	case err := <-ran:
		t.Fatalf("Run returned %v with a request in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if b := <-got; b != "done" {
		t.Errorf("the request in flight got %q", b)
	}
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after Run returned")
	}
}

// tempRoot holds the fixtures' files for the whole run.
var tempRoot string

func TestMain(m *testing.M) {
	var err error
	if tempRoot, err = os.MkdirTemp("", "serve-test"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(tempRoot)
	os.Exit(code)
}
