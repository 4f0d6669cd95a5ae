package store_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

func outboxKeys(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.ListOutbox(t.Context(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.DedupeKey+" "+r.Channel+" "+r.Destination)
		if r.ID != store.OutboxID(r.DedupeKey, r.Channel, r.Destination) || r.Status != store.OutboxPending || r.Attempts != 0 {
			t.Errorf("enqueued row %+v", r)
		}
	}
	slices.Sort(got)
	return got
}

func TestNotificationOutboxEnqueuesOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		s.SetClock(func() time.Time { return t0 })
		for _, u := range []struct {
			email string
			role  domain.Role
		}{{"mike@example.com", "manager"}, {"mary@example.com", "manager"}, {"olga@example.com", "officer"}} {
			if _, err := s.CreateUser(ctx, u.email, u.email, u.role, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		ch := store.Channels{Email: true, WebhookURLs: []string{"https://a.example/hook", "https://b.example/hook"}}
		toRole := notice("esc", "", "manager", t0)
		toUser := notice("assign", "olga@example.com", "officer", t0)
		inAppOnly := notice("quiet", "", "manager", t0)
		for range 2 { // the second round is a retried activity: nothing new
			for _, n := range []workflows.NotifyInput{toRole, toUser} {
				if err := s.AddNotificationOutbox(ctx, n, ch); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.AddNotificationOutbox(ctx, inAppOnly, store.Channels{}); err != nil {
				t.Fatal(err)
			}
		}
		// A retry with channels configured since the first attempt adds nothing either.
		if err := s.AddNotificationOutbox(ctx, inAppOnly, ch); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"assign email olga@example.com",
			"assign webhook https://a.example/hook",
			"assign webhook https://b.example/hook",
			"esc email mary@example.com",
			"esc email mike@example.com",
			"esc webhook https://a.example/hook",
			"esc webhook https://b.example/hook",
		}
		if got := outboxKeys(t, s); !slices.Equal(got, want) {
			t.Errorf("outbox =\n%q\nwant\n%q", got, want)
		}
		if n := count(t, s, "notifications", ""); n != 3 {
			t.Errorf("%d notifications, want 3", n)
		}
		rows, _ := s.ListOutbox(ctx, "", 1)
		e, err := rows[0].Event()
		if err != nil || e.DedupeKey != rows[0].DedupeKey || e.CaseID != "C-1" || e.Message == "" || !e.At.Equal(t0) {
			t.Errorf("payload %+v, %v", e, err)
		}
	})
}

func TestClaimOutbox(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		s.SetClock(func() time.Time { return t0 })
		ch := store.Channels{WebhookURLs: []string{"https://a.example/hook"}}
		for _, k := range []string{"k1", "k2", "k3", "k4"} {
			if err := s.AddNotificationOutbox(ctx, notice(k, "", "manager", t0), ch); err != nil {
				t.Fatal(err)
			}
		}
		const lease = time.Minute
		claim := func(at time.Time, limit int) []store.OutboxMessage {
			t.Helper()
			ms, err := s.ClaimOutbox(ctx, at, lease, limit)
			if err != nil {
				t.Fatal(err)
			}
			return ms
		}
		if ms := claim(t0.Add(-time.Second), 10); len(ms) != 0 {
			t.Fatalf("claimed %d messages before they were due", len(ms))
		}
		// Concurrent dispatchers never claim the same message.
		var mu sync.Mutex
		var ids []string
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				ms, err := s.ClaimOutbox(ctx, t0, lease, 1)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, m := range ms {
					if m.Attempts != 1 {
						t.Errorf("claimed %s with %d attempts, want 1", m.ID, m.Attempts)
					}
					ids = append(ids, m.ID)
				}
			})
		}
		wg.Wait()
		slices.Sort(ids)
		if len(slices.Compact(slices.Clone(ids))) != 4 || len(ids) != 4 {
			t.Fatalf("concurrent claims got %v, want 4 distinct", ids)
		}
		if ms := claim(t0.Add(lease-time.Second), 10); len(ms) != 0 {
			t.Fatalf("claimed %d leased messages", len(ms))
		}
		// Delivered ones are done; a retry waits for its time; the rest come back when the lease ends.
		if err := s.MarkOutboxDelivered(ctx, ids[0], t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RetryOutbox(ctx, ids[1], t0.Add(time.Hour), "503 Service Unavailable"); err != nil {
			t.Fatal(err)
		}
		ms := claim(t0.Add(lease), 10)
		if len(ms) != 2 || ms[0].Attempts != 2 {
			t.Fatalf("after the lease claimed %+v, want 2 messages on their 2nd attempt", ms)
		}
		ms = claim(t0.Add(time.Hour), 10) // the retry, and the two whose lease ended again
		i := slices.IndexFunc(ms, func(m store.OutboxMessage) bool { return m.ID == ids[1] })
		if len(ms) != 3 || i < 0 || ms[i].Attempts != 2 || ms[i].LastError != "503 Service Unavailable" {
			t.Fatalf("retry claimed %+v", ms)
		}
		if err := s.MarkOutboxDelivered(ctx, ids[1], t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		delivered, err := s.ListOutbox(ctx, store.OutboxDelivered, 10)
		if err != nil || len(delivered) != 2 || delivered[0].DeliveredAt == nil {
			t.Fatalf("delivered = %+v, %v", delivered, err)
		}
		if ms := claim(t0.Add(24*time.Hour), 10); len(ms) != 2 {
			t.Fatalf("claimed %d, want the 2 undelivered", len(ms))
		}
	})
}

