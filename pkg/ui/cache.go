package ui

import (
	"sync"
	"time"
)

// Rebuild policy of a cached value: it is rebuilt when the sweep's version
// (store.Version) has changed, but no sooner than rebuildFactor times what
// its last build took, and not more than once per minRebuild. So a page
// kept open on a running sweep spends at most 1/rebuildFactor of one core
// on rebuilding (2% here), whatever the sweep's size: a 10-trial sweep's
// table follows every trial within a second, a 10,000-trial sweep's
// analyses (tens of seconds of fANOVA) are redone every few minutes.
const (
	rebuildFactor = 50
	minRebuild    = time.Second
)

// versioned caches one value built from a sweep at some version.
type versioned[T any] struct {
	mu      sync.Mutex // held while building: one build at a time
	ok      bool       // value holds a build
	version string
	value   T
	at      time.Time     // when the last build ended
	cost    time.Duration // what it took
}

// built says which version a cached value is of and when the next rebuild
// may happen.
type built struct {
	Version string        // of the sweep the value was built from
	At      time.Time     // when its build ended
	Cost    time.Duration // how long its build took
	Next    time.Duration // until a rebuild is allowed (0: now)
}

// get returns the value for version, rebuilding it with build when it is
// older and the rebuild policy allows; otherwise the cached value, which may
// be of an older version. A failed build is returned and not cached.
func (c *versioned[T]) get(version string, build func() (T, error)) (T, built, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ok || c.version != version && time.Since(c.at) >= c.wait() {
		start := time.Now()
		v, err := build()
		if err != nil {
			return v, built{}, err
		}
		c.ok, c.version, c.value, c.at, c.cost = true, version, v, time.Now(), time.Since(start)
	}
	return c.value, built{Version: c.version, At: c.at, Cost: c.cost, Next: max(0, c.wait()-time.Since(c.at))}, nil
}

// wait is how long after the last build the next may start.
func (c *versioned[T]) wait() time.Duration {
	return max(minRebuild, rebuildFactor*c.cost)
}
