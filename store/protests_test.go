package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// sampleProtest is a protest as the workflow projects it once filed and
// decided: partially allowed, waiting for the refund.
func sampleProtest(id string, version int64, at time.Time) workflows.ProtestState {
	liq := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	claimed := domain.USD{Decimal: decimal.RequireFromString("2267.75")}
	filedAt := at.Add(time.Hour)
	return workflows.ProtestState{
		ProtestID: id, WorkflowID: workflows.ProtestWorkflowID(id), Journal: workflows.Journal{Version: version, UpdatedAt: at.Add(time.Hour)}, Status: workflows.StatusOpen, Step: workflows.StepRecordRefund,
		Protest: workflows.OpenProtestInput{ProtestID: id, ShipmentID: "SH-1", EntryNumber: "ABC-1234567-8", LiquidationDate: liq, Port: "2704",
			ImporterOfRecord: "Acme Tools Inc.", Bases: []domain.ProtestBasis{"classification"}, AmountClaimed: claimed, OpenedBy: alice},
		Bases: []domain.ProtestBasis{"classification", "rate"}, Grounds: "heading 8204", AmountClaimed: claimed,
		Window:   workflows.ProtestWindow{Liquidation: liq, LastDay: domain.ProtestLastDay(liq), ClosesAt: domain.ProtestFilingClosesAt(liq, nil)},
		Filing:   &workflows.ProtestFiling{ProtestNumber: "2704-27-100001", FiledOn: domain.Date(at), By: alice, At: filedAt},
		Decision: &workflows.ProtestDecisionRecord{Decision: domain.ProtestPartiallyAllowed, Allowed: domain.USD{Decimal: decimal.RequireFromString("1200")}, DecidedOn: domain.Date(at), By: &alice, At: filedAt},
		Steps: []workflows.StepRecord{
			{Seq: 1, Name: workflows.StepProtestDecision, Work: workflows.Work{Status: workflows.StepDone, OwnerRole: domain.RoleOfficer, Assignee: alice.Email,
				StartedAt: at, DueAt: at.Add(72 * time.Hour), CompletedAt: &filedAt, CompletedBy: &alice, Outcome: "partially_allowed"}},
			{Seq: 2, Name: workflows.StepRecordRefund, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: domain.RoleOfficer, Assignee: alice.Email,
				StartedAt: filedAt, DueAt: filedAt.Add(72 * time.Hour), EscalationLevel: 1}},
		},
		OpenedAt: at,
	}
}

func TestUpsertProtestWritesRowStepsAndKeepsTheNewest(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		st := sampleProtest("PR-1", 4, t0)
		if wrote, err := s.UpsertProtest(ctx, st); err != nil || !wrote {
			t.Fatalf("UpsertProtest = %v, %v", wrote, err)
		}
		older := sampleProtest("PR-1", 3, t0)
		older.Step = workflows.StepProtestDecision
		if wrote, err := s.UpsertProtest(ctx, older); err != nil || wrote {
			t.Fatalf("an older version: wrote %v, %v; want it ignored", wrote, err)
		}
		row, err := s.GetProtest(ctx, "PR-1")
		if err != nil {
			t.Fatal(err)
		}
		due := t0.Add(73 * time.Hour)
		if row.Version != 4 || row.Step != "record_refund" || row.ProtestNumber != "2704-27-100001" || row.Bases != "classification,rate" ||
			row.Decision != "partially_allowed" || row.AmountClaimed != "2267.75" || row.AmountAllowed == nil || *row.AmountAllowed != "1200.00" ||
			row.ShipmentID != "SH-1" || row.Assignee != alice.Email || row.EscalationLevel != 1 || !row.DueAt.Equal(due) ||
			!row.LiquidationDate.Equal(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("row %+v", row)
		}
		back, err := row.ProtestState()
		if err != nil || mustJSON(t, back) != mustJSON(t, st) {
			t.Fatalf("state does not round-trip: %v", err)
		}
		steps, err := s.ProtestSteps(ctx, "PR-1")
		if err != nil || len(steps) != 2 || steps[1].Status != "active" || steps[0].CompletedBy != alice.Email {
			t.Fatalf("steps %+v, %v", steps, err)
		}
		if _, err := s.GetProtest(ctx, "PR-404"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown protest: %v", err)
		}
	})
}

func TestListProtestsFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for i, mod := range []func(*workflows.ProtestState){
			func(*workflows.ProtestState) {},
			func(p *workflows.ProtestState) { p.Protest.EntryNumber, p.Protest.Port = "XYZ-0000001-1", "1001" },
			func(p *workflows.ProtestState) {
				closed := t0.Add(5 * time.Hour)
				p.Status, p.Step, p.ClosedAt, p.Resolution = workflows.StatusClosed, workflows.StepClosed, &closed, workflows.ProtestRefunded
				p.Steps[1].Status = workflows.StepDone
			},
		} {
			st := sampleProtest(fmt.Sprintf("PR-%d", i+1), 1, t0.Add(time.Duration(i)*time.Hour))
			mod(&st)
			if _, err := s.UpsertProtest(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			f    store.ProtestFilter
			want string
		}{
			{store.ProtestFilter{}, "[PR-1 PR-2 PR-3] 3"},
			{store.ProtestFilter{Status: "open"}, "[PR-1 PR-2] 2"},
			{store.ProtestFilter{Port: "1001"}, "[PR-2] 1"},
			{store.ProtestFilter{EntryNumber: "ABC-1234567-8"}, "[PR-1 PR-3] 2"},
			{store.ProtestFilter{ShipmentID: "SH-1", Status: "closed"}, "[PR-3] 1"},
			{store.ProtestFilter{Escalated: true}, "[PR-1 PR-2] 2"},
			{store.ProtestFilter{Overdue: true, Now: t0.Add(74 * time.Hour)}, "[PR-1] 1"},
			{store.ProtestFilter{Limit: 1, Offset: 1}, "[PR-2] 3"},
		} {
			rows, total, err := s.ListProtests(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.ID)
			}
			if s := fmt.Sprintf("%v %d", got, total); s != tc.want {
				t.Errorf("ListProtests(%+v) = %s, want %s", tc.f, s, tc.want)
			}
		}
	})
}

// A protest's open step is in its assignee's inbox and, escalated, in every
// manager's; the dashboard counts open protests by step.
func TestProtestsInInboxAndDashboard(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		if _, err := s.UpsertProtest(ctx, sampleProtest("PR-1", 1, t0)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			q    store.InboxQuery
			want string
		}{
			{store.InboxQuery{Email: alice.Email, Role: domain.RoleOfficer, Now: t0}, "protest PR-1 record_refund assigned protest: classification (hts code); rate and amount of duty ABC-1234567-8"},
			{store.InboxQuery{Email: mike.Email, Role: domain.RoleManager, Kind: store.InboxProtest, Now: t0}, "protest PR-1 record_refund escalated protest: classification (hts code); rate and amount of duty ABC-1234567-8"},
			{store.InboxQuery{Email: alice.Email, Role: domain.RoleOfficer, Kind: store.InboxCase, Now: t0}, ""},
		} {
			items, total, err := s.Inbox(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, it := range items {
				got = fmt.Sprintf("%s %s %s %s %s %s", it.Kind, it.ID, it.Task, it.Reason, it.Title, it.EntryNumber)
			}
			if got != tc.want || (tc.want != "" && total != 1) {
				t.Errorf("Inbox(%s, %q) = %q (%d), want %q", tc.q.Email, tc.q.Kind, got, total, tc.want)
			}
		}
		d, err := s.Dashboard(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(d.ProtestsByStep) != "[{record_refund 1}]" {
			t.Errorf("protests by step %v", d.ProtestsByStep)
		}
	})
}
