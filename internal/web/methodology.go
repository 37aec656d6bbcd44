package web

import (
	"html/template"
	"net/http"

	"github.com/habeas-kh/habeas/docs"
)

// methodologyView is the methodology page: the documents that explain the
// published figures, or one of them.
type methodologyView struct {
	Docs []docs.Page
	Doc  *docs.Page
	Body template.HTML
}

// methodology lists the documents that explain every published figure:
// the same text as the docs folder, so the page and the code's own
// documentation cannot disagree.
func (s *Server) methodology(w http.ResponseWriter, r *http.Request) {
	v := &methodologyView{}
	for _, n := range docs.Public {
		v.Docs = append(v.Docs, s.docs[n])
	}
	s.render(w, r, http.StatusOK, "methodology.html", s.newPage(r, "method.title", v))
}

func (s *Server) methodologyDoc(w http.ResponseWriter, r *http.Request) {
	d, ok := s.docs[r.PathValue("doc")]
	if !ok {
		s.notFound(w, r)
		return
	}
	v := &methodologyView{Doc: &d,
		// Rendered from the project's own documents with raw HTML left out
		// (goldmark's default): trusted text, safe markup.
		Body: template.HTML(d.HTML)} //nolint:gosec // see above
	for _, n := range docs.Public {
		v.Docs = append(v.Docs, s.docs[n])
	}
	s.render(w, r, http.StatusOK, "methodology.html", s.newPage(r, "method.title", v))
}
