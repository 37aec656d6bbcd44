// Package bundle carries what a monitor records offline to their
// organisation's server (issue 20): a laptop runs habeas on its own SQLite
// register, started from the estate, and `habeas export bundle` writes the
// events recorded there since a sequence number, signed with an Ed25519 key;
// `habeas import bundle` on the server accepts a bundle signed by a key
// registered for the organisation (habeas org key add), refuses one changed
// after it was signed, and recognises events already imported by the hash
// they had on the laptop, so that a bundle imported twice adds nothing.
//
// A bundle is one JSON document: {"bundle": {...}, "signature": "..."}.
// The signature is over the exact bytes of the "bundle" member, as written:
// a verifier checks them before decoding anything.
package bundle

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/snapshot"
	"github.com/habeas-kh/habeas/internal/store"
)

// Format names the bundle format.
const Format = "habeas-bundle/1"

// Kinds are the events a monitoring organisation brings from a laptop: its
// own records, never the custody register's, which its users do not write.
var Kinds = []domain.Kind{domain.KMarker, domain.KVisit}

// Body is the signed part of a bundle.
type Body struct {
	Format string `json:"format"`
	Org    string `json:"org"`
	KeyID  string `json:"key_id"`
	Since  int64  `json:"since"`
	Head   string `json:"head"` // the laptop's ledger head when the bundle was written
	Made   string `json:"made"` // RFC 3339 UTC
	Events []Item `json:"events"`
}

// Item is one event: its interchange line (with its prev and hash on the
// laptop) and, for restricted records, their wrapped data keys: part 0's in
// RecordKey, the further parts' (a visit's second interview on) in
// MoreKeys, in part order.
type Item struct {
	Line      json.RawMessage `json:"line"`
	RecordKey []byte          `json:"record_key,omitempty"`
	MoreKeys  [][]byte        `json:"more_record_keys,omitempty"`
}

type file struct {
	Bundle    json.RawMessage `json:"bundle"`
	Signature string          `json:"signature"`
}

// Source is what Export reads: the laptop's register.
type Source interface {
	Head(ctx context.Context) (store.Head, error)
	Events(ctx context.Context, from int64, fn func(store.StoredEvent) error) error
	EventRecordKeys(ctx context.Context, seq int64) ([]store.RecordKey, error)
}

// Export writes the bundle of the events with seq >= since, for org, signed
// with priv. Events of kinds a monitoring organisation does not bring are
// refused, naming the first.
func Export(ctx context.Context, src Source, org string, since int64, priv ed25519.PrivateKey, now time.Time) ([]byte, int, error) {
	if since < 1 {
		return nil, 0, domain.Invalid("since", "must be a sequence number from 1: the first event recorded on this laptop (the estate it started from comes before)")
	}
	head, err := src.Head(ctx)
	if err != nil {
		return nil, 0, err
	}
	body := Body{Format: Format, Org: org, KeyID: snapshot.KeyID(priv.Public().(ed25519.PublicKey)), Since: since, Head: head.Hash,
		Made: now.UTC().Format(time.RFC3339), Events: []Item{}}
	err = src.Events(ctx, since, func(e store.StoredEvent) error {
		if !slices.Contains(Kinds, e.Kind) {
			return domain.Invalid("since", "event %d is a %s, which a monitoring organisation does not bring in a bundle: start --since after the estate and anything else not recorded here", e.Seq, e.Kind)
		}
		it := Item{Line: json.RawMessage(domain.Line(e.Body, e.Prev, e.Hash))}
		ks, err := src.EventRecordKeys(ctx, e.Seq)
		if err != nil {
			return err
		}
		for i, k := range ks {
			if k.Wrapped == nil {
				return fmt.Errorf("event %d: the data key of its record %d was destroyed here: it cannot be brought", e.Seq, k.Part)
			}
			if k.Part != i {
				return fmt.Errorf("event %d: its record %d has no key here", e.Seq, i)
			}
			if i == 0 {
				it.RecordKey = k.Wrapped
			} else {
				it.MoreKeys = append(it.MoreKeys, k.Wrapped)
			}
		}
		body.Events = append(body.Events, it)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, 0, fmt.Errorf("encoding the bundle: %w", err)
	}
	// Not indented: the signed member must stay the bytes signed.
	out, err := json.Marshal(file{Bundle: raw, Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, raw))})
	if err != nil {
		return nil, 0, fmt.Errorf("encoding the bundle: %w", err)
	}
	return append(out, '\n'), len(body.Events), nil
}

// Keys is what Open reads on the server: the organisations and their
// registered keys.
type Keys interface {
	Org(ctx context.Context, id string) (store.Org, bool, error)
	OrgKeys(ctx context.Context, org string) ([]store.OrgKey, error)
}

// Error is a refused bundle: the file and what is wrong.
type Error struct {
	File string
	Msg  string
}

func (e *Error) Error() string { return e.File + ": " + e.Msg }

// Opened is a bundle whose signature was checked: its body and its events
// decoded, each with its hash on the laptop.
type Opened struct {
	Body   Body
	Events []*domain.Event
	Hashes []string
}

