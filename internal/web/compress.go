package web

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// compressible are the content types worth compressing: text of every kind
// habeas serves (pages, styles, scripts, JSON, CSV, SVG). Fonts, images and
// spreadsheets are compressed already.
var compressible = map[string]bool{"text/html": true, "text/css": true, "text/csv": true, "text/plain": true,
	"application/json": true, "application/javascript": true, "text/javascript": true, "image/svg+xml": true}

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return w
}}

// compress gzips the text responses of clients that accept it: the public
// side is read on slow mobile connections, where a 30 KB page and a 200 KB
// one are seconds apart. A handler that compressed its body itself (the
// cached dashboard) sets Content-Encoding and is passed through.
func compress(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw := &gzipWriter{ResponseWriter: w, accepts: acceptsGzip(r)}
		defer gw.close()
		h.ServeHTTP(gw, r)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// gzipWriter decides at the header whether to compress.
type gzipWriter struct {
	http.ResponseWriter
	accepts bool // the client accepts gzip
	decided bool
	gz      *gzip.Writer
}

// vary names Accept-Encoding in the response's Vary, as one header line
// with what the handler put there (a client reading the first line sees
// every header the response depends on).
func vary(h http.Header) {
	var names []string
	for _, v := range h.Values("Vary") {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" && !slices.ContainsFunc(names, func(m string) bool { return strings.EqualFold(m, n) }) {
				names = append(names, n)
			}
		}
	}
	if !slices.ContainsFunc(names, func(m string) bool { return strings.EqualFold(m, "Accept-Encoding") }) {
		names = append(names, "Accept-Encoding")
	}
	h.Set("Vary", strings.Join(names, ", "))
}

func (g *gzipWriter) WriteHeader(code int) {
	if !g.decided {
		g.decided = true
		h := g.Header()
		vary(h)
		ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
		if g.accepts && h.Get("Content-Encoding") == "" && compressible[ct] && code != http.StatusNoContent && code != http.StatusNotModified && code >= 200 {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
			if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
				// The bytes differ from the identity encoding's.
				h.Set("ETag", "W/"+et)
			}
			g.gz = gzipPool.Get().(*gzip.Writer)
			g.gz.Reset(g.ResponseWriter)
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(b))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.gz != nil {
		return g.gz.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

func (g *gzipWriter) close() {
	if g.gz != nil {
		g.gz.Close()
		gzipPool.Put(g.gz)
		g.gz = nil
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }
