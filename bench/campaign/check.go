package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Check is what the register holds of the writers' acknowledged writes.
type Check struct {
	Acked  int // acknowledged writes
	Events int // their events
	// Lost: acknowledged writes not in the register as answered (an event
	// missing, or not the one written, at a sequence number the answer gave).
	Lost int
	// Extra: events entered by the writers that no acknowledged write
	// accounts for: duplicates of a retried write, or writes committed and
	// never acknowledged.
	Extra    int
	Samples  []string // a few of the faults, for the report
	VerifyOK bool
	Verify   string // what habeas verify said
}

// OK reports whether nothing was lost, nothing duplicated and verify (the
// hash chain, projections, audit chain and every event's audit entry) is
// clean.
func (c *Check) OK() bool { return c.Lost == 0 && c.Extra == 0 && c.VerifyOK }

type exported struct {
	Seq        int64           `json:"seq"`
	Kind       string          `json:"kind"`
	Person     string          `json:"person"`
	Facility   string          `json:"facility"`
	RecordedBy string          `json:"recorded_by"`
	Data       json.RawMessage `json:"data"`
}

// marker is the text a follow-up event carries in the field its kind has
// for it.
func (e *exported) marker() string {
	var d struct{ Purpose, Detail, Reason, Note string }
	json.Unmarshal(e.Data, &d)
	switch e.Kind {
	case "hearing":
		return d.Purpose
	case "health":
		return d.Detail
	case "transfer":
		return d.Reason
	case "release":
		return d.Note
	}
	return ""
}

// CheckRegister exports the whole ledger and matches it with the writers'
// acknowledged writes, then runs habeas verify.
func CheckRegister(ctx context.Context, h *Habeas, writers []*Writer) (*Check, error) {
	out, _, err := h.Run(ctx, "export", "events")
	if err != nil {
		return nil, err
	}
	bySeq := map[int64]*exported{}
	users := map[string]bool{}
	for _, w := range writers {
		users[w.Account.User] = true
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 2<<20)
	line := 0
	for sc.Scan() {
		line++
		if !bytes.Contains(sc.Bytes(), []byte(`"recorded_by":"cw-`)) {
			continue // not a writer's: the demo, the readers' nothing
		}
		e := &exported{}
		if err := json.Unmarshal(sc.Bytes(), e); err != nil {
			return nil, fmt.Errorf("export line %d: %w", line, err)
		}
		if users[e.RecordedBy] {
			bySeq[e.Seq] = e
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the export: %w", err)
	}
	c := &Check{}
	matched := map[int64]bool{}
	for _, w := range writers {
		for _, op := range w.ops() {
			if !op.Acked() {
				continue
			}
			c.Acked++
			c.Events += len(op.Seqs)
			lost := ""
			for i, seq := range op.Seqs {
				e, ok := bySeq[seq]
				switch {
				case !ok:
					lost = fmt.Sprintf("event %d is not there", seq)
				case e.Kind != op.Kinds[i] || e.Person != op.Person || e.RecordedBy != w.Account.User ||
					(op.Marker != "" && e.marker() != op.Marker):
					lost = fmt.Sprintf("event %d is a %s of %s by %s (%q), not this write's %s", seq, e.Kind, e.Person, e.RecordedBy, e.marker(), op.Kinds[i])
				case matched[seq]:
					lost = fmt.Sprintf("event %d was also acknowledged to another write", seq)
				}
				matched[seq] = true
			}
			if lost != "" {
				c.Lost++
				c.sample("lost: write %s (%s of %s): %s", op.Key, strings.Join(op.Kinds, "+"), op.Person, lost)
			}
		}
	}
	for seq, e := range bySeq {
		if !matched[seq] {
			c.Extra++
			c.sample("extra: event %d, a %s of %s by %s (%q), answers no acknowledged write", seq, e.Kind, e.Person, e.RecordedBy, e.marker())
		}
	}
	vout, verr, err := h.Run(ctx, "verify")
	c.Verify = strings.TrimSpace(vout + verr)
	c.VerifyOK = err == nil && strings.Contains(vout, "hash chain: ok") && strings.Contains(vout, "projections: ok") &&
		strings.Contains(vout, "events audited: ok")
	if err != nil {
		c.Verify = err.Error()
	}
	return c, nil
}

func (c *Check) sample(format string, args ...any) {
	if len(c.Samples) < 10 {
		c.Samples = append(c.Samples, fmt.Sprintf(format, args...))
	}
}
