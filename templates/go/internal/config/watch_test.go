package config

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// step is one answer of the fake KV: pairs and index, or an error.
type step struct {
	pairs api.KVPairs
	index uint64
	err   error
}

type fakeKV struct {
	steps   []step
	indexes []uint64 // WaitIndex of every query
	cancel  context.CancelFunc
}

func (f *fakeKV) List(prefix string, q *api.QueryOptions) (api.KVPairs, *api.QueryMeta, error) {
	f.indexes = append(f.indexes, q.WaitIndex)
	if len(f.steps) == 0 {
		f.cancel()
		return nil, nil, context.Canceled
	}
	s := f.steps[0]
	f.steps = f.steps[1:]
	if s.err != nil {
		return nil, nil, s.err
	}
	return s.pairs, &api.QueryMeta{LastIndex: s.index}, nil
}

func pair(key, value string) *api.KVPair {
	return &api.KVPair{Key: "config/svc/dev/" + key, Value: []byte(value)}
}

func run(t *testing.T, steps []step) (*fakeKV, []map[string]string, []time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kv := &fakeKV{steps: steps, cancel: cancel}
	var applied []map[string]string
	var sleeps []time.Duration
	w := &Watcher{
		KV:          kv,
		Prefix:      "config/svc/dev/",
		Apply:       func(v map[string]string) { applied = append(applied, v) },
		MinInterval: time.Second,
		MaxBackoff:  8 * time.Second,
		Sleep: func(ctx context.Context, d time.Duration) error {
			sleeps = append(sleeps, d)
			return ctx.Err()
		},
	}
	w.Run(ctx)
	return kv, applied, sleeps
}

func TestIndexRules(t *testing.T) {
	cases := []struct{ previous, returned, want uint64 }{
		{0, 12, 12},
		{12, 12, 12},
		{12, 15, 15},
		{15, 7, 0}, // went backwards: reset
		{0, 0, 1},  // never block on index 0
	}
	for _, c := range cases {
		if got := NextIndex(c.previous, c.returned); got != c.want {
			t.Errorf("NextIndex(%d, %d) = %d, want %d", c.previous, c.returned, got, c.want)
		}
	}
}

func TestWatcherFollowsTheIndexAndAppliesOnlyChanges(t *testing.T) {
	kv, applied, _ := run(t, []step{
		{pairs: api.KVPairs{pair("A", "1")}, index: 10},
		{pairs: api.KVPairs{pair("A", "1")}, index: 11}, // a return, not a change
		{pairs: api.KVPairs{pair("A", "2")}, index: 12},
		{pairs: api.KVPairs{pair("A", "2")}, index: 5}, // index went backwards
		{pairs: api.KVPairs{pair("A", "2")}, index: 0}, // bogus 0
	})
	wantIndexes := []uint64{0, 10, 11, 12, 0, 1}
	if len(kv.indexes) != len(wantIndexes) {
		t.Fatalf("queries with indexes %v, want %v", kv.indexes, wantIndexes)
	}
	for i := range wantIndexes {
		if kv.indexes[i] != wantIndexes[i] {
			t.Fatalf("queries with indexes %v, want %v", kv.indexes, wantIndexes)
		}
	}
	if len(applied) != 2 || applied[0]["A"] != "1" || applied[1]["A"] != "2" {
		t.Fatalf("applied %v, want A=1 then A=2 only", applied)
	}
}

func TestWatcherBacksOffOnErrorsAndNeverHotLoops(t *testing.T) {
	boom := errors.New("connection refused")
	_, applied, sleeps := run(t, []step{
		{err: boom}, {err: boom}, {err: boom}, {err: boom}, {err: boom},
		{pairs: api.KVPairs{}, index: 3},
		{err: boom},
	})
	want := []time.Duration{1, 2, 4, 8, 8}
	for i, w := range want {
		if sleeps[i] != w*time.Second {
			t.Fatalf("sleeps %v, want %v seconds then a rate-limit pause", sleeps, want)
		}
	}
	// After a success the query is rate-limited, and the backoff starts again at 1s.
	if len(sleeps) != 7 || sleeps[5] <= 0 || sleeps[5] > time.Second || sleeps[6] != time.Second {
		t.Fatalf("sleeps %v", sleeps)
	}
	if len(applied) != 1 || len(applied[0]) != 0 {
		t.Fatalf("applied %v, want one empty set", applied)
	}
}

func TestValuesSkipFoldersAndStripThePrefix(t *testing.T) {
	got := Values("config/svc/dev/", api.KVPairs{
		{Key: "config/svc/dev/"},
		{Key: "config/svc/dev/sub/"},
		pair("KEY", "v"),
	})
	if len(got) != 1 || got["KEY"] != "v" {
		t.Fatalf("got %v", got)
	}
}

func TestBackoffIsCapped(t *testing.T) {
	if got := Backoff(30, time.Second, time.Minute); got != time.Minute {
		t.Fatalf("Backoff(30) = %v", got)
	}
}
