package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

func codeFix(caseID string) workflows.ApplyCodeFixInput {
	return workflows.ApplyCodeFixInput{
		CaseID: caseID, SKU: "WR-SET-12", Description: "12-piece combination wrench set",
		OldHTS: "7326.90.8688", NewHTS: "8204.11.0030",
		Rule:       "Hand-operated wrench sets go under 8204.11, not 7326.90",
		ProposedBy: "alice@example.com", ApprovedBy: "mike@example.com", ApprovedAt: t0.Add(30 * 24 * time.Hour),
	}
}

func TestApplyCodeFixIsIdempotentPerCase(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		before := store.Product{SKU: "WR-SET-12", Description: "Wrench set", HTSCode: "7326.90.8688", UpdatedAt: t0, UpdatedBy: "import"}
		if err := s.UpsertProduct(ctx, before); err != nil {
			t.Fatal(err)
		}
		in := codeFix("C-1")
		if err := s.ApplyCodeFix(ctx, in); err != nil {
			t.Fatalf("ApplyCodeFix: %v", err)
		}
		p, err := s.Product(ctx, "WR-SET-12")
		if err != nil {
			t.Fatal(err)
		}
		want := store.Product{SKU: "WR-SET-12", Description: "Wrench set", HTSCode: "8204.11.0030", UpdatedAt: in.ApprovedAt, UpdatedBy: "mike@example.com"}
		if diff := diffRows(p, want); diff != "" {
			t.Errorf("product after the fix: %s", diff)
		}
		rc, err := s.RuleChangeForCase(ctx, "C-1")
		if err != nil {
			t.Fatal(err)
		}
		wantRC := store.RuleChange{CaseID: "C-1", SKU: "WR-SET-12", OldHTS: "7326.90.8688", NewHTS: "8204.11.0030", Rule: in.Rule,
			ProposedBy: "alice@example.com", ApprovedBy: "mike@example.com", ApprovedAt: in.ApprovedAt}
		if diff := diffRows(rc, wantRC); diff != "" {
			t.Errorf("rule change: %s", diff)
		}

		// Someone edits the catalog later; a retried activity must not undo it.
		edited := store.Product{SKU: "WR-SET-12", Description: "Wrench set", HTSCode: "8204.11.0060", UpdatedAt: in.ApprovedAt.Add(time.Hour), UpdatedBy: "mike@example.com"}
		if err := s.UpsertProduct(ctx, edited); err != nil {
			t.Fatal(err)
		}
		retry := in
		retry.NewHTS, retry.ApprovedAt = "8204.11.0030", in.ApprovedAt.Add(2*time.Hour)
		if err := s.ApplyCodeFix(ctx, retry); err != nil {
			t.Fatalf("ApplyCodeFix again: %v", err)
		}
		if n := count(t, s, "code_rule_changes", ""); n != 1 {
			t.Errorf("%d rule change rows after applying twice, want 1", n)
		}
		p, err = s.Product(ctx, "WR-SET-12")
		if err != nil {
			t.Fatal(err)
		}
		if diff := diffRows(p, edited); diff != "" {
			t.Errorf("the second apply changed the product: %s", diff)
		}
		if n := count(t, s, "products", ""); n != 1 {
			t.Errorf("%d product rows, want 1", n)
		}
	})
}

func TestApplyCodeFixCreatesMissingProduct(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		if _, err := s.Product(ctx, "WR-SET-12"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Product(unknown) error = %v, want ErrNotFound", err)
		}
		in := codeFix("C-1")
		if err := s.ApplyCodeFix(ctx, in); err != nil {
			t.Fatal(err)
		}
		p, err := s.Product(ctx, "WR-SET-12")
		if err != nil {
			t.Fatalf("product not created: %v", err)
		}
		want := store.Product{SKU: "WR-SET-12", Description: in.Description, HTSCode: "8204.11.0030", UpdatedAt: in.ApprovedAt, UpdatedBy: "mike@example.com"}
		if diff := diffRows(p, want); diff != "" {
			t.Errorf("created product: %s", diff)
		}

		// A second case fixing the same SKU is a change of its own.
		second := codeFix("C-2")
		second.OldHTS, second.NewHTS, second.ApprovedAt = "8204.11.0030", "8204.11.0060", in.ApprovedAt.Add(24*time.Hour)
		if err := s.ApplyCodeFix(ctx, second); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "code_rule_changes", "sku = ?", "WR-SET-12"); n != 2 {
			t.Errorf("%d rule changes for the SKU, want 2", n)
		}
		if p, _ := s.Product(ctx, "WR-SET-12"); p.HTSCode != "8204.11.0060" {
			t.Errorf("product HTS = %s after the second case, want 8204.11.0060", p.HTSCode)
		}
		if _, err := s.RuleChangeForCase(ctx, "C-3"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RuleChangeForCase(unknown) error = %v, want ErrNotFound", err)
		}
	})
}

