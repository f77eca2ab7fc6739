package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// How often a stream reads its value again: the live curves of a sweep and
// a trial, and the list of sweeps.
const (
	liveEvery   = 500 * time.Millisecond
	sweepsEvery = 2 * time.Second
)

// stream answers a request with server-sent events: it reads a value with
// read now and then every interval, and sends it (as JSON) only when it
// differs from the last one sent, until the client goes away or the server
// shuts down. So a page left open on a sweep costs its browser nothing
// between epochs, and the server one short read per interval. An error
// before the first event is an HTTP error (an EventSource does not retry
// it); a later one ends the stream (the EventSource reconnects).
func (s *Server) stream(w http.ResponseWriter, r *http.Request, interval time.Duration, read func() (any, error)) {
	v, err := read()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	var last []byte
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		data, err := json.Marshal(v)
		if err != nil {
			s.Logf("sweep ui: %s: %v", r.URL.Path, err)
			return
		}
		if !bytes.Equal(data, last) {
			if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			last = data
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		if v, err = read(); err != nil {
			s.Logf("sweep ui: %s: %v", r.URL.Path, err)
			return
		}
	}
}
