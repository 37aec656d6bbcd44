// Package web serves habeas over HTTP. At this stage it is a public summary
// page and its JSON; the staff application arrives with its own issue.
package web

import (
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store"
)

//go:embed templates/*.html
var templates embed.FS

// Server holds the handlers' dependencies.
type Server struct {
	st   store.Store
	log  *slog.Logger
	tmpl *template.Template
}

func New(st store.Store, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := template.Must(template.New("").Funcs(template.FuncMap{
		"pct": func(f float64) string { return template.HTMLEscapeString(fmtPct(f)) },
	}).ParseFS(templates, "templates/*.html"))
	return &Server{st: st, log: log, tmpl: t}
}

func fmtPct(f float64) string {
	b, _ := json.Marshal(f)
	return string(b) + "%"
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.dashboard)
	mux.HandleFunc("GET /api/v1/stats", s.statsJSON)
	return securityHeaders(mux)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// compute returns the figures for ?as_of= or the latest date in the register.
func (s *Server) compute(r *http.Request) (*stats.Stats, int, string) {
	ctx := r.Context()
	day, err := s.st.LatestDate(ctx)
	if err != nil {
		s.log.Error("reading latest date", "err", err)
		return nil, http.StatusInternalServerError, "the register could not be read"
	}
	if v := r.URL.Query().Get("as_of"); v != "" {
		if day, err = domain.ParseDate(v); err != nil {
			return nil, http.StatusBadRequest, "as_of: " + err.Error()
		}
	}
	if day == domain.NoDate {
		return nil, http.StatusNotFound, "the register is empty"
	}
	st, err := stats.Compute(ctx, s.st, day, stats.Options{})
	if err != nil {
		s.log.Error("computing stats", "err", err)
		return nil, http.StatusInternalServerError, "the figures could not be computed"
	}
	return st, 0, ""
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	st, code, msg := s.compute(r)
	if st == nil {
		http.Error(w, msg, code)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.tmpl.ExecuteTemplate(w, "dashboard.html", st); err != nil {
		s.log.Error("rendering dashboard", "err", err)
	}
}

func (s *Server) statsJSON(w http.ResponseWriter, r *http.Request) {
	st, code, msg := s.compute(r)
	w.Header().Set("Content-Type", "application/json")
	if st == nil {
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	json.NewEncoder(w).Encode(st)
}
