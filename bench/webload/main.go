// Command webload puts a fixed number of concurrent clients on URLs of a
// running habeas server, one URL after the other, and prints the latency
// percentiles, throughput and errors of each (bench/web.sh).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

type result struct {
	url      string
	n        int
	errs     int
	lat      []time.Duration
	duration time.Duration
}

func load(ctx context.Context, url string, clients int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	cl := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	res := result{url: url}
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				resp, err := cl.Get(url)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if ctx.Err() != nil {
					break
				}
				if err != nil {
					errs++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errs += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.duration = time.Since(start)
	res.n = len(res.lat)
	tr.CloseIdleConnections()
	return res
}

func pct(l []time.Duration, p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[min(len(l)-1, int(float64(len(l))*p))]
}

func main() {
	clients := flag.Int("c", 50, "concurrent clients")
	dur := flag.Duration("d", 30*time.Second, "duration per URL")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: webload [-c 50] [-d 30s] URL...")
		os.Exit(2)
	}
	fmt.Printf("%-45s %9s %9s %10s %10s %10s %7s\n", "url", "requests", "req/s", "p50", "p99", "max", "errors")
	var results []result
	for _, u := range flag.Args() {
		r := load(context.Background(), u, *clients, *dur)
		slices.Sort(r.lat)
		results = append(results, r)
		fmt.Printf("%-45s %9d %9.0f %10s %10s %10s %7d\n", u, r.n, float64(r.n)/r.duration.Seconds(),
			pct(r.lat, 0.5).Round(time.Microsecond), pct(r.lat, 0.99).Round(time.Microsecond), pct(r.lat, 1).Round(time.Microsecond), r.errs)
	}
	if len(results) == 2 && pct(results[1].lat, 0.99) > 0 {
		fmt.Printf("p99 ratio (first / second): %.2f\n", float64(pct(results[0].lat, 0.99))/float64(pct(results[1].lat, 0.99)))
	}
	for _, r := range results {
		if r.errs > 0 {
			os.Exit(1)
		}
	}
}
