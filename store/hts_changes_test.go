package store_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/postrelease/postrelease/hts"
	"github.com/postrelease/postrelease/hts/demo"
	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/store"
)

func loadRevision(t *testing.T, s *store.Store, name, effective string, file []byte) (store.HTSRevision, bool) {
	t.Helper()
	lines, err := hts.Parse(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	rev, loaded, err := s.LoadHTSRevision(t.Context(), store.HTSRevision{Name: name, Effective: effective, SHA256: name,
		LoadedAt: time.Now().UTC(), LoadedBy: "mgr@example.com"}, lines)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return rev, loaded
}

func TestHTSDifferenceAndAffectedProducts(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for _, p := range []store.Product{{SKU: "DR-18V", Description: "18 V cordless drill", HTSCode: "8467.21.0010"},
			{SKU: "WR-SET", Description: "wrench set", HTSCode: "8204.11.0030"}} {
			if err := s.UpsertProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		sh := sampleShipment(t, "ABC-1234567-8", 1) // an open shipment with a DR-18V line under 8467.21.0010
		mustUpsertShipment(t, s, sh)

		first, _ := loadRevision(t, s, "first", "2025-01-01", demo.JSON)
		if first.ComparedWith != "" || first.Changes != 0 {
			t.Errorf("the first revision has nothing before it: %+v", first)
		}
		if ch, err := s.HTSChanges(ctx, "first"); err != nil || len(ch) != 0 {
			t.Errorf("changes of the first revision: %v, %v", ch, err)
		}

		second, loaded := loadRevision(t, s, "second", "2026-01-01", demo.WithGeneralRate("8467.21.00", "3.9%"))
		if !loaded || second.ComparedWith != "first" || second.Changes != 1 || second.Affected != 1 {
			t.Fatalf("second: %+v, want compared with first, 1 change, 1 product", second)
		}
		ch, err := s.HTSChanges(ctx, "second")
		if err != nil || len(ch) != 1 {
			t.Fatalf("changes: %+v, %v", ch, err)
		}
		if c := ch[0]; c.Seq != 1 || c.Kind != hts.RateChanged || c.Code != "8467.21.00" || c.Field != "general" || c.Before != "1.7%" || c.After != "3.9%" {
			t.Errorf("change %+v", c)
		}
		aff, err := s.HTSAffectedBy(ctx, "second")
		if err != nil || len(aff) != 1 {
			t.Fatalf("affected: %+v, %v", aff, err)
		}
		if a := aff[0]; a.SKU != "DR-18V" || a.HTSCode != "8467.21.0010" || !a.InCatalog || !slices.Equal(a.Shipments, []string{sh.ShipmentID}) || !slices.Equal(a.Changes, []int{1}) {
			t.Errorf("affected %+v: the drill once, from the catalog and its open shipment", a)
		}

		// The same file again changes nothing.
		again, loaded := loadRevision(t, s, "second", "2026-01-01", demo.WithGeneralRate("8467.21.00", "3.9%"))
		if loaded || again.Changes != 1 || again.Affected != 1 {
			t.Errorf("again: %+v loaded=%v", again, loaded)
		}
		if aff, _ := s.HTSAffectedBy(ctx, "second"); len(aff) != 1 {
			t.Errorf("a second load added products: %+v", aff)
		}
		if revs, _ := s.HTSRevisions(ctx); len(revs) != 2 || revs[0].Name != "second" || revs[0].ComparedWith != "first" {
			t.Errorf("revisions %+v", revs)
		}

		// A new Chapter 99 line naming the wrench set's subheading: the
		// wrench set (catalog only) is affected, the drill no longer.
		var rows []map[string]any
		if err := json.Unmarshal(demo.WithGeneralRate("8467.21.00", "3.9%"), &rows); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, map[string]any{"htsno": "9903.88.99", "indent": "1",
			"description": "Articles the product of China, as provided for in subheading 8204.11.00", "general": "The duty provided in the applicable subheading + 25%"})
		third, _ := json.Marshal(rows)
		rev, _ := loadRevision(t, s, "third", "2026-07-01", third)
		if rev.ComparedWith != "second" || rev.Changes != 2 || rev.Affected != 1 {
			t.Fatalf("third: %+v, want the new line and its Chapter 99 change, 1 product", rev)
		}
		ch, _ = s.HTSChanges(ctx, "third")
		if len(ch) != 2 || ch[0].Kind != hts.Added || ch[1].Kind != hts.Chapter99 || !slices.Equal(ch[1].Names, []string{"8204.11.00"}) {
			t.Errorf("third's changes %+v", ch)
		}
		if aff, _ := s.HTSAffectedBy(ctx, "third"); len(aff) != 1 || aff[0].SKU != "WR-SET" || !aff[0].InCatalog || len(aff[0].Shipments) != 0 || !slices.Equal(aff[0].Changes, []int{2}) {
			t.Errorf("third affects %+v, want the wrench set from the catalog", aff)
		}
	})
}
