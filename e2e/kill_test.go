package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/postrelease/postrelease/bench"
)

// TestKillUnderLoad drives cases with Idempotency-Keys on the real `dev`
// binary, kills it with SIGKILL while a round of actions is in flight,
// restarts it and retries every action with its key: none may be lost,
// applied twice or refused. How soon the retries are answered is logged
// (and printed by `postrelease bench kill`), not asserted: it is a speed,
// not a correctness, property.
func TestKillUnderLoad(t *testing.T) {
	needsBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r, err := bench.Kill(ctx, bench.KillOptions{Binary: binary(t), Dir: t.TempDir(), Cases: 20, Rounds: 3, KillAfter: 60 * time.Millisecond})
	t.Log("\n" + r.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.Actions != 120 || len(r.RetryLatency) != r.Actions {
		t.Fatalf("%d actions sent, %d retries answered 200, want 120 of each", r.Actions, len(r.RetryLatency))
	}
	if r.Lost != 0 || r.Duplicated != 0 || r.Refused != 0 {
		t.Fatalf("%d lost, %d duplicated, %d refused retries", r.Lost, r.Duplicated, r.Refused)
	}
}
