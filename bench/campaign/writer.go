package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Op is one write: a POST to /api/v1/events with its own Idempotency-Key,
// sent again with the same key and body until it gets an answer.
type Op struct {
	Key    string
	Person string
	Kinds  []string // of its events, in order
	Marker string   // the text its follow-up event carries, to find it; "" for an admission
	Body   []byte
	Round  int

	Started  time.Time // of the first attempt
	NoAnswer int       // attempts that got no answer (connection refused or cut, timeout)
	Got5xx   int       // attempts answered with a server error, retried too
	Status   int       // the answer that ended it; 0 when none came
	Answer   string    // its body, when it was not 201
	Seqs     []int64   // the events it wrote, when 201
	Latency  time.Duration
}

// Acked reports whether the server acknowledged the write.
func (o *Op) Acked() bool { return o.Status == http.StatusCreated }

// Writer is a registrar writing through the API: it registers and admits
// new people into its home prison and records hearings, health facts,
// transfers and releases of the people it admitted, one write at a time.
type Writer struct {
	ID      int
	Account *Account
	Home    string
	Away    string // where its transfers go: another prison
	tag     string // makes person ids and keys unique to a campaign
	rnd     *rand.Rand
	n       int
	pool    []string // people it admitted, still held in Home

	mu  sync.Mutex
	Ops []*Op
}

// NewWriter is writer i of a campaign tagged tag, writing as a, a
// registrar of one prison.
func NewWriter(i int, a *Account, tag string, seed uint64) *Writer {
	home := slices.Index(prisons, a.Facilities[0])
	return &Writer{ID: i, Account: a, Home: prisons[home], Away: prisons[(home+1)%len(prisons)], tag: tag,
		rnd: rand.New(rand.NewPCG(seed, uint64(i)))}
}

type event struct {
	Kind     string `json:"kind"`
	Date     string `json:"date"`
	Person   string `json:"person"`
	Facility string `json:"facility,omitempty"`
	Data     any    `json:"data"`
}

// writeDay is the date of the campaigns' writes: a few days after the
// demo register's last entry, as a live register's writes follow its last
// month-end. Dated today, six years after the demo's last entry, they made
// a register no one keeps: a public month-end (the one before today) that
// holds a handful of people, whose figures disclosure control rightly
// refuses to publish. Dated on the demo's last day, every write changed the
// month-end the public side shows.
var writeDay = time.Date(2021, 1, 5, 12, 0, 0, 0, time.UTC)

// next is the writer's next write, dated day.
func (w *Writer) next(day time.Time, round int) *Op {
	w.n++
	key := fmt.Sprintf("%s-w%02d-%05d", w.tag, w.ID, w.n)
	date := day.Format("2006-01-02")
	op := &Op{Key: key, Round: round}
	var evs []event
	if len(w.pool) == 0 || w.rnd.IntN(10) < 4 {
		p := fmt.Sprintf("%s-%02d-%05d", w.tag, w.ID, w.n)
		sex := []string{"M", "F"}[w.rnd.IntN(2)]
		dob := time.Date(1960+w.rnd.IntN(45), time.Month(1+w.rnd.IntN(12)), 1+w.rnd.IntN(28), 0, 0, 0, 0, time.UTC)
		evs = []event{
			{Kind: "person", Date: date, Person: p, Data: map[string]any{"name": "Campaign Person " + p, "sex": sex,
				"dob": dob.Format("2006-01-02"), "dob_basis": "declared", "nationality": "KH"}},
			{Kind: "admission", Date: date, Person: p, Facility: w.Home, Data: map[string]any{"status": "pretrial",
				"order": map[string]any{"kind": "detention_order", "authority": "Investigating judge", "reference": "DO-" + p,
					"issued": date, "expires": day.AddDate(0, 4, 0).Format("2006-01-02")},
				"case": map[string]any{"id": "C-" + p, "court": "Phnom Penh Municipal Court", "procedure": "ordinary",
					"charges": []map[string]any{{"offence": "theft", "class": "misdemeanour", "min_months": 6, "max_months": 36}}}}},
		}
		op.Person = p
	} else {
		i := w.rnd.IntN(len(w.pool))
		p := w.pool[i]
		op.Person, op.Marker = p, "campaign "+key
		ev := event{Date: date, Person: p, Facility: w.Home}
		switch r := w.rnd.IntN(20); {
		case r < 9:
			ev.Kind, ev.Data = "hearing", map[string]any{"court": "Phnom Penh Municipal Court", "purpose": op.Marker}
		case r < 14:
			fact := []string{"chronic_illness", "covid_positive", "disability"}[w.rnd.IntN(3)]
			ev.Kind, ev.Data = "health", map[string]any{"fact": fact, "detail": op.Marker}
		case r < 17:
			ev.Kind, ev.Data = "release", map[string]any{"mechanism": "judicial_supervision", "note": op.Marker}
		default:
			ev.Kind, ev.Data = "transfer", map[string]any{"to": w.Away, "reason": op.Marker}
		}
		evs = []event{ev}
	}
	for _, e := range evs {
		op.Kinds = append(op.Kinds, e.Kind)
	}
	body, err := json.Marshal(map[string]any{"events": evs})
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	op.Body = body
	return op
}

