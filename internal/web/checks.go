package web

import (
	"encoding/csv"
	"net/http"

	"github.com/habeas-kh/habeas/internal/tabular"
)

// checksCSV exports the data to check: every record a data check of the
// pack lists, among the people the user may screen, for staff to correct.
// It names people, so it is a staff page like the queue, scoped like it.
func (s *Server) checksCSV(w http.ResponseWriter, r *http.Request) {
	asOf, head, rows, err := s.reg.DataToCheck(r.Context(), principal(r), r.URL.Query().Get("facility"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="habeas-data-to-check-`+asOf.String()+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"as_of", "ledger_head", "facility", "check", "title", "person", "name", "reason"})
	for _, c := range rows {
		reason := c.Reason
		if c.Withheld {
			reason = "(health data: not shown)"
		}
		rec := []string{asOf.String(), head.Hash, c.Facility, c.Check, c.Title, c.Person, c.Name, reason}
		// Names and reasons are text, neutralised against spreadsheet
		// formulas.
		for i, v := range rec {
			rec[i] = tabular.Cell(v, false)
		}
		cw.Write(rec)
	}
	cw.Flush()
}
