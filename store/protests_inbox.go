package store

import (
	"context"
	"fmt"
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
	if len(ids) == 0 {
		return nil
	}
	var ps []struct{ ID, EntryNumber, Port, Bases string }
	if err := s.db.WithContext(ctx).Raw("SELECT id, entry_number, port, bases FROM protests WHERE id IN ?", ids).Scan(&ps).Error; err != nil {
		return fmt.Errorf("reading the inbox's protests: %w", err)
	}
	byID := map[string]int{}
	for i, p := range ps {
		byID[p.ID] = i
	}
	for i := range rows {
		r := &rows[i]
		j, ok := byID[r.ID]
		if r.Kind != InboxProtest || !ok {
			continue
		}
		p := ps[j]
		var bases []domain.ProtestBasis
		for _, b := range strings.Split(p.Bases, ",") {
			if b != "" {
				bases = append(bases, domain.ProtestBasis(b))
			}
		}
		r.Title, r.Sub, r.EntryNumber, r.Port = "protest: "+strings.ToLower(workflows.BasesText(bases)), InboxProtest, p.EntryNumber, p.Port
	}
	return nil
}
