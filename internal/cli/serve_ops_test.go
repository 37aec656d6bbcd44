package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// runCLI runs the command line in-process and fails the test on an error.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), append([]string{"--user", "tester"}, args...), &out, &errOut); code != 0 {
		t.Fatalf("habeas %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return out.String()
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key,
// and returns the certificate's serial number.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "habeas test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// running is a habeas serve started by a test.
type running struct {
	url, metrics string
	log          *bytes.Buffer
	stop         func() error
}

// startServe runs habeas serve on dsn with cfg (on free ports) until the
// test stops it.
func startServe(t *testing.T, dsn string, cfg serveConfig) *running {
	t.Helper()
	var logBuf syncBuf
	a := &app{dsn: dsn, out: io.Discard, errOut: io.Discard, now: time.Now,
		log: slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	def := serveConfig{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", ShutdownTimeout: 5 * time.Second, ScreeningInterval: time.Second}
	if cfg.Addr == "" {
		cfg.Addr = def.Addr
	}
	if cfg.MetricsAddr == "" {
		cfg.MetricsAddr = def.MetricsAddr
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = def.ShutdownTimeout
	}
	if cfg.ScreeningInterval == 0 {
		cfg.ScreeningInterval = def.ScreeningInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.serve(ctx, cfg, func(w, m net.Addr) { addrs <- [2]string{w.String(), m.String()} })
	}()
	r := &running{log: &logBuf.b}
	select {
	case ad := <-addrs:
		scheme := "http"
		if cfg.TLSCert != "" {
			scheme = "https"
		}
		r.url, r.metrics = scheme+"://"+ad[0], "http://"+ad[1]
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	var once sync.Once
	var stopErr error
	r.stop = func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}
	t.Cleanup(func() { r.stop() })
	return r
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeTLS: a certificate that does not fit its key is refused at
// start, naming both files; the server answers over TLS with the
// certificate given, takes a renewed one on SIGHUP without a restart, and
// keeps the one in use when the new pair is broken.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certA, keyA := filepath.Join(dir, "a.pem"), filepath.Join(dir, "a.key")
	certB, keyB := filepath.Join(dir, "b.pem"), filepath.Join(dir, "b.key")
	writeCert(t, certA, keyA, 1001)
	writeCert(t, certB, keyB, 2002)
	if _, err := loadKeyPair(certA, keyB); err == nil || !strings.Contains(err.Error(), "the TLS key "+keyB+" is not the key of the certificate "+certA) {
		t.Errorf("a mismatched pair: %v", err)
	}
	// habeas serve refuses it before opening the database.
	var out, errOut bytes.Buffer
	db := filepath.Join(dir, "habeas.db")
	if code := Main(context.Background(), []string{"--db", db, "serve", "--tls-cert", certA, "--tls-key", keyB, "--metrics-addr", ""}, &out, &errOut); code == 0 ||
		!strings.Contains(errOut.String(), "is not the key of the certificate") {
		t.Errorf("serve with a mismatched pair: exit %d, %q", code, errOut.String())
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("serve opened the database before refusing the certificate")
	}

	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	copyFile(t, certA, cert)
	copyFile(t, keyA, key)
	r := startServe(t, db, serveConfig{TLSCert: cert, TLSKey: key})
	serial := func() int64 {
		t.Helper()
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}, Timeout: 10 * time.Second}
		res, err := c.Get(r.url + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz over TLS: %v", err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("/healthz: %d", res.StatusCode)
		}
		return res.TLS.PeerCertificates[0].SerialNumber.Int64()
	}
	if s := serial(); s != 1001 {
		t.Fatalf("serving certificate %d, want 1001", s)
	}
	hup := func() {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for serial() != want {
			if time.Now().After(deadline) {
				t.Fatalf("still not serving certificate %d after SIGHUP", want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Renewed: B's pair.
	copyFile(t, certB, cert)
	copyFile(t, keyB, key)
	hup()
	waitFor(2002)
	// A broken renewal (A's certificate with B's key): B stays, and the
	// log says why.
	copyFile(t, certA, cert)
	hup()
	time.Sleep(300 * time.Millisecond)
	if s := serial(); s != 2002 {
		t.Errorf("after a broken renewal: serving %d, want 2002 kept", s)
	}
	if err := r.stop(); err != nil {
		t.Errorf("stopping: %v", err)
	}
	if !strings.Contains(r.log.String(), "keeping the one in use") {
		t.Errorf("the failed reload is not logged:\n%s", r.log.String())
	}
}

// TestServeHealthAndMetrics: /readyz reports the schema and the screening
// lag; the metrics listener serves requests by route, the ledger's size,
// the pool's statistics and (SQLite) the free disk space; the public
// listener does not serve /metrics.
func TestServeHealthAndMetrics(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			dsn := be.DSN(t)
			runCLI(t, "--db", dsn, "demo", "--people", "60", "--seed", "2")
			db := dbtest.Open(t, dsn)
			head, err := db.Head(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			r := startServe(t, dsn, serveConfig{ReadyMaxLag: time.Hour})
			c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			if code, _ := get(t, c, r.url+"/healthz"); code != 200 {
				t.Errorf("/healthz: %d", code)
			}
			var rd struct {
				Status       string
				Schema       int64 `json:"schema_version"`
				SchemaWanted int64 `json:"schema_version_wanted"`
				LagEvents    int64 `json:"screening_lag_events"`
				Running      bool  `json:"screening_keeper_running"`
			}
			code, body := get(t, c, r.url+"/readyz")
			if err := json.Unmarshal([]byte(body), &rd); err != nil || code != 200 || rd.Status != "ready" {
				t.Fatalf("/readyz: %d %s", code, body)
			}
			// The highest number among the migrations directory's files,
			// read independently (numbers may skip: 00012 was never used).
			files, err := os.ReadDir(filepath.Join("..", "store", "sqldb", "migrations", be.Name))
			if err != nil {
				t.Fatal(err)
			}
			var latest int64
			for _, f := range files {
				if n, err := strconv.ParseInt(strings.SplitN(f.Name(), "_", 2)[0], 10, 64); err == nil && n > latest {
					latest = n
				}
			}
			if latest < 13 || rd.Schema != latest || rd.SchemaWanted != latest || !rd.Running {
				t.Errorf("/readyz: %+v, want schema %d and the keeper running", rd, latest)
			}
			if code, _ := get(t, c, r.url+"/metrics"); code != 404 {
				t.Errorf("/metrics on the public listener: %d, want 404", code)
			}
			get(t, c, r.url+"/login")
			get(t, c, r.url+"/staff/persons/SOMEONE-123")
			_, m := get(t, c, r.metrics+"/metrics")
			want := []string{
				`habeas_http_request_duration_seconds_count{code="200",route="GET /login"} 1`,
				`habeas_http_request_duration_seconds_count{code="303",route="GET /staff/persons/{id}"} 1`,
				fmt.Sprintf("habeas_ledger_events %d", head.Seq),
				"habeas_ledger_head_age_seconds ",
				"habeas_screening_lag_seconds ",
				"habeas_signin_failures_total 0",
				`go_sql_open_connections{db_name="` + be.Name + `"}`,
			}
			if be.Name == sqldb.SQLite {
				want = append(want, "habeas_db_filesystem_free_bytes ")
			}
			for _, w := range want {
				if !strings.Contains(m, w) {
					t.Errorf("no %q in the metrics:\n%s", w, grepLines(m, "habeas_"))
				}
			}
			if strings.Contains(m, "SOMEONE-123") {
				t.Error("a path's identifier in the metrics")
			}
			if be.Name == sqldb.Postgres && strings.Contains(m, "habeas_db_filesystem_free_bytes") {
				t.Error("free disk space of a PostgreSQL register: the server's file system is not ours to see")
			}
		})
	}
}

// TestReadyLag: /readyz fails only when the saved screenings are further
// behind the ledger than the limit.
func TestReadyLag(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.SQLiteDSN(t)
	runCLI(t, "--db", dsn, "demo", "--people", "40", "--seed", "2")
	a := &app{dsn: dsn, now: time.Now, log: slog.New(slog.DiscardHandler), out: io.Discard, errOut: io.Discard}
	db, led, err := a.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svcs, err := a.webServices(db, led)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svcs.Registry.KeepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	strict := &health{db: db, reg: svcs.Registry, maxLag: time.Nanosecond}
	lenient := &health{db: db, reg: svcs.Registry}
	if ok, d := strict.Ready(ctx); !ok {
		t.Fatalf("current screenings, not ready: %+v", d)
	}
	// A write the screenings do not reflect yet.
	ev, err := domain.DecodeEvent([]byte(`{"kind":"person","date":"2020-12-01","person":"LAG-1","data":{"name":"Test Person","sex":"M","dob_basis":"unknown"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.Record(ctx, ledger.Actor{Name: "t", Via: "test"}, ev); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if ok, d := strict.Ready(ctx); ok {
		t.Errorf("screenings behind the ledger past the limit, ready: %+v", d)
	}
	if ok, d := lenient.Ready(ctx); !ok {
		t.Errorf("no limit, not ready: %+v", d)
	}
	if _, err := svcs.Registry.KeepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, d := strict.Ready(ctx); !ok {
		t.Errorf("caught up, not ready: %+v", d)
	}
}

// TestServeStopsCleanly: habeas serve asked to stop while writers are
// writing, with a stop bound short enough to cut some of them, leaves a
// ledger that verifies and holds every write it acknowledged.
func TestServeStopsCleanly(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			dsn := be.DSN(t)
			runCLI(t, "--db", dsn, "demo", "--people", "60", "--seed", "2")
			runCLI(t, "--db", dsn, "user", "add", "clerk", "--role", "admin")
			tok := strings.TrimSpace(runCLI(t, "--db", dsn, "user", "token", "clerk", "--label", "test"))
			r := startServe(t, dsn, serveConfig{ShutdownTimeout: 300 * time.Millisecond})
			var acked sync.Map // person id → true when answered 201
			var n atomic.Int64
			var wg sync.WaitGroup
			stopWriters := make(chan struct{})
			for w := range 6 {
				wg.Go(func() {
					c := &http.Client{Timeout: 10 * time.Second}
					for i := 0; ; i++ {
						select {
						case <-stopWriters:
							return
						default:
						}
						id := fmt.Sprintf("STOP-%d-%d", w, i)
						body := `{"events":[{"kind":"person","date":"2020-12-01","person":"` + id + `","data":{"name":"Test Person","sex":"M","dob_basis":"unknown"}},` +
							`{"kind":"admission","date":"2020-12-01","person":"` + id + `","facility":"CC1","data":{"status":"pretrial",` +
							`"order":{"kind":"detention_order","authority":"Investigating judge","reference":"DO-1","issued":"2020-12-01","expires":"2021-03-01"}}}]}`
						req, _ := http.NewRequest("POST", r.url+"/api/v1/events", strings.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+tok)
						req.Header.Set("Content-Type", "application/json")
						res, err := c.Do(req)
						if err != nil {
							continue // the server has stopped, or cut us
						}
						b, _ := io.ReadAll(res.Body)
						res.Body.Close()
						if res.StatusCode == http.StatusCreated || res.StatusCode == http.StatusOK {
							acked.Store(id, true)
							n.Add(1)
						} else if res.StatusCode < 500 && res.StatusCode != 499 {
							t.Errorf("write %s: %d %s", id, res.StatusCode, b)
						}
					}
				})
			}
			// Stop once writes are flowing (the first wait behind the
			// server's first screening pass).
			for deadline := time.Now().Add(30 * time.Second); n.Load() < 5 && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
			}
			if err := r.stop(); err != nil {
				t.Errorf("stopping: %v", err)
			}
			close(stopWriters)
			wg.Wait()
			if n.Load() == 0 {
				t.Fatal("no write was acknowledged before the stop")
			}
			var out, errOut bytes.Buffer
			if code := Main(context.Background(), []string{"--db", dsn, "verify"}, &out, &errOut); code != 0 {
				t.Fatalf("verify after the stop: exit %d\n%s%s", code, out.String(), errOut.String())
			}
			db := dbtest.Open(t, dsn)
			var ids []string
			acked.Range(func(k, _ any) bool { ids = append(ids, k.(string)); return true })
			ps, err := db.Persons(context.Background(), ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != len(ids) {
				t.Errorf("%d acknowledged writes, %d in the register", len(ids), len(ps))
			}
			t.Logf("%d writes acknowledged before the stop", len(ids))
		})
	}
}

// grepLines are the lines of text that hold s.
func grepLines(text, s string) string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, s) && !strings.HasPrefix(l, "#") && !strings.Contains(l, "_bucket") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
