package ledger_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tree"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// events decodes an export.
func decodeExport(t *testing.T, b []byte) []*domain.Event {
	t.Helper()
	var out []*domain.Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		ev, err := domain.DecodeEvent(sc.Bytes())
		if err != nil {
			t.Fatalf("decoding the export: %v", err)
		}
		out = append(out, ev)
	}
	return out
}

// rechain renumbers events and recomputes every hash, as an insider
// rewriting history would: the result passes the chain check.
func rechain(t *testing.T, evs []*domain.Event) []byte {
	t.Helper()
	var out bytes.Buffer
	prev := domain.GenesisHash
	for i, ev := range evs {
		ev.Seq = int64(i + 1)
		body, err := domain.Body(ev)
		if err != nil {
			t.Fatal(err)
		}
		h := domain.ChainHash(prev, body)
		out.Write(domain.Line(body, prev, h))
		out.WriteByte('\n')
		prev = h
	}
	return out.Bytes()
}

func renamed(t *testing.T, evs []*domain.Event, person, name string) {
	t.Helper()
	for _, ev := range evs {
		if d, ok := ev.Data.(*domain.PersonData); ok && ev.Person == person {
			d.Name = name
			return
		}
	}
	t.Fatalf("no person event of %s", person)
}

func mustInvalid(t *testing.T, what string, err error, field string) {
	t.Helper()
	if f, _, _ := domain.FieldOf(err); !errors.Is(err, domain.ErrInvalid) || f != field {
		t.Errorf("%s: %v (field %q), want invalid input in field %q", what, err, f, field)
	}
}

// TestForgeryCaughtByCheckpoint is the attack of issue 18: the register is
// exported, one old name changed, every later hash recomputed and the file
// imported into a fresh database. The forgery passes the chain check; the
// checkpoint published before catches it, and an earlier export names the
// event.
func TestForgeryCaughtByCheckpoint(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		pub, priv := newKey(t)
		_, svc := newService(t, dsn(t))
		importFixture(t, svc)
		cp, err := svc.Checkpoint(ctx, registrar, priv, 0)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size != 15 {
			t.Fatalf("checkpoint of %d events, want the ledger's 15", cp.Size)
		}
		honest := export(t, svc)
		if c, err := svc.VerifyAgainst(ctx, cp.Signed, pub, nil); err != nil || !c.Extends {
			t.Fatalf("the honest ledger against its checkpoint: %+v, %v", c, err)
		}

		evs := decodeExport(t, honest)
		renamed(t, evs, "P1", "Someone Else")
		forged := rechain(t, evs)
		_, fsvc := newService(t, dsn(t))
		if _, err := fsvc.Import(ctx, bytes.NewReader(forged), "forged.jsonl", registrar); err != nil {
			t.Fatalf("importing the forgery: %v", err)
		}
		rep, err := fsvc.Verify(ctx, "")
		if err != nil || !rep.OK() {
			t.Fatalf("the forgery should pass the chain check (that is the attack): %v %+v", err, rep)
		}
		c, err := fsvc.VerifyAgainst(ctx, cp.Signed, pub, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Extends || c.FirstDiff != 0 || !strings.Contains(c.Why, "does not extend") {
			t.Errorf("the forgery against the checkpoint: %+v", c)
		}
		// The person event of P1 is the fourth line of the fixture.
		c, err = fsvc.VerifyAgainst(ctx, cp.Signed, pub, bytes.NewReader(honest))
		if err != nil || c.Extends || c.FirstDiff != 4 {
			t.Errorf("the forgery against the checkpoint and the honest export: %+v, %v; want event 4 named", c, err)
		}
	})
}

