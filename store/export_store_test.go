package store_test

import (
	"testing"

	"github.com/postrelease/postrelease/store"
)

func TestListAuditOfTargets(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		// More than ListAudit's default page, to show nothing is cut off.
		const many = 150
		for i := range many {
			target := "SH-1"
			switch i % 3 {
			case 1:
				target = "SH-1-ISF1"
			case 2:
				target = "other"
			}
			if _, err := s.RecordAudit(ctx, store.AuditEntry{At: t0, Action: "case.add_note", TargetID: target}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ListAuditOfTargets(ctx, "SH-1", "SH-1-ISF1")
		if err != nil {
			t.Fatal(err)
		}
		if want := many - many/3; len(got) != want {
			t.Fatalf("ListAuditOfTargets = %d entries, want %d", len(got), want)
		}
		for i, e := range got {
			if e.TargetID == "other" || i > 0 && e.ID <= got[i-1].ID || string(e.Detail) != "{}" {
				t.Fatalf("entry %d = %+v: want only the targets, oldest first, with their detail", i, e)
			}
		}
		if none, err := s.ListAuditOfTargets(ctx); err != nil || none == nil || len(none) != 0 {
			t.Errorf("ListAuditOfTargets() = %v, %v; want an empty list", none, err)
		}
	})
}
