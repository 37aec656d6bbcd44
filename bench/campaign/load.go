package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// LoadOptions are the parameters of a load campaign.
type LoadOptions struct {
	Writers, Readers int
	Accounts         int // the writers share (0: one each)
	Duration         time.Duration
	People           int    // size of the demo register
	From             string // a SQLite register to copy instead of building the demo
	Seed             uint64
}

// The readers' requests, in the order each reader goes through them.
var readKinds = []string{"person page", "person API", "search page", "search API", "queue page", "queue API", "dashboard"}

// Reads are the figures of one kind of read.
type Reads struct {
	Lat []time.Duration // of the answers 200
	// Got5xx: answers 5xx; Other: any other status but 200; NoAnswer:
	// requests that got no answer.
	Got5xx, Other, NoAnswer int
	Sample                  string // the first answer that was not 200
}

// Load is what a load campaign saw.
type Load struct {
	Setup    time.Duration // the register made, the server answering, the readers' people found
	Duration time.Duration
	Writes   []*Op // every write, acknowledged or not
	Reads    map[string]*Reads
	Check    *Check
}

// WriteLat are the latencies of the acknowledged writes, sorted.
func (l *Load) WriteLat() []time.Duration {
	var lat []time.Duration
	for _, op := range l.Writes {
		if op.Acked() {
			lat = append(lat, op.Latency)
		}
	}
	slices.Sort(lat)
	return lat
}

// ReadLat are the latencies of every read answered 200, sorted.
func (l *Load) ReadLat() []time.Duration {
	var lat []time.Duration
	for _, r := range l.Reads {
		lat = append(lat, r.Lat...)
	}
	slices.Sort(lat)
	return lat
}

// Failures counts what must be zero: server errors and requests without an
// answer, writes refused or never answered, reads not answered 200.
func (l *Load) Failures() (got5xx, noAnswer, refused, other int) {
	for _, op := range l.Writes {
		got5xx += op.Got5xx
		noAnswer += op.NoAnswer
		if !op.Acked() {
			refused++
		}
	}
	for _, r := range l.Reads {
		got5xx += r.Got5xx
		noAnswer += r.NoAnswer
		other += r.Other
	}
	return
}

// OK reports whether the campaign passed every check.
func (l *Load) OK() bool {
	a, b, c, d := l.Failures()
	return a == 0 && b == 0 && c == 0 && d == 0 && l.Check.OK()
}

// target is a person a reader opens, with a piece of their name to search.
type target struct{ id, name string }

// reader is one reading client, with the people its account may read.
type reader struct {
	acct    *Account
	targets []target
	anyone  bool // unrestricted: may also open the writers' people
}