// TestRemovedAndReorderedCaught: events removed or reordered in place, every
// hash recomputed, behind habeas's back. The stored tree still holds the
// checkpointed hashes and names the first event that differs; once the
// intruder rebuilds the tree too, the checkpoint still fails.
func TestRemovedAndReorderedCaught(t *testing.T) {
	cases := []struct {
		name  string
		edit  func([]*domain.Event) []*domain.Event
		first int64
	}{
		{"removed", func(evs []*domain.Event) []*domain.Event { return append(evs[:8:8], evs[9:]...) }, 9},
		{"reordered", func(evs []*domain.Event) []*domain.Event {
			evs[9], evs[10] = evs[10], evs[9]
			return evs
		}, 10},
	}
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				pub, priv := newKey(t)
				d := dsn(t)
				db, svc := newService(t, d)
				importFixture(t, svc)
				// A checkpoint of the first 12 events: events written since
				// leave the rewritten ledger longer than it.
				cp, err := svc.Checkpoint(ctx, registrar, priv, 12)
				if err != nil {
					t.Fatal(err)
				}
				lines := bytes.Split(bytes.TrimSpace(rechain(t, tc.edit(decodeExport(t, export(t, svc))))), []byte("\n"))
				raw, exec := rawDB(t, d)
				_ = raw
				exec("DELETE FROM events")
				for _, l := range lines {
					ev, err := domain.DecodeEvent(l)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := domain.Body(ev)
					exec("INSERT INTO events (seq, kind, date, person, facility, body, prev, hash) VALUES (?,?,?,?,?,?,?,?)",
						ev.Seq, string(ev.Kind), int64(ev.Date), ev.Person, ev.Facility, string(body), ev.Prev, ev.Hash)
				}
				c, err := svc.VerifyAgainst(ctx, cp.Signed, pub, nil)
				if err != nil || c.Extends || c.FirstDiff != tc.first {
					t.Errorf("against the checkpoint: %+v, %v; want event %d named", c, err, tc.first)
				}
				// Verify finds the tree disagreeing with the events.
				rep, err := svc.Verify(ctx, "")
				if err != nil || rep.TreeOK {
					t.Errorf("verify after the rewrite: tree ok=%v, %v", rep != nil && rep.TreeOK, err)
				}
				// The intruder rebuilds the tree as well (it is rebuilt at
				// the next opening) and checkpoints the forgery.
				exec("DELETE FROM tree_tiles")
				db.Close()
				db2, err := sqldb.Open(ctx, d, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer db2.Close()
				svc2 := ledger.New(db2)
				if rep, err := svc2.Verify(ctx, ""); err != nil || !rep.TreeOK || !rep.ChainOK {
					t.Fatalf("the rebuilt tree should match the rewritten events: %v %+v", err, rep)
				}
				c, err = svc2.VerifyAgainst(ctx, cp.Signed, pub, nil)
				if err != nil || c.Extends || c.FirstDiff != 0 {
					t.Errorf("against the checkpoint with the tree rebuilt: %+v, %v", c, err)
				}
			})
		}
	})
}

// TestInclusionProofs: the first, a middle and the last event proved in a
// checkpointed tree and checked with the public key alone.
func TestInclusionProofs(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		pub, priv := newKey(t)
		_, svc := newService(t, dsn(t))
		importFixture(t, svc)
		cp, err := svc.Checkpoint(ctx, registrar, priv, 0)
		if err != nil {
			t.Fatal(err)
		}
		hashes := map[int64]string{}
		for _, ev := range decodeExport(t, export(t, svc)) {
			hashes[ev.Seq] = ev.Hash
		}
		for _, seq := range []int64{1, 8, 15} {
			p, err := svc.Prove(ctx, seq, nil)
			if err != nil {
				t.Fatalf("proving %d: %v", seq, err)
			}
			if p.EventHash != hashes[seq] {
				t.Errorf("proof of %d names hash %s, the export %s", seq, p.EventHash, hashes[seq])
			}
			if c, err := tree.CheckInclusion(p, pub); err != nil || c.Size != cp.Size {
				t.Errorf("checking the proof of %d: %v", seq, err)
			}
			// Another event's hash under the same proof fails.
			q := *p
			q.EventHash = hashes[seq%15+1]
			_, err = tree.CheckInclusion(&q, pub)
			mustInvalid(t, "a proof for another event", err, "proof")
		}
		_, err = svc.Prove(ctx, 16, nil)
		mustInvalid(t, "an event after the checkpoint", err, "seq")
		other, _ := newKey(t)
		p, _ := svc.Prove(ctx, 1, nil)
		_, err = tree.CheckInclusion(p, other)
		mustInvalid(t, "a proof checked with another key", err, "key")
	})
}

// TestStoredTilesAreTlogs: the stored tiles are exactly the tiles of the
// tlog tree computed from the exported event hashes by tlog itself.
func TestStoredTilesAreTlogs(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		d := dsn(t)
		db, svc := newService(t, d)
		loadDemo(t, svc, 0, 1)
		var ref plainHashes
		evs := decodeExport(t, export(t, svc))
		for i, ev := range evs {
			b, _ := hex.DecodeString(ev.Hash)
			hs, err := tlog.StoredHashes(int64(i), b, ref)
			if err != nil {
				t.Fatal(err)
			}
			ref = append(ref, hs...)
		}
		n := int64(len(evs))
		if n < 300 {
			t.Fatalf("only %d events: the test wants more than one tile", n)
		}
		want := map[[2]int64][]byte{}
		for _, tl := range tlog.NewTiles(tree.TileHeight, 0, n) {
			want[[2]int64{int64(tl.L), tl.N}], _ = tlog.ReadTileData(tl, ref)
		}
		got := 0
		err := db.Tiles(ctx, func(tl tree.Tile) error {
			got++
			if w := want[[2]int64{int64(tl.Level), tl.N}]; !bytes.Equal(w, tl.Data) {
				t.Errorf("stored tile %d/%d differs from tlog's", tl.Level, tl.N)
			}
			return nil
		})
		if err != nil || got != len(want) {
			t.Errorf("%d stored tiles, tlog has %d (%v)", got, len(want), err)
		}
		// A changed leaf in a stored tile: verify names its event.
		_, exec := rawDB(t, d)
		exec("UPDATE tree_tiles SET data = ? WHERE level = 0 AND n = 1", flipped(want[[2]int64{0, 1}], 5))
		rep, err := svc.Verify(ctx, "")
		if err != nil || rep.TreeOK {
			t.Fatalf("a changed tile went unnoticed: %v", err)
		}
		last := rep.Problems[len(rep.Problems)-1]
		if last.Seq != 256+5+1 {
			t.Errorf("problem %+v, want event %d named", last, 256+5+1)
		}
	})
}