// settle updates what the writer knows after an answer: an admitted person
// joins its pool; one released or transferred away, or whose write was
// refused, leaves it.
func (w *Writer) settle(op *Op) {
	leaves := !op.Acked()
	if op.Acked() && op.Marker == "" {
		w.pool = append(w.pool, op.Person)
		return
	}
	if op.Acked() && (op.Kinds[0] == "release" || op.Kinds[0] == "transfer") {
		leaves = true
	}
	if leaves {
		for i, p := range w.pool {
			if p == op.Person {
				w.pool = append(w.pool[:i], w.pool[i+1:]...)
				break
			}
		}
	}
}

// Run writes until stop is done, then finishes the write under way. A
// write without an answer is sent again, same key and body, until it gets
// one or hard is done. onAck is called with each acknowledged write.
func (w *Writer) Run(stop, hard context.Context, cl *http.Client, base string, day time.Time, round int, onAck func(*Op)) {
	for stop.Err() == nil {
		op := w.next(day, round)
		w.mu.Lock()
		w.Ops = append(w.Ops, op)
		w.mu.Unlock()
		w.send(hard, cl, base, op)
		w.settle(op)
		if op.Acked() && onAck != nil {
			onAck(op)
		}
	}
}

func (w *Writer) send(ctx context.Context, cl *http.Client, base string, op *Op) {
	op.Started = time.Now()
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		status, body, lat, err := w.post(ctx, cl, base, op)
		switch {
		case err != nil:
			op.NoAnswer++
		case status >= 500:
			op.Got5xx++
			op.Answer = body
		default:
			op.Status, op.Latency = status, lat
			if status != http.StatusCreated {
				op.Answer = body
				return
			}
			var out struct{ Seqs []int64 }
			if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Seqs) != len(op.Kinds) {
				op.Status, op.Answer = -1, "201 with an answer that does not list its events: "+body
			}
			op.Seqs = out.Seqs
			return
		}
		select {
		case <-ctx.Done():
			return // given up: Status 0, counted as unanswered
		case <-time.After(wait):
		}
	}
}

func (w *Writer) post(ctx context.Context, cl *http.Client, base string, op *Op) (int, string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/events", bytes.NewReader(op.Body))
	if err != nil {
		return 0, "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+w.Account.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", op.Key)
	t0 := time.Now()
	resp, err := cl.Do(req)
	if err != nil {
		return 0, "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		// The status came but not the whole answer: not an answer the
		// client can act on.
		return 0, "", 0, errors.Join(errors.New("reading the answer"), err)
	}
	return resp.StatusCode, string(b), time.Since(t0), nil
}

// ops is a copy of the writer's writes so far.
func (w *Writer) ops() []*Op {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*Op(nil), w.Ops...)
}
