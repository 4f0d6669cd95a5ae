package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// The escalations page over rows written to the store: an item escalated
// and overdue is listed once with both marks, the list is paged with its
// count at the top, ?level= lists one level, and a wrong parameter is named.
func TestManageListsEachItemOnceAndPages(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	now := time.Now().UTC()
	addCase := func(id string, due time.Duration, level int) {
		t.Helper()
		st := workflows.CaseState{CaseID: id, WorkflowID: workflows.CaseWorkflowID(id), Status: workflows.StatusOpen, Step: workflows.StepFilePSC,
			Journal: workflows.Journal{Version: 1, UpdatedAt: now},
			Case: workflows.OpenCaseInput{CaseID: id, EntryNumber: "ABC-1234567-8", EntryDate: now, Port: "2704", ProductDescription: "wrenches " + id,
				OpenedBy: workflows.Actor{Email: "o@example.com", Role: domain.RoleOfficer}},
			Steps: []workflows.StepRecord{{Seq: 1, Name: workflows.StepFilePSC, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: domain.RoleOfficer,
				StartedAt: now.Add(-48 * time.Hour), DueAt: now.Add(due), EscalationLevel: level}}},
			OpenedAt: now}
		if _, err := e.store.UpsertCase(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
	addCase("DC-BOTH", -3*time.Hour, 1) // escalated and overdue
	addCase("DC-LATE", -2*time.Hour, 0) // overdue
	addCase("DC-ESC2", 5*time.Hour, 2)  // escalated, not due
	addCase("DC-FINE", 9*time.Hour, 0)  // neither: not listed

	b := e.signedIn(t, "manager", "/manage")
	rowRe := regexp.MustCompile(`(?s)<tr data-item="case/([A-Z0-9-]+)/file_psc">(.*?)</tr>`)
	rowsOf := func(body string) map[string]string {
		out := map[string]string{}
		for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
			if _, dup := out[m[1]]; dup {
				t.Errorf("%s is listed twice", m[1])
			}
			out[m[1]] = m[2]
		}
		return out
	}

	all := b.get(t, "/manage")
	wantPage(t, all, http.StatusOK, "/manage", `<strong id="manage-total">3</strong> items need attention`, `2 escalated</a>`, `2 overdue</a>`,
		`Showing 1–3 of 3.`)
	rows := rowsOf(string(all.body))
	if len(rows) != 3 || rows["DC-FINE"] != "" {
		t.Errorf("/manage lists %v, want DC-BOTH, DC-LATE and DC-ESC2 once each", rows)
	}
	if both := rows["DC-BOTH"]; !strings.Contains(both, `class="overdue"`) || !strings.Contains(both, "escalated (level 1)") {
		t.Errorf("DC-BOTH shows %q, want the overdue and the escalated mark", both)
	}

	first := b.get(t, "/manage?limit=2")
	wantPage(t, first, http.StatusOK, "/manage page 1", `<strong id="manage-total">3</strong>`, `Showing 1–2 of 3.`, `href="/manage?limit=2&amp;offset=2">next →</a>`)
	second := b.get(t, "/manage?limit=2&offset=2")
	wantPage(t, second, http.StatusOK, "/manage page 2", `Showing 3–3 of 3.`, `href="/manage?limit=2&amp;offset=0">← previous</a>`)
	p1, p2 := rowsOf(string(first.body)), rowsOf(string(second.body))
	if len(p1) != 2 || len(p2) != 1 {
		t.Errorf("pages of 2: %v then %v", p1, p2)
	}
	for id := range p2 {
		if _, again := p1[id]; again {
			t.Errorf("%s is on both pages", id)
		}
	}

	if lv := rowsOf(string(b.get(t, "/manage?level=2").body)); len(lv) != 1 || lv["DC-ESC2"] == "" {
		t.Errorf("/manage?level=2 lists %v, want DC-ESC2", lv)
	}
	wantPage(t, b.get(t, "/manage?level=7"), http.StatusUnprocessableEntity, "a wrong level", "level: must be an escalation level from 1 to 2")
	wantPage(t, b.get(t, "/manage?sort=x"), http.StatusUnprocessableEntity, "an unknown parameter", "sort")
}
