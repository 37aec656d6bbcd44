package ledger

import (
	"context"
	"errors"
	"sync"

	"github.com/habeas-kh/habeas/internal/store"
)

// writeJob is a batch for the write goroutine, or (batch nil) a request to
// report once everything sent before it is written.
type writeJob struct {
	b    *store.Batch
	done chan error
}

// startWriter starts the goroutine that owns the transaction's connection
// while batches are in flight. Reads through the transaction call sync first.
func (w *writer) startWriter(ctx context.Context) {
	w.jobs = make(chan writeJob, 4)
	w.wdone = make(chan struct{})
	go func() {
		defer close(w.wdone)
		for j := range w.jobs {
			if j.b != nil && w.werr == nil {
				w.werr = w.ap.Write(ctx, j.b)
			}
			if j.done != nil {
				j.done <- w.werr
			}
		}
	}()
}

// send queues a batch; it reports an earlier write's failure when it knows
// of one.
func (w *writer) send(ctx context.Context, b *store.Batch) error {
	select {
	case w.jobs <- writeJob{b: b}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sync waits until every batch sent so far is written and returns the first
// write error.
func (w *writer) sync() error {
	if w.jobs == nil {
		return w.werr
	}
	done := make(chan error, 1)
	w.jobs <- writeJob{done: done}
	return <-done
}

// stopWriter ends the write goroutine after the batches already sent and
// returns the first write error. It is safe to call more than once.
func (w *writer) stopWriter() error {
	if w.jobs != nil {
		close(w.jobs)
		<-w.wdone
		w.jobs = nil
	}
	return w.werr
}

// ordered runs work on chunks on several goroutines while produce goes on
// making them, and hands the results to consume in the order the chunks were
// made. It stops at the first error of produce or consume.
func ordered[T, R any](workers int, produce func(emit func([]T) error) error, work func([]T) R, consume func(R) error) error {
	type job struct {
		in  []T
		out chan R
	}
	jobs := make(chan *job, workers)
	queue := make(chan *job, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- work(j.in)
			}
		}()
	}
	stop := make(chan struct{})
	perr := make(chan error, 1)
	go func() {
		defer close(queue)
		defer close(jobs)
		perr <- produce(func(in []T) error {
			j := &job{in: in, out: make(chan R, 1)}
			select {
			case queue <- j:
			case <-stop:
				return errStopped
			}
			jobs <- j
			return nil
		})
	}()
	var cerr error
	for j := range queue {
		r := <-j.out
		if cerr == nil {
			if cerr = consume(r); cerr != nil {
				close(stop)
			}
		}
	}
	wg.Wait()
	if err := <-perr; err != nil && err != errStopped {
		return err
	}
	return cerr
}

var errStopped = errors.New("stopped")