// The managers' outbox view: failing rows, counts, and retry now, which moves
// next_attempt_at of the same row and leaves a message being sent alone.
func TestOutboxFailingAndRetryNow(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		s.SetClock(func() time.Time { return t0 })
		ch := store.Channels{WebhookURLs: []string{"https://a.example/hook"}}
		for _, k := range []string{"ok", "bad", "new"} {
			if err := s.AddNotificationOutbox(ctx, notice(k, "", "manager", t0), ch); err != nil {
				t.Fatal(err)
			}
		}
		id := func(k string) string { return store.OutboxID(k, store.ChannelWebhook, "https://a.example/hook") }
		const lease = time.Minute
		// Claim two: "ok" is delivered, "bad" fails and waits an hour.
		if err := s.DBForTest().Model(&store.OutboxMessage{}).Where("id = ?", id("new")).Update("next_attempt_at", t0.Add(time.Second)).Error; err != nil {
			t.Fatal(err)
		}
		ms, err := s.ClaimOutbox(ctx, t0, lease, 10)
		if err != nil || len(ms) != 2 || ms[0].ClaimedAt == nil {
			t.Fatalf("claimed %+v, %v", ms, err)
		}
		// While it is being sent, retry now is refused and changes nothing.
		if _, err := s.RetryOutboxNow(ctx, id("bad"), t0); !errors.Is(err, store.ErrOutboxSending) {
			t.Fatalf("retry now of a message being sent: %v, want ErrOutboxSending", err)
		}
		// A dispatcher that dies mid-send holds the message only until its
		// lease ends: then it is due again, not "being sent".
		if !ms[0].Sending(t0) || ms[0].Sending(t0.Add(lease)) {
			t.Errorf("sending at the claim %v, at the lease's end %v; want true, false", ms[0].Sending(t0), ms[0].Sending(t0.Add(lease)))
		}
		if _, err := s.RetryOutboxNow(ctx, id("bad"), t0.Add(lease)); err != nil {
			t.Fatalf("retry now after the lease ended: %v", err)
		}
		if err := s.MarkOutboxDelivered(ctx, id("ok"), t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RetryOutbox(ctx, id("bad"), t0.Add(time.Hour), "webhook answered 503 Service Unavailable"); err != nil {
			t.Fatal(err)
		}
		c, err := s.CountOutbox(ctx)
		if err != nil || c != (store.OutboxCounts{Pending: 2, Delivered: 1, Failing: 1}) {
			t.Fatalf("counts %+v, %v", c, err)
		}
		rows, total, err := s.ListFailingOutbox(ctx, 10, 0)
		if err != nil || total != 1 || len(rows) != 1 {
			t.Fatalf("failing %+v (total %d), %v", rows, total, err)
		}
		bad := rows[0]
		if bad.ID != id("bad") || bad.Attempts != 1 || bad.LastError != "webhook answered 503 Service Unavailable" ||
			!bad.NextAttemptAt.Equal(t0.Add(time.Hour)) || bad.ClaimedAt != nil || bad.Channel != store.ChannelWebhook {
			t.Fatalf("failing row %+v", bad)
		}

		// Retry now: the same row becomes due; twice is the same as once.
		now := t0.Add(10 * time.Minute)
		for range 2 {
			m, err := s.RetryOutboxNow(ctx, id("bad"), now)
			if err != nil || m.ID != bad.ID || !m.NextAttemptAt.Equal(now) || m.Attempts != 1 || m.LastError != bad.LastError {
				t.Fatalf("retry now: %+v, %v", m, err)
			}
		}
		if n := count(t, s, "notification_outbox", ""); n != 3 {
			t.Errorf("%d outbox rows after retries, want 3", n)
		}
		ms, err = s.ClaimOutbox(ctx, now, lease, 10)
		if err != nil || len(ms) != 2 || !slices.ContainsFunc(ms, func(m store.OutboxMessage) bool { return m.ID == id("bad") && m.Attempts == 2 }) {
			t.Fatalf("claimed after retry now: %+v, %v", ms, err)
		}
		for _, m := range ms {
			if err := s.MarkOutboxDelivered(ctx, m.ID, now); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RetryOutboxNow(ctx, id("bad"), now); !errors.Is(err, store.ErrOutboxDelivered) {
			t.Errorf("retry now of a delivered message: %v", err)
		}
		if _, err := s.RetryOutboxNow(ctx, "no-such", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("retry now of an unknown message: %v", err)
		}
		if c, _ := s.CountOutbox(ctx); c != (store.OutboxCounts{Delivered: 3}) {
			t.Errorf("counts at the end %+v", c)
		}
		delivered, _ := s.ListOutbox(ctx, store.OutboxDelivered, 10)
		for _, m := range delivered {
			if m.ClaimedAt != nil {
				t.Errorf("delivered %s still claimed", m.ID)
			}
		}
	})
}
