package ledger

import (
	"sort"

	"github.com/habeas-kh/habeas/internal/domain"
)

// sortFiles orders files by person id so that writes are deterministic.
func sortFiles(fs []*domain.PersonFile) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
}
