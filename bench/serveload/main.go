// Command serveload is a bounded load test of `sweep serve` (bench/serve.sh):
// it builds scoring requests from the rows of a Parquet file, sends them
// from --clients goroutines until --requests have been answered (or
// --timeout has passed), and prints the latency percentiles and the
// throughput as a JSON line and a markdown row.
//
//	serveload --url http://127.0.0.1:8080 --data F.parquet --rows 100 --clients 8 --requests 400
//
// With --rows 1 each request is one row whose history has at least --history
// items. With --rows K > 1 a request is K candidate rows for one user: the
// user's values (--common, e.g. user_id,hist_item, from a row with a history
// of at least --history items) go once in "common", the candidates' other
// values in "rows".
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

type config struct {
	url, data, common string
	rows, clients     int
	requests, warmup  int
	history           int
	attention         bool
	timeout           time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.url, "url", "http://127.0.0.1:8080", "the server")
	flag.StringVar(&c.data, "data", "", "Parquet file whose rows the requests carry")
	flag.StringVar(&c.common, "common", "user_id,hist_item", "with --rows > 1: the user's columns, sent once in \"common\"")
	flag.IntVar(&c.rows, "rows", 1, "rows per request")
	flag.IntVar(&c.clients, "clients", 1, "requests in flight at once")
	flag.IntVar(&c.requests, "requests", 500, "requests to time (after the warm-up)")
	flag.IntVar(&c.warmup, "warmup", 20, "requests sent first and not timed")
	flag.IntVar(&c.history, "history", 20, "the least history a request's user has")
	flag.BoolVar(&c.attention, "attention", false, "ask for the attention weights too")
	flag.DurationVar(&c.timeout, "timeout", 2*time.Minute, "stop after this long even if fewer requests were answered")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	bodies, err := requests(c)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.clients}, Timeout: time.Minute}
	send := func(body []byte) error {
		resp, err := client.Post(c.url+"/v1/score", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		return err
	}
	for i := range c.warmup {
		if err := send(bodies[i%len(bodies)]); err != nil {
			return err
		}
	}
	var next atomic.Int64
	lat := make([]time.Duration, c.requests)
	errs := make([]error, c.clients)
	deadline := time.Now().Add(c.timeout)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range c.clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= c.requests || time.Now().After(deadline) {
					return
				}
				t := time.Now()
				if err := send(bodies[i%len(bodies)]); err != nil {
					errs[w] = err
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return report(c, lat, wall)
}

// report prints the percentiles of the answered requests.
func report(c config, lat []time.Duration, wall time.Duration) error {
	done := slices.DeleteFunc(slices.Clone(lat), func(d time.Duration) bool { return d == 0 })
	if len(done) == 0 {
		return fmt.Errorf("no request answered within %s", c.timeout)
	}
	slices.Sort(done)
	q := func(p float64) float64 { return float64(done[min(int(p*float64(len(done))), len(done)-1)]) / 1e6 }
	r := map[string]any{"rows": c.rows, "clients": c.clients, "requests": len(done), "attention": c.attention,
		"p50_ms": q(0.5), "p99_ms": q(0.99), "max_ms": q(1), "requests_per_s": float64(len(done)) / wall.Seconds(),
		"rows_per_s": float64(len(done)*c.rows) / wall.Seconds()}
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
	fmt.Printf("| %d | %d | %d | %.2f | %.2f | %.2f | %.0f | %.0f |\n", c.rows, c.clients, len(done), q(0.5), q(0.99), q(1),
		r["requests_per_s"], r["rows_per_s"])
	return nil
}

// requests builds up to 64 different request bodies from the data's rows.
func requests(c config) ([][]byte, error) {
	inputs, err := modelInputs(c.url)
	if err != nil {
		return nil, err
	}
	cols, err := dataset.ReadColumns([]string{c.data}, inputs)
	if err != nil {
		return nil, err
	}
	n := cols[0].Len()
	row := func(r int, skip []string) map[string]any {
		m := dataset.Row(cols, r)
		for _, name := range skip {
			delete(m, name)
		}
		return m
	}
	long := func(r int) bool { // the row's lists hold at least c.history items
		for _, col := range cols {
			if l, ok := col.Value(r).([]any); ok && strings.HasPrefix(col.Type, "list<") && len(l) < c.history {
				return false
			}
		}
		return true
	}
	common := strings.Split(c.common, ",")
	rng := rand.New(rand.NewPCG(1, 2))
	var bodies [][]byte
	for r := 0; r < n && len(bodies) < 64; r++ {
		if !long(r) {
			continue
		}
		req := map[string]any{"rows": []any{row(r, nil)}, "attention": c.attention}
		if c.rows > 1 {
			user := map[string]any{}
			for _, name := range common {
				user[name] = row(r, nil)[name]
			}
			cands := make([]any, c.rows)
			for k := range cands {
				cands[k] = row(rng.IntN(n), common)
			}
			req = map[string]any{"rows": cands, "common": user, "attention": c.attention}
		}
		b, err := json.Marshal(req)
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, b)
	}
	if len(bodies) == 0 {
		return nil, fmt.Errorf("%s: no row with a history of %d items", c.data, c.history)
	}
	return bodies, nil
}

// modelInputs asks the server for its input columns.
func modelInputs(url string) ([]string, error) {
	resp, err := http.Get(url + "/v1/model")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var info struct{ Inputs []struct{ Name string } }
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return nil, fmt.Errorf("GET /v1/model: %w", err)
	}
	var names []string
	for _, in := range info.Inputs {
		names = append(names, in.Name)
	}
	return names, nil
}