// LoadRun runs the load campaign on the register of h (empty), which it
// fills first: writers write and readers read for the duration, then the
// register is checked.
func LoadRun(ctx context.Context, h *Habeas, o LoadOptions) (*Load, error) {
	tag := fmt.Sprintf("L%04x", rand.N(1<<16))
	t0 := time.Now()
	accounts := readerAccounts()
	nReaderAccts := len(accounts)
	accounts = append(accounts, writerAccounts(o.Writers, o.Accounts)...)
	if err := Setup(ctx, h, o.People, o.From, accounts); err != nil {
		return nil, fmt.Errorf("setting up the register: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	srv, _, err := h.Serve(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if srv != nil {
			srv.Stop()
		}
	}()
	tr := &http.Transport{MaxIdleConnsPerHost: o.Writers + o.Readers}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	// The first dashboard is computed at start: wait for it, as bench/web.sh
	// does, so that the load measures serving.
	if err := getOK(ctx, cl, srv.URL+"/", "", 2*time.Minute); err != nil {
		return nil, err
	}
	readers := make([]*reader, nReaderAccts)
	for i, a := range accounts[:nReaderAccts] {
		rd := &reader{acct: a, anyone: len(a.Facilities) == 0}
		if rd.targets, err = peopleOf(ctx, cl, srv.URL, a); err != nil {
			return nil, err
		}
		readers[i] = rd
	}

	writers := make([]*Writer, o.Writers)
	for i := range writers {
		writers[i] = NewWriter(i, accounts[nReaderAccts+i%(len(accounts)-nReaderAccts)], tag, o.Seed)
	}
	var mu sync.Mutex
	var written []target // people the writers admitted, for the unrestricted readers
	onAck := func(op *Op) {
		if op.Marker == "" {
			mu.Lock()
			written = append(written, target{id: op.Person, name: op.Person})
			mu.Unlock()
		}
	}
	stop, stopAll := context.WithTimeout(ctx, o.Duration)
	defer stopAll()
	hard, cancel := context.WithTimeout(ctx, o.Duration+5*time.Minute)
	defer cancel()
	day := writeDay
	res := &Load{Reads: map[string]*Reads{}, Setup: time.Since(t0)}
	for _, k := range readKinds {
		res.Reads[k] = &Reads{}
	}
	t0 = time.Now()
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Go(func() { w.Run(stop, hard, cl, srv.URL, day, 1, onAck) })
	}
	for i := range o.Readers {
		rd := readers[i%len(readers)]
		rnd := rand.New(rand.NewPCG(o.Seed, uint64(1000+i)))
		wg.Go(func() {
			mine := map[string]*Reads{}
			for _, k := range readKinds {
				mine[k] = &Reads{}
			}
			for n := i; stop.Err() == nil; n++ {
				kind := readKinds[n%len(readKinds)]
				t := rd.targets[rnd.IntN(len(rd.targets))]
				if rd.anyone && rnd.IntN(2) == 0 {
					mu.Lock()
					if len(written) > 0 {
						t = written[rnd.IntN(len(written))]
					}
					mu.Unlock()
				}
				// A read started in the window is waited for (up to the
				// hard limit and the client's timeout), not dropped when the
				// window ends: a slow answer is measured as slow, not lost.
				read(hard, cl, srv.URL, rd.acct, kind, t, mine[kind])
			}
			mu.Lock()
			for k, m := range mine {
				r := res.Reads[k]
				r.Lat = append(r.Lat, m.Lat...)
				r.Got5xx += m.Got5xx
				r.Other += m.Other
				r.NoAnswer += m.NoAnswer
				if r.Sample == "" {
					r.Sample = m.Sample
				}
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Duration = time.Since(t0)
	for _, w := range writers {
		res.Writes = append(res.Writes, w.ops()...)
	}
	for _, r := range res.Reads {
		slices.Sort(r.Lat)
	}
	// A clean shutdown, then the register is read as a restart would.
	err = srv.Stop()
	srv = nil
	if err != nil {
		return res, err
	}
	if res.Check, err = CheckRegister(ctx, h, writers); err != nil {
		return res, err
	}
	return res, nil
}

// read makes one request of a kind as acct and counts its answer. A
// request cut by the end of the campaign is not counted.
func read(ctx context.Context, cl *http.Client, base string, acct *Account, kind string, t target, into *Reads) {
	var path string
	token := acct.Token
	name := []rune(t.name)
	q := url.QueryEscape(string(name[:min(len(name), 6)]))
	switch kind {
	case "person page":
		path = "/staff/persons/" + url.PathEscape(t.id)
	case "person API":
		path = "/api/v1/persons/" + url.PathEscape(t.id)
	case "search page":
		path = "/staff/register?q=" + q
	case "search API":
		path = "/api/v1/persons?q=" + q
	case "queue page":
		path = "/staff/queue?limit=50"
	case "queue API":
		path = "/api/v1/queue?limit=50"
	case "dashboard":
		path, token = "/", "" // the public's
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		panic(err) // the paths above are well formed
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	t0 := time.Now()
	resp, err := cl.Do(req)
	if err == nil {
		var b []byte
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			if resp.StatusCode >= 500 {
				into.Got5xx++
			} else {
				into.Other++
			}
			if into.Sample == "" {
				into.Sample = fmt.Sprintf("%s as %s: %d %s", path, acct.User, resp.StatusCode, tail(string(b), 300))
			}
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		into.NoAnswer++
		if into.Sample == "" {
			into.Sample = fmt.Sprintf("%s as %s: %v", path, acct.User, err)
		}
		return
	}
	into.Lat = append(into.Lat, time.Since(t0))
}

// peopleOf are people in custody that acct may read, found through the API.
func peopleOf(ctx context.Context, cl *http.Client, base string, acct *Account) ([]target, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/persons?in_custody=true&limit=200", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+acct.Token)
	resp, err := cl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("listing the people %s may read: %w", acct.User, err)
	}
	defer resp.Body.Close()
	var out struct {
		Persons []struct{ ID, Name string }
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("listing the people %s may read: %d %s", acct.User, resp.StatusCode, tail(string(b), 300))
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("listing the people %s may read: %w", acct.User, err)
	}
	var ts []target
	for _, p := range out.Persons {
		ts = append(ts, target{id: p.ID, name: p.Name})
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("%s may read no one in custody: is the demo register there?", acct.User)
	}
	return ts, nil
}

// getOK waits until url answers 200.
func getOK(ctx context.Context, cl *http.Client, u, token string, within time.Duration) error {
	deadline := time.Now().Add(within)
	last, lastBody := 0, ""
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := cl.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			last, lastBody = resp.StatusCode, string(b)
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %s (%v, last status %d: %s)", u, within, err, last, tail(lastBody, 1500))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
