package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// An overpayment opens a refund PSC: the API answers a negative total and
// no penalty, and the case page says what is refunded instead of showing
// negative amounts due.
func TestRefundPSCCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	body := wrenchSet("refund-1", false)
	body["declared_rate"], body["correct_rate"] = "0.072", "0.025"
	c := e.open(t, "officer", body)
	if c.Amounts.Total.StringFixed(2) != "-2267.75" || !c.Amounts.Penalty.IsZero() {
		t.Fatalf("refund amounts %+v, want total -2267.75 and no penalty", c.Amounts)
	}
	page := e.signedIn(t, "officer", "/cases/"+c.CaseID).get(t, "/cases/"+c.CaseID)
	wantPage(t, page, http.StatusOK, "refund case page", "Refund claimed", "$2,267.75", "refund PSC")
	if strings.Contains(string(page.body), "Amounts due") || strings.Contains(string(page.body), "-$2,267.75") {
		t.Error("the refund case page shows negative amounts due")
	}
}
