package kit

import (
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// A reminder goes to the assignee, or to the owning role while nobody has
// the work; an escalation goes to the managers; both are events, every
// notification names the workflow, and only Changed moves the version.
func TestJournal(t *testing.T) {
	var state struct{ workflows.Journal }
	j := Journal{Noun: "protest", ID: "PR-1", Log: func() *workflows.Journal { return &state.Journal }}
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	j.Remind(now, "file", "", "", domain.RoleOfficer, "file the protest", "PR-1/1/reminder")
	j.Remind(now, "file", "", "olivia@example.com", domain.RoleOfficer, "file the protest", "PR-1/2/reminder")
	j.Escalate(now, workflows.Escalation{Step: "file", Level: 2, At: now, Reason: "still not filed"}, "file", "PR-1/1/escalation/2")
	j.Changed(now)

	q := j.Outbox.queued
	if len(q) != 3 || q[0].ToRole != domain.RoleOfficer || q[0].ToEmail != "" || q[1].ToEmail != "olivia@example.com" || q[1].ToRole != "" ||
		q[2].ToRole != domain.RoleManager || q[2].Level != 2 || q[2].Message != "Protest PR-1 escalated to level 2: still not filed" {
		t.Fatalf("queued %+v", q)
	}
	for _, n := range q {
		if n.CaseID != "PR-1" || !n.At.Equal(now) {
			t.Errorf("notification %+v does not name PR-1 at %s", n, now)
		}
	}
	if kinds := []string{state.Events[0].Kind, state.Events[1].Kind, state.Events[2].Kind}; len(state.Events) != 3 || kinds[2] != "escalation" || kinds[0] != "reminder" {
		t.Errorf("events %+v", state.Events)
	}
	if len(state.Escalations) != 1 || state.Escalations[0].Level != 2 || state.Version != 1 || !state.UpdatedAt.Equal(now) {
		t.Errorf("journal %+v", state.Journal)
	}
}
