package store

import (
	"context"
	"strings"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// decorateProtestInbox fills in what the inbox shows of a page's protest
// steps: the entry, the port, and what is protested as the title.
func (s *Store) decorateProtestInbox(ctx context.Context, rows []inboxRow) error {
	var ids []string
	for _, r := range rows {
		if r.Kind == InboxProtest {
			ids = append(ids, r.ID)
		}
	}
	type protest struct{ ID, EntryNumber, Port, Bases, Importer string }
	byID, err := rowsByKey(s.db.WithContext(ctx), "SELECT id, entry_number, port, bases, importer FROM protests WHERE id IN ?", ids,
		func(p protest) string { return p.ID }, "the inbox's protests")
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		p, ok := byID[r.ID]
		if r.Kind != InboxProtest || !ok {
			continue
		}
		var bases []domain.ProtestBasis
		for _, b := range strings.Split(p.Bases, ",") {
			if b != "" {
				bases = append(bases, domain.ProtestBasis(b))
			}
		}
		r.Title, r.Sub, r.EntryNumber, r.Port = "protest: "+strings.ToLower(workflows.BasesText(bases)), InboxProtest, p.EntryNumber, p.Port
		r.Importer = p.Importer
	}
	return nil
}