func TestUpsertProductReplaces(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		a := store.Product{SKU: "PT-1", Description: "Impact driver", HTSCode: "8467.29.0090", UpdatedAt: t0, UpdatedBy: "import"}
		b := store.Product{SKU: "PT-1", Description: "Cordless impact driver", HTSCode: "8467.29.0051", UpdatedAt: t0.Add(time.Hour), UpdatedBy: "mike@example.com"}
		for _, p := range []store.Product{a, b} {
			if err := s.UpsertProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Product(ctx, "PT-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := diffRows(got, b); diff != "" {
			t.Errorf("product: %s", diff)
		}
	})
}

func notice(key, email, role string, at time.Time) workflows.NotifyInput {
	return workflows.NotifyInput{DedupeKey: key, CaseID: "C-1", Kind: workflows.NotifyEscalation, Step: workflows.StepFilePSC,
		Level: 1, ToEmail: email, ToRole: domain.Role(role), Message: "file_psc is overdue (" + key + ")", At: at}
}

func TestAddNotificationDedupes(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		first := notice("C-1/file_psc/escalation/1", "", "manager", t0)
		retry := first
		retry.Message, retry.At = "a retried activity", t0.Add(time.Minute)
		for _, n := range []workflows.NotifyInput{first, retry} {
			if err := s.AddNotification(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, s, "notifications", ""); n != 1 {
			t.Errorf("%d notification rows, want 1", n)
		}
		ns := addressedTo(t, s, "mike@example.com", "manager", 10)
		if len(ns) != 1 {
			t.Fatalf("listed %+v", ns)
		}
		want := store.Notification{DedupeKey: first.DedupeKey, CaseID: "C-1", Kind: "escalation", Step: "file_psc", Level: 1,
			ToRole: "manager", Message: first.Message, CreatedAt: t0, About: "file_psc"}
		if diff := diffRows(ns[0].Notification, want); diff != "" || ns[0].DedupeKey != want.DedupeKey {
			t.Errorf("kept notification: %s", diff)
		}
	})
}

// addressedTo lists the notifications addressed to a user with this e-mail
// and role (and no preferences), newest first.
func addressedTo(t *testing.T, s *store.Store, email, role string, limit int) []store.NotificationItem {
	t.Helper()
	return listed(t, s, store.NotificationQuery{User: store.User{Email: email, Role: domain.Role(role)}, Limit: limit})
}

// Addressing: to the user's e-mail, or to nobody in particular and their role.
func TestNotificationsAddressed(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for i, n := range []workflows.NotifyInput{
			notice("to-alice", "alice@example.com", "", t0.Add(1*time.Minute)),
			notice("to-officers", "", "officer", t0.Add(2*time.Minute)),
			notice("to-managers", "", "manager", t0.Add(3*time.Minute)),
			notice("to-bob", "bob@example.com", "", t0.Add(4*time.Minute)),
			notice("to-alice-as-officer", "alice@example.com", "officer", t0.Add(5*time.Minute)),
			notice("to-bob-as-officer", "bob@example.com", "officer", t0.Add(6*time.Minute)),
		} {
			if err := s.AddNotification(ctx, n); err != nil {
				t.Fatalf("notification %d: %v", i, err)
			}
		}
		for _, tc := range []struct {
			email, role string
			limit       int
			want        []string
		}{
			{"alice@example.com", "officer", 10, []string{"to-alice-as-officer", "to-officers", "to-alice"}},
			{"bob@example.com", "officer", 10, []string{"to-bob-as-officer", "to-bob", "to-officers"}},
			{"carol@example.com", "officer", 10, []string{"to-officers"}},
			{"mike@example.com", "manager", 10, []string{"to-managers"}},
			{"nobody@example.com", "auditor", 10, nil},
			{"alice@example.com", "officer", 2, []string{"to-alice-as-officer", "to-officers"}},
			{"alice@example.com", "officer", 0, []string{"to-alice-as-officer", "to-officers", "to-alice"}}, // 0: the default page
		} {
			if got := keysOf(addressedTo(t, s, tc.email, tc.role, tc.limit)); !slices.Equal(got, tc.want) {
				t.Errorf("addressed to (%s, %s, %d) = %q, want %q (newest first)", tc.email, tc.role, tc.limit, got, tc.want)
			}
		}
	})
}
