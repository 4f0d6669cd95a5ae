package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/workflows"
)

// A time in a message the workflows wrote (in UTC, replay-safe) reads on the
// reader's clock: the same notification in New York time for an officer
// whose zone is New York, and in Tokyo time for one in Tokyo.
func TestWorkflowTextReadsInTheReadersZone(t *testing.T) {
	e := newEnvWith(t, longPolicy(t), testdb.Postgres(t), envOptions{noWorker: true})
	ctx := context.Background()
	due := time.Date(2026, 12, 3, 15, 50, 0, 0, time.UTC)
	msg := "Case DC-ZONE-1: File PSC is yours, due " + workflows.ReadableTime(due)
	if err := e.store.AddNotification(ctx, workflows.NotifyInput{DedupeKey: "zone-1", CaseID: "DC-ZONE-1", Kind: workflows.NotifyAssignment,
		Step: workflows.StepFilePSC, ToRole: "officer", Message: msg, At: due.Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for zone, want := range map[string]string{"America/New_York": "Thu 3 Dec 2026, 10:50 EST", "Asia/Tokyo": "Fri 4 Dec 2026, 00:50 JST"} {
		if _, err := e.store.SetUserTimeZone(ctx, e.users["officer"].ID, zone); err != nil {
			t.Fatal(err)
		}
		b := e.signedIn(t, "officer", "/notifications")
		r := b.get(t, "/notifications")
		wantPage(t, r, http.StatusOK, "the notifications in "+zone, `<time datetime="2026-12-03T15:50:00Z"`, ">"+want+"</time>")
		if body := string(r.body); strings.Contains(body, "15:50 UTC</strong>") || strings.Contains(body, "15:50 UTC<") {
			t.Errorf("%s: the message still shows its time in UTC", zone)
		}
	}
}
