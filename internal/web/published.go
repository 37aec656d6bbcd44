package web

import (
	"context"
	"html/template"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/store"
)

// Published reports (issue 17 item 12) and the revisions of their figures
// (item 8). The files are the register's (habeas report publish records
// them), served byte for byte at /reports/published/{id}/: an address that
// never changes, for a content that never changes.

// keyFile is the public key served beside a published report's files (it
// is not one of them: the manifest cannot sign the key that checks it).
const keyFile = "key.pub"

type publishedView struct {
	Reports   []publishedItem
	Revisions []report.Revision
}

type publishedItem struct {
	store.Publication
	Names   []string
	Revised int
}

func (s *Server) publications(ctx context.Context) ([]store.Publication, error) {
	if s.pubs == nil {
		return nil, nil
	}
	return s.pubs.Publications(ctx)
}

func (s *Server) publishedList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pubs, err := s.publications(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	revs, err := s.reportCache.Revisions(ctx, s.pubs, domain.NoDate)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	per := map[int64]int{}
	for _, rv := range revs {
		per[rv.Report]++
	}
	var v publishedView
	for _, p := range pubs {
		names, err := s.pubs.PublicationFileNames(ctx, p.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Reports = append(v.Reports, publishedItem{Publication: p, Names: names, Revised: per[p.ID]})
	}
	s.render(w, r, http.StatusOK, "published.html", s.newPage(r, "published.heading", v))
}

// publishedFile serves a file of a published report as it was published;
// the folder's address serves its page.
func (s *Server) publishedFile(w http.ResponseWriter, r *http.Request) {
	l := langOf(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 || s.pubs == nil {
		s.errorPage(w, r, http.StatusNotFound, l.T("published.unknown"))
		return
	}
	name := r.PathValue("file")
	if name == "" {
		name = "index.html"
	}
	var b []byte
	var ok bool
	if name == keyFile {
		pubs, err := s.publications(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, p := range pubs {
			if p.ID == id {
				b, ok = []byte(p.PubKey), true
			}
		}
	} else if b, ok, err = s.pubs.PublicationFile(r.Context(), id, name); err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, l.T("published.unknown"))
		return
	}
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".csv":
		ct = "text/csv; charset=utf-8"
	case ".json":
		ct = "application/json"
	case ".sig", ".txt", ".pub":
		ct = "text/plain; charset=utf-8"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	// A published file never changes: it may be kept for good.
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	if strings.HasPrefix(name, "data/") {
		h.Set("Content-Disposition", `attachment; filename="habeas-published-`+strconv.FormatInt(id, 10)+"-"+path.Base(name)+`"`)
	}
	w.Write(b)
}

func (s *Server) revisionsPage(w http.ResponseWriter, r *http.Request) {
	revs, err := s.reportCache.Revisions(r.Context(), s.pubs, domain.NoDate)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "revisions.html", s.newPage(r, "revised.heading", publishedView{Revisions: revs}))
}

// revisedKeys are the figures of a page's date marked "revised".
type revisedKeys interface{ revised() map[string]bool }

func (v *dashView) revised() map[string]bool { return v.Revised }

// Revised is the "revised" mark of a figure (report.Revision.Key), linked
// to its line of the revision log, or nothing.
func (p *page) Revised(key string) template.HTML {
	rk, ok := p.Data.(revisedKeys)
	if !ok || !rk.revised()[key] {
		return ""
	}
	return template.HTML(`<a class="revised" href="/reports/revisions#` + template.HTMLEscapeString(revisionAnchor(key)) + `" title="` +
		template.HTMLEscapeString(p.T("revised.title")) + `">` + template.HTMLEscapeString(p.T("revised.mark")) + `</a>`)
}

// RevisionAnchor is the id of a revision's line in the log.
func (p *page) RevisionAnchor(r report.Revision) string {
	return revisionAnchor(r.Key) + "-" + strconv.FormatInt(r.Report, 10)
}

func revisionAnchor(key string) string {
	return "rev-" + strings.NewReplacer("/", "-", " ", "-").Replace(key)
}

// RevisionLabel names a revised figure in the page's language.
func (p *page) RevisionLabel(r report.Revision) string {
	switch r.Kind {
	case "facility":
		return p.T("revised.facility", r.Name, p.TOr("fcol."+r.Column, r.Label))
	case "trend":
		return p.TOr("fig."+r.Column, r.Label)
	}
	return p.TOr("fig."+r.Column, r.Label)
}

// RevisionValue writes a value of a revision in its unit.
func (p *page) RevisionValue(r report.Revision, v float64) string {
	return p.Fig(report.Figure{Unit: r.Unit, Value: v})
}
