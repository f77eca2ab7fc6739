package ui

import (
	"errors"
	"testing"
	"time"
)

// A cached value follows the version, but a rebuild waits rebuildFactor
// times the last build's cost (at least minRebuild); a failed build is not
// cached.
func TestVersionedRebuildPolicy(t *testing.T) {
	var c versioned[int]
	builds := 0
	build := func() (int, error) { builds++; return builds, nil }
	v, b, _ := c.get("v1", build)
	if v != 1 || b.Version != "v1" {
		t.Fatalf("first get: %d %+v", v, b)
	}
	if v, _, _ = c.get("v1", build); v != 1 || builds != 1 {
		t.Fatalf("same version rebuilt: %d after %d builds", v, builds)
	}
	v, b, _ = c.get("v2", build) // too soon after the last build
	if v != 1 || b.Version != "v1" || b.Next <= 0 || b.Next > minRebuild {
		t.Fatalf("a new version right away: %d %+v", v, b)
	}
	c.cost = 100 * time.Millisecond // a build that took 0.1 s waits 5 s
	c.at = time.Now().Add(-2 * time.Second)
	if v, b, _ = c.get("v2", build); v != 1 || b.Next < 2*time.Second {
		t.Fatalf("2 s after a 0.1 s build: %d %+v", v, b)
	}
	c.at = time.Now().Add(-rebuildFactor * c.cost)
	if v, b, _ = c.get("v2", build); v != 2 || b.Version != "v2" {
		t.Fatalf("after the wait: %d %+v", v, b)
	}
	c.at = time.Time{}
	if _, _, err := c.get("v3", func() (int, error) { return 0, errors.New("broken") }); err == nil {
		t.Fatal("a failed build gave no error")
	}
	if v, b, _ = c.get("v2", build); v != 2 || b.Version != "v2" {
		t.Fatalf("the failed build replaced the value: %d %+v", v, b)
	}
}
