// Package serve scores rows over HTTP with a model file: the request carries
// raw values (strings or integers for categorical columns, lists for
// histories, numbers for dense columns), the server encodes them as the
// train rows were encoded and answers with a score per row and, on
// request, the attention weights over each row's history.
//
//	POST /v1/score   {"rows": [{...}, ...], "common": {...}, "attention": true}
//	                 → {"scores": [...], "unknown": {"column": n, ...}, "attention": [[...], ...]}
//	GET  /v1/model   the input schema and the model's description
//	GET  /healthz    "ok"
//
// A bad request (malformed JSON, a missing field, a wrong type, too many
// rows, a body too large, ...) is a 400 with {"error": "..."} naming the
// row and the field. Requests are scored concurrently, each on a Predictor
// of its own from a pool; Run drains in-flight requests before it returns.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
)

// Config bounds what a server accepts and how much it scores at once.
type Config struct {
	MaxRows int   // rows per request; 0: DefaultMaxRows
	MaxBody int64 // bytes per request body; 0: DefaultMaxBody
	Workers int   // requests scored at the same time (one Predictor each); 0: GOMAXPROCS
}

// Defaults of Config.
const (
	DefaultMaxRows = 1000
	DefaultMaxBody = 8 << 20
)

// Server scores requests with one model file.
type Server struct {
	mf     *model.ModelFile
	enc    *dataset.Dataset // the model's encoding (no rows), shared read-only
	inputs []dataset.Input
	cfg    Config
	pool   chan *model.Predictor
	attend bool
	info   []byte // the answer to GET /v1/model
}

// New makes a server for mf with cfg's bounds: Workers predictors with
// buffers for min(MaxRows, the training batch size) rows each.
func New(mf *model.ModelFile, cfg Config) (*Server, error) {
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = DefaultMaxRows
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	enc, err := mf.Data()
	if err != nil {
		return nil, err
	}
	s := &Server{mf: mf, enc: enc, inputs: enc.Inputs(), cfg: cfg, pool: make(chan *model.Predictor, cfg.Workers)}
	for range cfg.Workers {
		pr, err := mf.Predictor(min(cfg.MaxRows, mf.Params.BatchSize))
		if err != nil {
			return nil, err
		}
		s.attend = pr.AttendsHistory()
		s.pool <- pr
	}
	if s.info, err = json.Marshal(s.describe()); err != nil {
		return nil, fmt.Errorf("serve: describe the model: %w", err)
	}
	return s, nil
}

// Handler routes the server's endpoints; a panic in one becomes a 500.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/score", s.score)
	mux.HandleFunc("/v1/model", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, "GET /v1/model")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.info)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s (POST /v1/score, GET /v1/model, GET /healthz)", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				log.Printf("serve: %s %s: panic: %v", r.Method, r.URL.Path, p)
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

// score answers POST /v1/score.
func (s *Server) score(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "POST /v1/score with a JSON body")
		return
	}
	req, err := s.decode(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rows, err := s.encode(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var pr *model.Predictor
	select {
	case pr = <-s.pool:
	case <-r.Context().Done():
		return // the client left
	}
	n := rows.D.N
	resp := response{Scores: make([]float32, n), Unknown: map[string]int{}}
	if req.attention {
		resp.Attention = make([][]float32, n)
		pr.PredictAttention(rows.D, rows.D.Test, resp.Scores, resp.Attention)
	} else {
		pr.Predict(rows.D, rows.D.Test, resp.Scores)
	}
	s.pool <- pr
	for i, u := range rows.Unknown() {
		if u > 0 {
			resp.Unknown[s.inputs[i].Name] = u
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// response is the answer to a scoring request.
type response struct {
	Scores    []float32      `json:"scores"`
	Unknown   map[string]int `json:"unknown"`             // per column, values scored as unknown (a common value once per row)
	Attention [][]float32    `json:"attention,omitempty"` // per row, a weight per history item
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// Run serves h on ln until ctx is done, then stops accepting, lets the
// requests in flight finish (at most drain) and returns nil; an error
// when serving fails or the drain times out.
func Run(ctx context.Context, ln net.Listener, h http.Handler, drain time.Duration) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: drain: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
