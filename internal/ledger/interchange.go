package ledger

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// ImportResult says what an import did.
type ImportResult struct {
	Events  int
	Persons int
	Head    store.Head
}

// maxLine bounds one interchange line; an event is a few hundred bytes.
const maxLine = 1 << 20

// Import reads JSON Lines (docs/interchange.md) and appends every event, or
// none: the first bad line aborts the whole file with an error naming the
// line and field.
func (s *Service) Import(ctx context.Context, r io.Reader, file string, actor Actor) (ImportResult, error) {
	return s.ImportWith(ctx, r, file, actor, LoadOptions{})
}

// ImportWith is Import with options (DryRun and Restore are heeded).
func (s *Service) ImportWith(ctx context.Context, r io.Reader, file string, actor Actor, opt LoadOptions) (ImportResult, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	line := 0
	workers := max(1, runtime.GOMAXPROCS(0))
	// Lines are read and decoded a chunk ahead of validation, the decoding
	// spread over the cores.
	return s.importStream(ctx, file, actor, false, opt, func() ([]item, error) {
		items := make([]item, 0, chunkSize)
		var raw [][]byte
		for len(items) < chunkSize && sc.Scan() {
			line++
			b := sc.Bytes()
			if line == 1 {
				// Spreadsheet tools often start UTF-8 files with a byte-order mark.
				b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
			}
			if len(bytes.TrimSpace(b)) == 0 {
				continue
			}
			raw = append(raw, append([]byte(nil), b...))
			items = append(items, item{line: line})
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, &EventError{File: file, Line: line + 1, Err: domain.Invalid("line", "longer than %d bytes", maxLine)}
			}
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		if len(items) == 0 {
			return nil, io.EOF
		}
		parallel(len(items), workers, func(i int) {
			items[i].ev, items[i].err = domain.DecodeEvent(raw[i])
		})
		for _, it := range items {
			if it.err != nil {
				return nil, asEventError(file, it.line, it.err)
			}
		}
		return items, nil
	})
}

