package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Published reports (issue 17 item 12): habeas report publish records each
// report it seals in the register, files and all, with an audit entry
// naming who published it, so that the public side serves every published
// report at a permanent address and compares today's figures with it.

var errNoPublications = errors.New("this store keeps no published reports")

func (s *Service) publications() (store.PublicationStore, error) {
	ps, ok := s.st.(store.PublicationStore)
	if !ok {
		return nil, errNoPublications
	}
	return ps, nil
}

// RecordPublication stores a published report with its files and its audit
// entry (store.ActReportPublish), in one transaction, and returns its
// number. It checks nothing of the signature: the files are kept as the
// publisher wrote them, and whoever reads them checks them with the key.
func (s *Service) RecordPublication(ctx context.Context, actor Actor, p store.Publication) (int64, error) {
	if _, err := s.publications(); err != nil {
		return 0, err
	}
	switch {
	case p.AsOf == domain.NoDate:
		return 0, domain.Invalid("as_of", "a published report needs its date")
	case p.KeyID == "" || p.PubKey == "":
		return 0, domain.Invalid("key", "a published report needs the public key that checks it")
	case len(p.Files) == 0:
		return 0, domain.Invalid("files", "a published report needs its files")
	}
	ap, err := s.st.BeginAppend(ctx)
	if err != nil {
		return 0, err
	}
	defer ap.Rollback(ctx)
	pa, ok := ap.(store.PublicationAppender)
	if !ok {
		return 0, errNoPublications
	}
	p.Created = s.now().UTC().Truncate(1e9)
	p.By = actor.Name
	id, err := pa.PutPublication(ctx, p)
	if err != nil {
		return 0, err
	}
	detail, err := json.Marshal(map[string]any{"id": id, "as_of": p.AsOf.String(), "ledger_head": p.LedgerHead,
		"checkpoint_size": p.CheckpointSize, "files": len(p.Files)})
	if err != nil {
		return 0, fmt.Errorf("encoding the audit detail: %w", err)
	}
	if _, err := ap.AppendAudit(ctx, store.AuditEntry{At: p.Created, Actor: actor.Name, Via: actor.Via, Action: store.ActReportPublish,
		Subject: p.KeyID, Detail: string(detail)}); err != nil {
		return 0, fmt.Errorf("writing the audit entry of the published report: %w", err)
	}
	if err := ap.Commit(ctx); err != nil {
		return 0, fmt.Errorf("recording the published report: %w", err)
	}
	s.log.Info("report published", "id", id, "as_of", p.AsOf, "key", p.KeyID)
	return id, nil
}

// Publications lists the published reports, newest first, without their
// files (none when the store keeps none).
func (s *Service) Publications(ctx context.Context) ([]store.Publication, error) {
	ps, err := s.publications()
	if err != nil {
		return nil, nil
	}
	return ps.Publications(ctx)
}

// PublicationFile reads a file of a published report; false when there is
// no such report or file.
func (s *Service) PublicationFile(ctx context.Context, id int64, name string) ([]byte, bool, error) {
	ps, err := s.publications()
	if err != nil {
		return nil, false, nil
	}
	return ps.PublicationFile(ctx, id, name)
}

// PublicationFileNames lists a published report's files.
func (s *Service) PublicationFileNames(ctx context.Context, id int64) ([]string, error) {
	ps, err := s.publications()
	if err != nil {
		return nil, nil
	}
	return ps.PublicationFileNames(ctx, id)
}
