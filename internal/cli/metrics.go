package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// metrics are habeas serve's Prometheus metrics, on a registry of their
// own (no global state): what the web server and the registry service
// report as it happens, and what a scrape reads from the database.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.HistogramVec
	signInFails  prometheus.Counter
	writes       *prometheus.HistogramVec
	screenPasses *prometheus.HistogramVec
	dbc          *dbCollector
}

// watch reads the screening lag from reg at each scrape (the registry is
// built after the metrics, which observe it).
func (m *metrics) watch(reg *registry.Service) { m.dbc.reg.Store(reg) }

func newMetrics(ctx context.Context, db *sqldb.DB, dsn string) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "habeas_http_request_duration_seconds",
		Help: "HTTP requests by route pattern (never the raw path, which holds identifiers) and status code.",
		// From a cached page to a report built on a national register.
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"route", "code"})
	m.signInFails = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "habeas_signin_failures_total",
		Help: "Refused sign-ins (wrong name or password, or delayed after failures).",
	})
	m.writes = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "habeas_ledger_write_duration_seconds",
		Help:    "Writes to the ledger through the server, by result (ok or error).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"result"})
	m.screenPasses = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "habeas_screening_pass_duration_seconds",
		Help:    "Passes of the keeper of saved screenings, by result (ok or error).",
		Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900},
	}, []string{"result"})
	m.dbc = &dbCollector{ctx: ctx, db: db}
	m.reg.MustRegister(m.requests, m.signInFails, m.writes, m.screenPasses,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), db.Dialect()),
		m.dbc)
	if rdb := db.ReplicaSQL(); rdb != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(rdb, "replica"), replicaMetrics(db))
	}
	if db.Dialect() == sqldb.SQLite {
		// The file system the register grows on. PostgreSQL's is the
		// server's, which its own exporter watches.
		dir := filepath.Dir(dsn)
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "habeas_db_filesystem_free_bytes",
			Help: "Free space (for an unprivileged user) of the file system holding the SQLite database.",
		}, func() float64 {
			var st syscall.Statfs_t
			if err := syscall.Statfs(dir, &st); err != nil {
				return -1
			}
			return float64(st.Bavail) * float64(st.Bsize)
		}))
	}
	return m
}

// Request, SignInFailure: web.Observer.
func (m *metrics) Request(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
}

func (m *metrics) SignInFailure() { m.signInFails.Inc() }

// Wrote, ScreeningPass: registry.Observer.
func (m *metrics) Wrote(d time.Duration, err error) {
	m.writes.WithLabelValues(result(err)).Observe(d.Seconds())
}

func (m *metrics) ScreeningPass(d time.Duration, _ int, err error) {
	m.screenPasses.WithLabelValues(result(err)).Observe(d.Seconds())
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// dbCollector reads, at each scrape, the ledger's size and the age of its
// last event, and the screening lag.
type dbCollector struct {
	ctx context.Context
	db  *sqldb.DB
	reg atomic.Pointer[registry.Service]
}

var (
	descEvents  = prometheus.NewDesc("habeas_ledger_events", "Events in the ledger (the sequence of its head).", nil, nil)
	descHeadAge = prometheus.NewDesc("habeas_ledger_head_age_seconds", "Time since the ledger's last event was recorded.", nil, nil)
	descLag     = prometheus.NewDesc("habeas_screening_lag_seconds", "How long the saved screenings have been behind the ledger (0: current).", nil, nil)
	descLagEv   = prometheus.NewDesc("habeas_screening_lag_events", "Events the saved screenings do not reflect yet.", nil, nil)
)

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descEvents
	ch <- descHeadAge
	ch <- descLag
	ch <- descLagEv
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	head, err := c.db.Head(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descEvents, fmt.Errorf("reading the ledger head: %w", err))
		return
	}
	ch <- prometheus.MustNewConstMetric(descEvents, prometheus.GaugeValue, float64(head.Seq))
	if head.Seq > 0 {
		if at, err := recordedAt(ctx, c.db, head.Seq); err == nil {
			ch <- prometheus.MustNewConstMetric(descHeadAge, prometheus.GaugeValue, time.Since(at).Seconds())
		}
	}
	if reg := c.reg.Load(); reg == nil {
		return
	} else if lag, err := reg.ScreeningLag(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, lag.Age.Seconds())
		ch <- prometheus.MustNewConstMetric(descLagEv, prometheus.GaugeValue, float64(lag.Behind))
	}
}

// recordedAt is when the event seq was written to the ledger.
func recordedAt(ctx context.Context, db *sqldb.DB, seq int64) (time.Time, error) {
	e, ok, err := db.Event(ctx, seq)
	if err != nil || !ok {
		return time.Time{}, fmt.Errorf("reading event %d: %v", seq, err)
	}
	var body struct {
		RecordedAt string `json:"recorded_at"`
	}
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, body.RecordedAt)
}

// replicaMetrics are the read replica's state (--db-read), read at each
// scrape.
func replicaMetrics(db *sqldb.DB) prometheus.Collector {
	st := func() sqldb.ReplicaStatus { s, _ := db.Replica(); return s }
	reads := func(to string, n func(sqldb.ReplicaStatus) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "habeas_replica_reads_total",
			Help:        "Reads a replica may serve (of pages, reports, exports), by where they went: the replica, or the primary (a reader's own write not replayed yet, the replica down or too far behind).",
			ConstLabels: prometheus.Labels{"to": to},
		}, func() float64 { return float64(n(st())) })
	}
	return collectorList{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "habeas_replica_up",
			Help: "1 when the read replica answered its last check, else 0 (its reads go to the primary).",
		}, func() float64 {
			if st().Up {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "habeas_replica_lag_seconds",
			Help: "How old the state the read replica shows may be, measured against the primary's WAL every second (0: it has replayed all of it).",
		}, func() float64 { return st().Lag.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "habeas_replica_lag_bytes",
			Help: "WAL the read replica has still to replay, in bytes, at the last check.",
		}, func() float64 { return float64(st().LagBytes) }),
		reads("replica", func(s sqldb.ReplicaStatus) int64 { return s.ReplicaReads }),
		reads("primary", func(s sqldb.ReplicaStatus) int64 { return s.PrimaryReads }),
	}
}

// collectorList is several collectors registered as one.
type collectorList []prometheus.Collector

func (l collectorList) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range l {
		c.Describe(ch)
	}
}

func (l collectorList) Collect(ch chan<- prometheus.Metric) {
	for _, c := range l {
		c.Collect(ch)
	}
}