// parallel calls fn(i) for i in [0, n) on up to workers goroutines.
func parallel(n, workers int, fn func(i int)) {
	if n == 0 {
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Load appends events produced in-process (the demo generator, a
// spreadsheet import), with the same validation and atomicity as Import. The
// n-th event emitted is "event n" in errors.
func (s *Service) Load(ctx context.Context, actor Actor, gen func(emit func(*domain.Event) error) error) (ImportResult, error) {
	return s.LoadWith(ctx, actor, LoadOptions{}, gen)
}

// DryRun checks events as Load would, against the register as it stands,
// and then writes nothing.
func (s *Service) DryRun(ctx context.Context, actor Actor, gen func(emit func(*domain.Event) error) error) (ImportResult, error) {
	return s.LoadWith(ctx, actor, LoadOptions{DryRun: true}, gen)
}

// LoadOptions tune Load for a caller that knows more than the ledger.
type LoadOptions struct {
	// DryRun checks everything and writes nothing.
	DryRun bool
	// Stored, when set, says whether a person may have events in the ledger
	// before this load. The persons it says have none are taken as new: their
	// files start empty without a read, and their projection rows are
	// inserted, not replaced. A caller that has just compared its rows with
	// the register knows this for every person, and saves the ledger a
	// lookup per person. It is called from the loading goroutine, after the
	// person's first event was emitted. Were it wrong, the insert of the
	// person's projection would fail on the duplicate and nothing be written.
	Stored func(person string) bool
	// Refused, when set, is asked about each event the register refuses as
	// invalid input (line is its place in the stream, err the refusal, a
	// *domain.Error naming the field). Returning true leaves the event out
	// and goes on, as if it had never been emitted: the register, the
	// person's file included, stays as it was before it. Later events that
	// depended on it (of the same person, most often) are then checked
	// without it and, refused in turn, reported the same way. Returning false
	// aborts the load with the refusal, as when Refused is nil. Failures of
	// the database, or of an event's place in the hash chain, are never
	// offered. It is called from the loading goroutine.
	Refused func(line int, err error) bool
	// Restore, when set, makes the load a restore from a backup into an
	// empty register: the events are the backup's ledger, whose audit
	// entries the backup holds, so the load writes no entry of its own;
	// Restore is called instead, before the commit and in the load's
	// transaction (ap, with the ledger head head), to write the audit chain
	// and the rest of what the backup kept. An error from it rolls
	// everything back.
	Restore func(ctx context.Context, ap store.Appender, head store.Head) error
}

// LoadWith is Load (or DryRun) with options.
func (s *Service) LoadWith(ctx context.Context, actor Actor, opt LoadOptions, gen func(emit func(*domain.Event) error) error) (ImportResult, error) {
	return s.load(ctx, actor, opt, gen)
}

func (s *Service) load(ctx context.Context, actor Actor, opt LoadOptions, gen func(emit func(*domain.Event) error) error) (ImportResult, error) {
	ch := make(chan *domain.Event, 4096)
	errc := make(chan error, 1)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(ch)
		errc <- gen(func(ev *domain.Event) error {
			select {
			case ch <- ev:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	}()
	n := 0
	res, err := s.importStream(ctx, "", actor, true, opt, func() ([]item, error) {
		items := make([]item, 0, chunkSize)
		for len(items) < chunkSize {
			ev, ok := <-ch
			if !ok {
				if err := <-errc; err != nil {
					return nil, err
				}
				errc <- nil
				break
			}
			n++
			items = append(items, item{ev: ev, line: n})
		}
		if len(items) == 0 {
			return nil, io.EOF
		}
		return items, nil
	})
	cancel()
	for range ch {
	}
	return res, err
}

const chunkSize = 4096

// importStream validates and appends a stream of events in one transaction.
// Chunks are produced (read, decoded) one ahead on another goroutine;
// validation and chaining stay in order on this one; encoding the canonical
// bodies is spread over the cores; the database writes on a goroutine of its
// own.
// With dry set, the transaction is rolled back instead of committed.
func (s *Service) importStream(ctx context.Context, file string, actor Actor, trusted bool, opt LoadOptions, nextChunk func() ([]item, error)) (ImportResult, error) {
	w, err := s.begin(ctx, actor, file)
	if err != nil {
		return ImportResult{}, err
	}
	defer w.rollback(ctx)
	w.trusted = trusted
	w.maybeStored = opt.Stored
	w.refused = opt.Refused
	w.restore = opt.Restore
	workers := max(1, runtime.GOMAXPROCS(0))
	type chunk struct {
		items []item
		err   error
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	chunks := make(chan chunk, 1)
	go func() {
		defer close(chunks)
		for {
			items, err := nextChunk()
			select {
			case chunks <- chunk{items, err}:
			case <-pctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		if err := ctx.Err(); err != nil {
			return ImportResult{}, fmt.Errorf("import interrupted, nothing was written: %w", err)
		}
		if c.err == io.EOF {
			break
		}
		if c.err != nil {
			return ImportResult{}, c.err
		}
		items := c.items
		// Persons first seen in this chunk are loaded from the store together.
		ids := make([]string, 0, len(items))
		for _, it := range items {
			if it.ev.Person != "" {
				ids = append(ids, it.ev.Person)
			}
		}
		if err := w.loadFiles(ctx, ids); err != nil {
			return ImportResult{}, err
		}
		// items[:kept] are the events accepted so far (a refused one is
		// dropped from the slice); items[start:kept] are not chained yet.
		start, kept := 0, 0
		for i := range items {
			it := items[i]
			// A correction or a late entry refolds the person from the
			// ledger: what comes before it must be chained and written first.
			refolds := w.refolds(it.ev)
			if refolds {
				if err := w.encodeAndChain(items[start:kept], workers); err != nil {
					return ImportResult{}, err
				}
				start = kept
			}
			err := w.prepare(it.ev, w.head.Seq+int64(kept-start)+1)
			if err == nil {
				w.line = it.line
				err = w.apply(ctx, it.ev)
			}
			if err != nil {
				if w.refuse(it.line, err) {
					continue
				}
				return ImportResult{}, asEventError(file, it.line, err)
			}
			items[kept] = it
			kept++
			if refolds {
				if err := w.encodeAndChain(items[kept-1:kept], 1); err != nil {
					return ImportResult{}, err
				}
				start = kept
			}
		}
		if err := w.encodeAndChain(items[start:kept], workers); err != nil {
			return ImportResult{}, err
		}
		if err := w.maybeFlush(ctx); err != nil {
			return ImportResult{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return ImportResult{}, fmt.Errorf("import interrupted, nothing was written: %w", err)
	}
	if err := w.settled(); err != nil {
		return ImportResult{}, err
	}
	if opt.DryRun {
		return ImportResult{Events: w.count, Persons: w.personsSeen, Head: w.head}, nil // the deferred rollback discards it
	}
	if err := w.commit(ctx); err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Events: w.count, Persons: w.personsSeen, Head: w.head}, nil
}

type item struct {
	ev   *domain.Event
	line int
	body []byte
	err  error
}

// encodeAndChain encodes the bodies of validated events on several
// goroutines, then chains them in order.
func (w *writer) encodeAndChain(items []item, workers int) error {
	if len(items) == 0 {
		return nil
	}
	parallel(len(items), workers, func(i int) {
		items[i].body, items[i].err = domain.Body(items[i].ev)
	})
	for i := range items {
		it := &items[i]
		if it.err != nil {
			return asEventError(w.file, it.line, it.err)
		}
		if err := w.chain(it.ev, it.body, it.line); err != nil {
			return err
		}
		it.body = nil
	}
	return nil
}

// Export writes the whole ledger as JSON Lines, in sequence order.
func (s *Service) Export(ctx context.Context, out io.Writer) (store.Head, error) {
	bw := bufio.NewWriterSize(out, 1<<20)
	head := store.Head{Hash: domain.GenesisHash}
	err := s.st.Events(ctx, 1, func(e store.StoredEvent) error {
		head = store.Head{Seq: e.Seq, Hash: e.Hash}
		if _, err := bw.Write(domain.Line(e.Body, e.Prev, e.Hash)); err != nil {
			return err
		}
		return bw.WriteByte('\n')
	})
	if err != nil {
		return head, fmt.Errorf("exporting events: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return head, fmt.Errorf("exporting events: %w", err)
	}
	return head, nil
}