type plainHashes []tlog.Hash

func (p plainHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = p[x]
	}
	return out, nil
}

func flipped(b []byte, leaf int) []byte {
	c := bytes.Clone(b)
	c[leaf*32] ^= 1
	return c
}

// loadDemo loads the demo register's events from (1-based) event from on,
// up to a fraction of them (0 < upTo <= 1).
func loadDemo(t *testing.T, svc *ledger.Service, skip int, upTo float64) int {
	t.Helper()
	ctx := context.Background()
	var all []*domain.Event
	if err := demo.Generate(ctx, demo.Options{Seed: 3, People: 150}, func(ev *domain.Event) error {
		all = append(all, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	end := int(float64(len(all)) * upTo)
	if _, err := svc.Load(ctx, registrar, func(emit func(*domain.Event) error) error {
		for _, ev := range all[skip:end] {
			if err := emit(ev); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("loading the demo events %d to %d: %v", skip, end, err)
	}
	return end
}

// TestWitness: a monitor keeps two checkpoints a month apart and checks the
// newer against the older with the server's hashes-only proof. The honest
// history is accepted; a history rewritten between them, signed with the
// same key, is caught.
func TestWitness(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		pub, priv := newKey(t)
		now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		d := dsn(t)
		db := dbtest.Open(t, d)
		svc := ledger.New(db, ledger.WithClock(func() time.Time { return now }))
		half := loadDemo(t, svc, 0, 0.5)
		older, err := svc.Checkpoint(ctx, registrar, priv, 0)
		if err != nil {
			t.Fatal(err)
		}
		now = now.AddDate(0, 1, 0)
		loadDemo(t, svc, half, 1)
		newer, err := svc.Checkpoint(ctx, registrar, priv, 0)
		if err != nil {
			t.Fatal(err)
		}
		if older.Size >= newer.Size || older.Size != int64(half) {
			t.Fatalf("checkpoints of %d and %d events", older.Size, newer.Size)
		}
		// What the witness holds: two signed texts and the public key.
		o, err1 := tree.Open(older.Signed, pub)
		n, err2 := tree.Open(newer.Signed, pub)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		p, err := svc.ConsistencyProof(ctx, o.Size, n.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.CheckConsistency(o, n, p); err != nil {
			t.Errorf("the honest history: %v", err)
		}
		// Both checkpoints are stored, newest first, with audit entries.
		cs, err := svc.Checkpoints(ctx, 0)
		if err != nil || len(cs) != 2 || cs[0].Size != n.Size || cs[0].Signed != string(newer.Signed) || !cs[1].Created.Equal(now.AddDate(0, -1, 0)) {
			t.Errorf("stored checkpoints: %+v, %v", cs, err)
		}
		var signs int
		if err := db.AuditEntries(ctx, 1, func(a store.AuditEntry) error {
			if a.Action == store.ActCheckpointSign {
				signs++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if signs != 2 {
			t.Errorf("%d checkpoint.sign audit entries, want 2", signs)
		}

		// The insider rewrites an event before the older checkpoint,
		// re-imports, and signs a new checkpoint with the same key.
		evs := decodeExport(t, export(t, svc))
		renamed(t, evs, evs[len(evs)/4].Person, "Nobody")
		_, fsvc := newService(t, dsn(t))
		if _, err := fsvc.Import(ctx, bytes.NewReader(rechain(t, evs)), "forged.jsonl", registrar); err != nil {
			t.Fatal(err)
		}
		forged, err := fsvc.Checkpoint(ctx, registrar, priv, 0)
		if err != nil {
			t.Fatal(err)
		}
		f, err := tree.Open(forged.Signed, pub)
		if err != nil {
			t.Fatal(err)
		}
		fp, err := fsvc.ConsistencyProof(ctx, o.Size, f.Size)
		if err != nil {
			t.Fatal(err)
		}
		mustInvalid(t, "the forged history", tree.CheckConsistency(o, f, fp), "checkpoint")
		// The honest server's proof does not help the forgery either.
		mustInvalid(t, "the forged history with the honest proof", tree.CheckConsistency(o, f, p), "checkpoint")

		// Bad input: a proof between other sizes, checkpoints swapped.
		short, err := svc.ConsistencyProof(ctx, o.Size-1, n.Size)
		if err != nil {
			t.Fatal(err)
		}
		mustInvalid(t, "a proof for another size", tree.CheckConsistency(o, n, short), "proof")
		mustInvalid(t, "checkpoints swapped", tree.CheckConsistency(n, o, p), "checkpoint")
		_, err = svc.ConsistencyProof(ctx, 1, n.Size+1)
		mustInvalid(t, "a proof beyond the ledger", err, "to")
	})
}

// TestCheckpointBadInput: checkpoints of another key, cut short, or larger
// than the ledger are refused naming the field, and a refused checkpoint
// writes nothing.
func TestCheckpointBadInput(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		pub, priv := newKey(t)
		other, otherPriv := newKey(t)
		_ = other
		_, svc := newService(t, dsn(t))
		_, err := svc.Checkpoint(ctx, registrar, priv, 0)
		mustInvalid(t, "a checkpoint of an empty ledger", err, "size")
		importFixture(t, svc)
		_, err = svc.Checkpoint(ctx, registrar, priv, 16)
		mustInvalid(t, "a checkpoint beyond the ledger", err, "size")
		if cs, _ := svc.Checkpoints(ctx, 0); len(cs) != 0 {
			t.Errorf("refused checkpoints were stored: %+v", cs)
		}
		cp, err := svc.Checkpoint(ctx, registrar, priv, 10)
		if err != nil || cp.Size != 10 {
			t.Fatalf("a checkpoint of the first 10 events: %v", err)
		}
		if c, err := svc.VerifyAgainst(ctx, cp.Signed, pub, nil); err != nil || !c.Extends {
			t.Errorf("the ledger of 15 against its checkpoint of 10: %+v, %v", c, err)
		}
		byOther, _ := svc.Checkpoint(ctx, registrar, otherPriv, 0)
		_, err = svc.VerifyAgainst(ctx, byOther.Signed, pub, nil)
		mustInvalid(t, "a checkpoint signed by another key", err, "key")
		_, err = svc.VerifyAgainst(ctx, cp.Signed[:len(cp.Signed)/2], pub, nil)
		mustInvalid(t, "a truncated checkpoint", err, "checkpoint")
		_, err = svc.VerifyAgainst(ctx, []byte("not a checkpoint"), pub, nil)
		mustInvalid(t, "a malformed checkpoint", err, "checkpoint")
		// A checkpoint of 20 events, signed with the right key by someone
		// holding another register.
		root := sha256.Sum256([]byte("x"))
		big, _ := tree.Sign(priv, 20, root)
		_, err = svc.VerifyAgainst(ctx, big.Signed, pub, nil)
		mustInvalid(t, "a checkpoint larger than the ledger", err, "size")
		_, err = svc.Prove(ctx, 3, big.Signed)
		mustInvalid(t, "a proof against a checkpoint larger than the ledger", err, "size")
		wrong, _ := tree.Sign(priv, 12, root)
		_, err = svc.Prove(ctx, 3, wrong.Signed)
		mustInvalid(t, "a proof against a checkpoint of another tree", err, "checkpoint")
	})
}

// TestTreeWithTwoWriters: two processes (two stores on one database) write
// in turn; each begins from its own last tree only when the ledger has not
// grown since, so the tree stays that of the events (verify rebuilds it).
func TestTreeWithTwoWriters(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		d := dsn(t)
		_, one := newService(t, d)
		db2, err := sqldb.Open(ctx, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		two := ledger.New(db2, ledger.WithClock(func() time.Time { return testNow }))
		importFixture(t, one)
		for i, svc := range []*ledger.Service{one, two, one, two, one} {
			if _, err := svc.Record(ctx, registrar, &domain.Event{Kind: domain.KCensus, Date: domain.MustDate("2020-06-30"), Facility: "CC1",
				Data: &domain.CensusData{Category: "total", Count: 10 + i, Source: "visit"}}); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		for _, svc := range []*ledger.Service{one, two} {
			rep, err := svc.Verify(ctx, "")
			if err != nil || !rep.TreeOK || rep.Events != 20 {
				t.Errorf("verify: %v %+v", err, rep)
			}
		}
	})
}
