package storetest

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/store"
)

// TestMemStore runs the suite against the in-memory fake, which checks the
// suite itself and documents the semantics it expects.
func TestMemStore(t *testing.T) {
	Run(t, func(t *testing.T) store.Store {
		s := newMemStore()
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		return s
	})
}
