package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Observer receives what the server measures of its requests; habeas serve
// passes Prometheus metrics (internal/cli/metrics.go). Nil measures nothing.
type Observer interface {
	// Request is one answered request: its route pattern (never the raw
	// path, which holds people's identifiers), status and duration.
	Request(route string, status int, d time.Duration)
	// SignInFailure is a refused sign-in (wrong password or delayed).
	SignInFailure()
}

// Health is what /readyz asks; nil answers ready whenever the process is up.
type Health interface {
	// Ready says whether the server can serve, and why (shown as JSON:
	// no personal data).
	Ready(ctx context.Context) (ok bool, detail any)
}

// reqInfo is what the outer layers learn of a request, kept in its context:
// the client as the trusted proxies report it, the request id, the logger
// that carries it, and the route pattern the mux matched (set by the route,
// read back by the layer that logs and measures).
type reqInfo struct {
	id     string
	remote string
	https  bool
	route  string
	log    *slog.Logger
}

const infoKey ctxKey = 1

func infoOf(ctx context.Context) *reqInfo {
	in, _ := ctx.Value(infoKey).(*reqInfo)
	return in
}

// logOf is the logger of a request's context: with its request id once the
// request layer has run, else the server's.
func (s *Server) logOf(ctx context.Context) *slog.Logger {
	if in := infoOf(ctx); in != nil && in.log != nil {
		return in.log
	}
	return s.log
}

// routed notes the route pattern a request matched, for the log and the
// metrics: the pattern, not the path, so that no identifier of a person
// reaches either.
func routed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if in := infoOf(r.Context()); in != nil {
			in.route = r.Pattern
		}
		h.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushes of
// long exports).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requests is the outermost layer: it settles who the client is (through
// the trusted proxies), gives the request an id and a logger carrying it,
// then logs and measures the answer by route.
func (s *Server) requests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		peer := peerAddr(r.RemoteAddr)
		in := &reqInfo{remote: hostOf(r.RemoteAddr), https: r.TLS != nil}
		trusted := s.trusted(peer)
		if trusted {
			if c, proto, ok := s.forwarded(r); ok {
				if c != "" {
					in.remote = c
				}
				if proto != "" {
					in.https = strings.EqualFold(proto, "https")
				}
			}
			in.id = cleanRequestID(r.Header.Get("X-Request-Id"))
		}
		if in.id == "" {
			in.id = newRequestID()
		}
		in.log = s.log.With("request_id", in.id)
		w.Header().Set("X-Request-Id", in.id)
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), infoKey, in)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := in.route
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		if s.obs != nil {
			s.obs.Request(route, sw.status, d)
		}
		// The route, not the path: paths hold people's identifiers, and
		// the query their names (a register search).
		in.log.Info("request", "method", r.Method, "route", route, "status", sw.status,
			"ms", float64(d.Microseconds())/1000, "bytes", sw.bytes, "client", in.remote)
	})
}

// trusted says whether a connection comes from a trusted proxy.
func (s *Server) trusted(peer netip.Addr) bool {
	if !peer.IsValid() {
		return false
	}
	for _, p := range s.proxies {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// forwarded reads the client and scheme a trusted proxy reports: the
// Forwarded header (RFC 7239) if there is one, else X-Forwarded-For and
// X-Forwarded-Proto. Of a chain of addresses, the client is the last one
// not itself a trusted proxy: a client can write anything at the start of
// the header, but not what the proxies append.
func (s *Server) forwarded(r *http.Request) (client, proto string, ok bool) {
	var chain, protos []string
	if fw := r.Header.Values("Forwarded"); len(fw) > 0 {
		for _, elem := range strings.Split(strings.Join(fw, ","), ",") {
			for pair := range strings.SplitSeq(elem, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
				v = strings.Trim(v, `"`)
				switch strings.ToLower(k) {
				case "for":
					chain = append(chain, v)
				case "proto":
					protos = append(protos, v)
				}
			}
		}
	} else {
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for a := range strings.SplitSeq(v, ",") {
				chain = append(chain, strings.TrimSpace(a))
			}
		}
		for _, v := range r.Header.Values("X-Forwarded-Proto") {
			for p := range strings.SplitSeq(v, ",") {
				protos = append(protos, strings.TrimSpace(p))
			}
		}
	}
	if len(protos) > 0 {
		// The client's scheme is the first: each proxy of a chain
		// appends the scheme it was reached by.
		proto = protos[0]
	}
	for i := len(chain) - 1; i >= 0; i-- {
		a := parseForwardedAddr(chain[i])
		if !a.IsValid() {
			// "unknown" or an obfuscated name: the client is hidden from
			// us; the proxy stands for it.
			break
		}
		client, ok = a.String(), true
		if !s.trusted(a) {
			break
		}
	}
	return client, proto, ok || proto != ""
}

// parseForwardedAddr reads "192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]"
// or "[2001:db8::1]:4711".
func parseForwardedAddr(v string) netip.Addr {
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap()
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func peerAddr(remoteAddr string) netip.Addr {
	a, err := netip.ParseAddr(hostOf(remoteAddr))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func hostOf(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// cleanRequestID keeps an incoming id only if it is short and plain, so
// that it cannot forge log lines.
func cleanRequestID(v string) string {
	if len(v) == 0 || len(v) > 64 {
		return ""
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return ""
		}
	}
	return v
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// plainRemote says whether a request came over plain HTTP from another
// machine: a browser then drops the Secure session cookie and signing in
// cannot work, which the sign-in page says.
func (s *Server) plainRemote(r *http.Request) bool {
	if !s.secure {
		return false
	}
	in := infoOf(r.Context())
	if in == nil {
		return r.TLS == nil && !isLoopback(hostOf(r.RemoteAddr))
	}
	return !in.https && !isLoopback(in.remote)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.health == nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	ok, detail := s.health.Ready(ctx)
	code := http.StatusOK
	if !ok {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, code, detail)
}
