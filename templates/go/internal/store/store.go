// Package store is an in-memory store keyed by id: enough for a skeleton, and the one
// place to swap for the service's own database (it owns its tables; no other service
// reads or writes them).
package store

import (
	"sort"
	"sync"
)

// Record is a model that takes the id the store assigns.
type Record[T any] interface {
	WithID(id int64) T
}

// Store holds records of one entity.
type Store[T Record[T]] struct {
	mu     sync.RWMutex
	nextID int64
	items  map[int64]T
}

// New returns an empty store.
func New[T Record[T]]() *Store[T] {
	return &Store[T]{items: map[int64]T{}}
}

// List returns every record, by id.
func (s *Store[T]) List() []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]int64, 0, len(s.items))
	for id := range s.items {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.items[id])
	}
	return out
}

// Get returns the record with id.
func (s *Store[T]) Get(id int64) (T, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.items[id]
	return v, ok
}

// Create stores v under a new id and returns it with that id.
func (s *Store[T]) Create(v T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	v = v.WithID(s.nextID)
	s.items[s.nextID] = v
	return v
}

// Update replaces the record with id; false when there is none.
func (s *Store[T]) Update(id int64, v T) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[id]; !ok {
		var zero T
		return zero, false
	}
	v = v.WithID(id)
	s.items[id] = v
	return v, true
}

// Delete removes the record with id; false when there is none.
func (s *Store[T]) Delete(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[id]; !ok {
		return false
	}
	delete(s.items, id)
	return true
}