// Open checks a bundle read from name: that its organisation exists, that
// its key is registered for it, that the signature holds over the bytes as
// they are, and that its events form a chain whose hashes match their
// content. Nothing is written.
func Open(ctx context.Context, keys Keys, name string, data []byte) (*Opened, error) {
	fail := func(format string, args ...any) error { return &Error{File: name, Msg: fmt.Sprintf(format, args...)} }
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || len(f.Bundle) == 0 || f.Signature == "" {
		return nil, fail("not a habeas bundle (a JSON object with bundle and signature): %v", err)
	}
	// Only what the key and the organisation are is read before the
	// signature is checked: they say which key checks it.
	var who struct {
		Format string `json:"format"`
		Org    string `json:"org"`
		KeyID  string `json:"key_id"`
	}
	if err := json.Unmarshal(f.Bundle, &who); err != nil {
		return nil, fail("the bundle does not decode: %v", err)
	}
	if who.Format != Format {
		return nil, fail("format %q, expected %q", who.Format, Format)
	}
	o, ok, err := keys.Org(ctx, who.Org)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fail("organisation %q is not known here (habeas org list)", who.Org)
	}
	ks, err := keys.OrgKeys(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(ks, func(k store.OrgKey) bool { return k.KeyID == who.KeyID })
	if i < 0 {
		return nil, fail("signed by key %s, which is not registered for %s: an administrator registers the laptop's public key with habeas org key add %s FILE", who.KeyID, o.ID, o.ID)
	}
	pub, err := snapshot.ParsePublicKeyPEM([]byte(ks[i].PubKey))
	if err != nil {
		return nil, fmt.Errorf("the registered key %s of %s: %w", who.KeyID, o.ID, err)
	}
	sig, err := base64.StdEncoding.DecodeString(f.Signature)
	if err != nil || !ed25519.Verify(pub, f.Bundle, sig) {
		return nil, fail("the signature does not match: the bundle was changed after key %s signed it, or was not signed by it", who.KeyID)
	}
	var b Body
	bd := json.NewDecoder(bytes.NewReader(f.Bundle))
	bd.DisallowUnknownFields()
	if err := bd.Decode(&b); err != nil {
		return nil, fail("the bundle does not decode: %v", err)
	}
	op := &Opened{Body: b}
	prev := ""
	for i, it := range b.Events {
		at := func(format string, args ...any) error {
			return fail("event %d of the bundle: %s", i+1, fmt.Sprintf(format, args...))
		}
		ev, err := domain.DecodeEvent(it.Line)
		if err != nil {
			return nil, at("%v", err)
		}
		if !slices.Contains(Kinds, ev.Kind) {
			return nil, at("a %s, which a monitoring organisation does not bring", ev.Kind)
		}
		body, err := domain.Body(ev)
		if err != nil {
			return nil, at("%v", err)
		}
		if ev.Hash == "" || domain.ChainHash(ev.Prev, body) != ev.Hash {
			return nil, at("its hash does not match its content")
		}
		if prev != "" && ev.Prev != prev {
			return nil, at("it does not follow the event before it in the laptop's ledger")
		}
		prev = ev.Hash
		var keys [][]byte
		if it.RecordKey != nil {
			keys = append([][]byte{it.RecordKey}, it.MoreKeys...)
		}
		var recs []*domain.Sealed
		if sp, ok := ev.Data.(domain.SealedPayload); ok {
			recs = sp.SealedRecords()
		}
		if len(keys) != len(recs) {
			return nil, at("it carries %d restricted record(s) and comes with %d data key(s)", len(recs), len(keys))
		}
		for p, r := range recs {
			if r.Org != o.ID {
				return nil, at("its restricted record is sealed for %s, not for %s, whose key signed the bundle", r.Org, o.ID)
			}
			if len(keys[p]) == 0 {
				return nil, at("its restricted record %d comes without its data key", p)
			}
			r.Wrapped = keys[p]
		}
		op.Events = append(op.Events, ev)
		op.Hashes = append(op.Hashes, ev.Hash)
	}
	return op, nil
}

// Target is what Import reads on the server.
type Target interface {
	Keys
	Origins(ctx context.Context, hashes []string) (map[string]int64, error)
}

// Result says what an import did.
type Result struct {
	Org, KeyID string
	Events     int     // in the bundle
	Already    int     // imported before (recognised by their hashes on the laptop)
	Seqs       []int64 // the sequence numbers the new events got here
}

// Import checks a bundle (Open) and appends the events not imported
// before, in one transaction, as actor. A refused bundle writes nothing.
func Import(ctx context.Context, st Target, led *ledger.Service, actor ledger.Actor, name string, data []byte) (*Result, error) {
	op, err := Open(ctx, st, name, data)
	if err != nil {
		return nil, err
	}
	res := &Result{Org: op.Body.Org, KeyID: op.Body.KeyID, Events: len(op.Events)}
	done, err := st.Origins(ctx, op.Hashes)
	if err != nil {
		return nil, err
	}
	var todo []ledger.Brought
	for i, ev := range op.Events {
		if _, ok := done[op.Hashes[i]]; ok {
			res.Already++
			continue
		}
		todo = append(todo, ledger.Brought{Event: ev, Origin: op.Hashes[i]})
	}
	if len(todo) == 0 {
		return res, nil
	}
	seqs, err := led.ImportBundle(ctx, actor, op.Body.Org, op.Body.KeyID, name, todo)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	res.Seqs = seqs
	return res, nil
}
