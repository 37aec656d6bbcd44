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
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	line := 0
	next := func() ([]byte, int, error) {
		for sc.Scan() {
			line++
			b := sc.Bytes()
			if line == 1 {
				// Spreadsheet tools often start UTF-8 files with a byte-order mark.
				b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
			}
			if len(trimSpace(b)) == 0 {
				continue
			}
			return append([]byte(nil), b...), line, nil
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, line + 1, &EventError{File: file, Line: line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLine)}
			}
			return nil, line, fmt.Errorf("reading %s: %w", file, err)
		}
		return nil, 0, io.EOF
	}
	return s.importStream(ctx, file, actor, false, func() (*domain.Event, int, error) {
		b, ln, err := next()
		if err != nil {
			return nil, ln, err
		}
		ev, err := domain.DecodeEvent(b)
		if err != nil {
			return nil, ln, asEventError(file, ln, err)
		}
		return ev, ln, nil
	})
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Load appends events produced in-process (the demo generator), with the
// same validation and atomicity as Import.
func (s *Service) Load(ctx context.Context, actor Actor, gen func(emit func(*domain.Event) error) error) (ImportResult, error) {
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
	res, err := s.importStream(ctx, "", actor, true, func() (*domain.Event, int, error) {
		ev, ok := <-ch
		if !ok {
			if err := <-errc; err != nil {
				return nil, n, err
			}
			return nil, 0, io.EOF
		}
		n++
		return ev, n, nil
	})
	cancel()
	for range ch {
	}
	return res, err
}

// importStream validates and appends a stream of events in one transaction.
// Validation and chaining stay in order on one goroutine; encoding the
// canonical bodies, the costly part, is spread over the cores.
func (s *Service) importStream(ctx context.Context, file string, actor Actor, trusted bool, next func() (*domain.Event, int, error)) (ImportResult, error) {
	w, err := s.begin(ctx, actor, file)
	if err != nil {
		return ImportResult{}, err
	}
	w.trusted = trusted
	defer w.rollback()
	const chunk = 4096
	workers := max(1, runtime.GOMAXPROCS(0))
	items := make([]item, 0, chunk)
	for eof := false; !eof; {
		if err := ctx.Err(); err != nil {
			return ImportResult{}, fmt.Errorf("import interrupted, nothing was written: %w", err)
		}
		items = items[:0]
		for len(items) < chunk {
			ev, ln, err := next()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return ImportResult{}, err
			}
			items = append(items, item{ev: ev, line: ln})
		}
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
		start := 0
		for i := range items {
			it := &items[i]
			if it.ev.Kind == domain.KCorrection {
				// A correction refolds the person from the stored ledger: chain
				// what comes before it first.
				if err := w.encodeAndChain(items[start:i], workers); err != nil {
					return ImportResult{}, err
				}
				start = i
			}
			if err := w.prepare(it.ev, w.head.Seq+int64(i-start)+1); err != nil {
				return ImportResult{}, asEventError(file, it.line, err)
			}
			if err := w.apply(ctx, it.ev); err != nil {
				return ImportResult{}, asEventError(file, it.line, err)
			}
			if it.ev.Kind == domain.KCorrection {
				if err := w.encodeAndChain(items[i:i+1], 1); err != nil {
					return ImportResult{}, err
				}
				start = i + 1
			}
		}
		if err := w.encodeAndChain(items[start:], workers); err != nil {
			return ImportResult{}, err
		}
		if err := w.maybeFlush(ctx); err != nil {
			return ImportResult{}, err
		}
	}
	persons := 0
	for _, f := range w.files {
		if f.Registered {
			persons++
		}
	}
	if err := w.commit(ctx); err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Events: w.count, Persons: persons, Head: w.head}, nil
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
	var wg sync.WaitGroup
	per := (len(items) + workers - 1) / workers
	for lo := 0; lo < len(items); lo += per {
		part := items[lo:min(lo+per, len(items))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range part {
				part[i].body, part[i].err = domain.Body(part[i].ev)
			}
		}()
	}
	wg.Wait()
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
