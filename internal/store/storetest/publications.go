package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// testPublications: a store that keeps published reports
// (store.PublicationStore; one that keeps none has nothing to check here)
// numbers them 1, 2, … in the order they are written, lists them newest
// first without their files, gives every file back byte for byte (an empty
// file and bytes that are not text included), lists their names sorted
// bytewise, and keeps nothing of a rolled-back transaction.
func testPublications(t *testing.T, s store.Store) {
	ps, ok := s.(store.PublicationStore)
	if !ok {
		return
	}
	ctx := t.Context()
	if got, err := ps.Publications(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Publications of an empty store: %v, %v", got, err)
	}
	at := time.Date(2021, 1, 5, 10, 0, 0, 0, time.UTC)
	files := map[string][]byte{
		"index.html": []byte("<p>report</p>"), "data/report.json": []byte(`{"as_of":"2020-11-30"}`),
		"manifest.sig": {0, 1, 2, 255, 254}, "empty.txt": {}, "data/national.csv": []byte("a,b\n"),
	}
	put := func(p store.Publication, commit bool) int64 {
		t.Helper()
		a := beginAppend(t, s)
		pa, ok := a.(store.PublicationAppender)
		if !ok {
			t.Fatal("the Appender of a PublicationStore is no PublicationAppender")
		}
		id, err := pa.PutPublication(ctx, p)
		fatalIf(t, err, "PutPublication")
		if commit {
			fatalIf(t, a.Commit(ctx), "Commit")
		} else {
			fatalIf(t, a.Rollback(ctx), "Rollback")
		}
		return id
	}
	first := store.Publication{AsOf: domain.MustDate("2020-11-30"), From: domain.MustDate("2019-12-01"), LedgerHead: "aa", KeyID: "k1",
		PubKey: "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n", CheckpointSize: 120, Created: at, By: "publisher", Files: files}
	if id := put(first, true); id != 1 {
		t.Errorf("the first publication is number %d", id)
	}
	second := first
	second.AsOf, second.CheckpointSize, second.Files = domain.MustDate("2020-12-31"), 130, map[string][]byte{"index.html": []byte("dec")}
	put(second, false) // rolled back: nothing kept, its number free
	if id := put(second, true); id != 2 {
		t.Errorf("the second publication, after a rollback, is number %d", id)
	}
	got, err := ps.Publications(ctx)
	fatalIf(t, err, "Publications")
	if len(got) != 2 || got[0].ID != 2 || got[1].ID != 1 {
		t.Fatalf("Publications: %+v, want 2 then 1", got)
	}
	p := got[1]
	if p.AsOf != first.AsOf || p.From != first.From || p.LedgerHead != "aa" || p.KeyID != "k1" || p.PubKey != first.PubKey ||
		p.CheckpointSize != 120 || !p.Created.Equal(at) || p.By != "publisher" || p.Files != nil {
		t.Errorf("publication 1 as read: %+v", p)
	}
	for name, want := range files {
		b, ok, err := ps.PublicationFile(ctx, 1, name)
		if err != nil || !ok || !bytes.Equal(b, want) || b == nil {
			t.Errorf("file %s of publication 1: %v %v %v, want %v", name, b, ok, err, want)
		}
	}
	for _, miss := range []struct {
		id   int64
		name string
	}{{1, "nothing"}, {3, "index.html"}, {2, "data/report.json"}} {
		if _, ok, err := ps.PublicationFile(ctx, miss.id, miss.name); ok || err != nil {
			t.Errorf("file %s of publication %d: found %v, %v", miss.name, miss.id, ok, err)
		}
	}
	names, err := ps.PublicationFileNames(ctx, 1)
	fatalIf(t, err, "PublicationFileNames")
	want := []string{"data/national.csv", "data/report.json", "empty.txt", "index.html", "manifest.sig"}
	if !slices.Equal(names, want) {
		t.Errorf("the files of publication 1: %v, want %v", names, want)
	}
	if names, err := ps.PublicationFileNames(ctx, 9); err != nil || len(names) != 0 {
		t.Errorf("the files of no publication: %v, %v", names, err)
	}
}
