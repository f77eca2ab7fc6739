// Package ui serves a results database as a local web page: the sweeps, a
// sweep's leaderboard of every trial with learning curves that fill in while
// trials train, the report's analyses, one trial whole, and two sweeps
// compared. It only reads: the database is opened read-only, and no
// endpoint changes anything.
//
// The numbers come from pkg/report (report.Build, report.BuildTrial,
// report.BuildCompare), the plots are the report's own SVG files, and the
// page is static HTML, CSS and JavaScript embedded in the binary: nothing is
// downloaded at run time and there is no build step.
//
// A sweep that is running must not slow down because someone watches it.
// Polling reads are short statements on an index (store.Version,
// store.Running, one trial's curve); everything larger is cached per sweep
// and rebuilt only when a trial changes status, and then no sooner than
// rebuildFactor times what the last build cost (see cache.go). Each kind of
// read has its own connection, so a long report build never delays the
// live curves.
package ui

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/attnsweep/attnsweep/pkg/store"
)

//go:embed static
var staticFiles embed.FS

// Server is the web page over one results database.
type Server struct {
	path string // the database file, as given (for the commands the page shows)
	// Three read-only connections: live polls, page data, and report
	// builds, so that none waits for another's long read.
	live, data, heavy *store.DB

	mu     sync.Mutex
	sweeps map[string]*sweepCache // by sweep name
	cmp    compareCache
	// Logf reports requests that failed (log.Printf by default).
	Logf func(format string, args ...any)
}

// Open opens the database at path read-only for serving.
func Open(path string) (*Server, error) {
	s := &Server{path: path, sweeps: map[string]*sweepCache{}, Logf: log.Printf}
	for _, db := range []**store.DB{&s.live, &s.data, &s.heavy} {
		d, err := store.OpenReadOnly(path)
		if err != nil {
			s.Close()
			return nil, err
		}
		*db = d
	}
	return s, nil
}

// Close closes the database.
func (s *Server) Close() error {
	var errs []error
	for _, db := range []*store.DB{s.live, s.data, s.heavy} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// Handler serves the page and its data. Requests for a host name other than
// loopback addresses and localhost are refused when the server listens on
// loopback (see hostGuard).
func (s *Server) Handler(loopbackOnly bool) http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/sweeps", s.handleSweeps)
	mux.HandleFunc("GET /api/sweeps/{name}", s.handleSweep)
	mux.HandleFunc("GET /api/sweeps/{name}/live", s.handleLive)
	mux.HandleFunc("GET /api/sweeps/{name}/report", s.handleReport)
	mux.HandleFunc("GET /api/trials/{id}", s.handleTrial)
	mux.HandleFunc("GET /api/compare/{a}/{b}", s.handleCompare)
	mux.HandleFunc("GET /report/{name}/{file}", s.handleReportFile)
	mux.HandleFunc("GET /compare/{a}/{b}/{file}", s.handleCompareFile)
	return headers(hostGuard(loopbackOnly, readOnly(mux)))
}

// readOnly refuses every method but GET and HEAD: no endpoint writes.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "sweep ui is read-only", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// hostGuard refuses requests whose Host is not a loopback name when the
// server listens on loopback: a web site the user visits could otherwise
// point its own host name at 127.0.0.1 (DNS rebinding) and read the results
// through the user's browser.
func hostGuard(loopbackOnly bool, h http.Handler) http.Handler {
	if !loopbackOnly {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hp, _, err := net.SplitHostPort(host); err == nil {
			host = hp
		}
		host = strings.Trim(host, "[]")
		if ip := net.ParseIP(host); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
			http.Error(w, "sweep ui answers on localhost only (Host "+r.Host+")", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// headers keeps the page to its own files: no script or style from
// elsewhere, no framing, no content-type sniffing.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// writeJSON writes v as JSON, uncached.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// fail answers an error: 404 for an unknown sweep or trial, 500 otherwise
// (logged, since it is a fault of the server or the database).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	var nf notFound
	if errors.Is(err, store.ErrNoSweep) || errors.As(err, &nf) || strings.Contains(err.Error(), "no trial with id or key") {
		code = http.StatusNotFound
	} else if s.Logf != nil {
		s.Logf("sweep ui: %s: %v", r.URL.Path, err)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, err.Error(), code)
}

// notFound is a missing file of a report.
type notFound string

func (n notFound) Error() string { return fmt.Sprintf("no file %q", string(n)) }
