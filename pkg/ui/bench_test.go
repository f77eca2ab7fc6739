package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// bigSweep is the benchmarks' sweep: 10,000 trials (2 running, 100 queued),
// each with a 5-epoch curve, final metrics, 1,000 test scores, per-group
// metrics, calibration and, for the attention models, attention weights.
var bigSweep = fakeSweep{name: "big", trials: 10000, running: 2, queued: 100, testRows: 1000, epochs: 5, seed: 1}

// serve answers one GET through the server's handler, or one read of a
// stream (named by its method), and fails on anything but 200.
func serve(b *testing.B, srv *Server, url string) int {
	var v any
	var err error
	switch url {
	case "sweepList":
		v, err = srv.sweepList()
	case "livePage":
		v, err = srv.livePage("big")
	case "trialPage":
		v, err = srv.trialPage("5000")
	default:
		return serveGET(b, srv.Handler(true), url)
	}
	if err != nil {
		b.Fatal(err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return len(data)
}

// serveGET answers one GET through the handler and fails on anything but 200.
func serveGET(b *testing.B, h http.Handler, url string) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1"+url, nil))
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", url, rec.Code, rec.Body.String())
	}
	return rec.Body.Len()
}

// BenchmarkPage10k times what the pages of a 10,000-trial sweep load:
// "sweep-cold" is the sweep page's data (every trial's row) from a server
// that has built nothing yet, "sweep-warm" the same from its cache. The
// streams' reads (the list of sweeps, a sweep's live curves, a trial) are
// timed as one read each: a stream repeats it every liveEvery.
func BenchmarkPage10k(b *testing.B) {
	path := fakeDB(b, bigSweep)
	for _, c := range []struct {
		name, url string
		cold      bool
	}{
		{"sweeps", "sweepList", false},
		{"sweep-cold", "/api/sweeps/big", true},
		{"sweep-warm", "/api/sweeps/big", false},
		{"live", "livePage", false},
		{"trial", "trialPage", false},
	} {
		b.Run(c.name, func(b *testing.B) {
			srv, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { srv.Close() }()
			serve(b, srv, c.url) // a first read, so that warm runs are warm
			cpu := cpuTime()
			b.ResetTimer()
			bytes := 0
			for range b.N {
				if c.cold {
					b.StopTimer()
					srv.Close()
					if srv, err = Open(path); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				bytes = serve(b, srv, c.url)
			}
			b.ReportMetric(float64(bytes), "bytes/page")
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkReport10k times the analyses of a 10,000-trial sweep
// (report.Build and Render), which the page loads after its data.
func BenchmarkReport10k(b *testing.B) {
	path := fakeDB(b, bigSweep)
	cpu := cpuTime()
	b.ResetTimer()
	for range b.N {
		srv, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		serve(b, srv, "/api/sweeps/big/report")
		b.Logf("report of 10,000 trials built in %v", time.Since(start))
		srv.Close()
	}
	reportCPU(b, cpu)
}
