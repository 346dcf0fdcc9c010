package config

import (
	"context"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"
)

// KV is the part of the Consul KV API the watcher uses; *api.KV implements it.
type KV interface {
	List(prefix string, q *api.QueryOptions) (api.KVPairs, *api.QueryMeta, error)
}

// Sleeper waits for d or until ctx ends (then it returns ctx.Err()).
type Sleeper func(ctx context.Context, d time.Duration) error

// SleepContext is the real Sleeper.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Watcher follows a KV prefix with blocking queries (GET /v1/kv/<prefix>?recurse&index=&wait=)
// and calls Apply with the whole set of values whenever it changes.
//
// It follows Consul's rules for blocking queries
// (https://developer.hashicorp.com/consul/api-docs/features/blocking): a return is no
// proof of a change, so payloads are compared; the index is reset to 0 when it goes
// backwards and kept at least 1; errors back off exponentially, and successive queries
// are rate-limited so a misbehaving agent never makes it hot-loop.
type Watcher struct {
	KV     KV
	Prefix string
	// Apply receives the values (key relative to Prefix → value) on the first
	// successful read and on every change after it.
	Apply func(values map[string]string)
	Log   *slog.Logger
	// Wait is the blocking query's wait time (default 5m; Consul caps it at 10m).
	Wait time.Duration
	// MinInterval is the least time between two queries (default 1s).
	MinInterval time.Duration
	// MaxBackoff caps the wait after consecutive errors (default 1m).
	MaxBackoff time.Duration
	// Sleep defaults to SleepContext; tests replace it.
	Sleep Sleeper
}

// NextIndex is the index for the next blocking query, given the one just used and
// the X-Consul-Index returned.
func NextIndex(previous, returned uint64) uint64 {
	if returned < previous {
		// The index went backwards (e.g. a Consul snapshot restore): start over with
		// a non-blocking read of the current state.
		return 0
	}
	if returned < 1 {
		// An index of 0 would make every query return at once.
		return 1
	}
	return returned
}

// Backoff is the wait after the n-th consecutive error (n ≥ 1): base, 2·base, 4·base…
// capped at max.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

func (w *Watcher) defaults() {
	if w.Wait == 0 {
		w.Wait = 5 * time.Minute
	}
	if w.MinInterval == 0 {
		w.MinInterval = time.Second
	}
	if w.MaxBackoff == 0 {
		w.MaxBackoff = time.Minute
	}
	if w.Sleep == nil {
		w.Sleep = SleepContext
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
}

// Values turns KV pairs under prefix into key → value, skipping "folder" keys.
func Values(prefix string, pairs api.KVPairs) map[string]string {
	out := make(map[string]string, len(pairs))
	for _, p := range pairs {
		key := strings.TrimPrefix(p.Key, prefix)
		if key == "" || strings.HasSuffix(key, "/") {
			continue
		}
		out[key] = string(p.Value)
	}
	return out
}

// Run watches until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	w.defaults()
	var index uint64
	var last map[string]string
	applied := false
	failures := 0
	for ctx.Err() == nil {
		started := time.Now()
		q := (&api.QueryOptions{WaitIndex: index, WaitTime: w.Wait}).WithContext(ctx)
		pairs, meta, err := w.KV.List(w.Prefix, q)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			wait := Backoff(failures, w.MinInterval, w.MaxBackoff)
			w.Log.Warn("reading configuration from Consul KV failed; retrying",
				"prefix", w.Prefix, "error", err, "retry_in", wait.String())
			if w.Sleep(ctx, wait) != nil {
				return
			}
			continue
		}
		failures = 0
		var returned uint64
		if meta != nil {
			returned = meta.LastIndex
		}
		index = NextIndex(index, returned)
		values := Values(w.Prefix, pairs)
		if !applied || !maps.Equal(values, last) {
			w.Apply(values)
			last = values
			applied = true
		}
		if elapsed := time.Since(started); elapsed < w.MinInterval {
			if w.Sleep(ctx, w.MinInterval-elapsed) != nil {
				return
			}
		}
	}
}
