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

// keysOf are the dedupe keys of a page, in its order.
func keysOf(items []store.NotificationItem) []string {
	var out []string
	for _, n := range items {
		out = append(out, n.DedupeKey)
	}
	return out
}

// Read state is per user: a notification to a role is unread for each of its
// members until that member reads it; marking is idempotent; a key that is
// not addressed to the user marks nothing and is not found.
func TestNotificationReadState(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mk := func(email string, role domain.Role) store.User {
			u, err := s.CreateUser(ctx, email, email, role, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		alice, bob := mk("alice@example.com", domain.RoleOfficer), mk("bob@example.com", domain.RoleOfficer)
		mike := mk("mike@example.com", domain.RoleManager)
		reminder := func(key, email, role string, at time.Time) workflows.NotifyInput {
			n := notice(key, email, role, at)
			n.Kind, n.Level = workflows.NotifyReminder, 0
			return n
		}
		for _, n := range []workflows.NotifyInput{
			notice("esc-1", "", "manager", t0.Add(1*time.Minute)),
			reminder("rem-alice", "alice@example.com", "", t0.Add(2*time.Minute)),
			reminder("rem-officers", "", "officer", t0.Add(3*time.Minute)),
			reminder("rem-bob", "bob@example.com", "", t0.Add(4*time.Minute)),
		} {
			if err := s.AddNotification(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		unread := func(u store.User) int64 {
			t.Helper()
			n, err := s.UnreadNotifications(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		list := func(q store.NotificationQuery) ([]store.NotificationItem, int64) {
			t.Helper()
			items, total, err := s.ListNotifications(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return items, total
		}
		if a, b, m := unread(alice), unread(bob), unread(mike); a != 2 || b != 2 || m != 1 {
			t.Fatalf("unread alice %d, bob %d, mike %d; want 2, 2, 1", a, b, m)
		}
		items, total := list(store.NotificationQuery{User: alice})
		if got := keysOf(items); !slices.Equal(got, []string{"rem-officers", "rem-alice"}) || total != 2 || items[0].Read() {
			t.Fatalf("alice's notifications %v (total %d)", got, total)
		}
		if !items[0].CreatedAt.Equal(t0.Add(3*time.Minute)) || items[0].Message == "" || items[0].Kind != workflows.NotifyReminder {
			t.Errorf("item %+v", items[0])
		}

		// Someone else's, or one that does not exist: nothing is marked.
		for _, keys := range [][]string{{"rem-bob"}, {"rem-alice", "rem-bob"}, {"esc-1"}, {"no-such"}} {
			if _, err := s.MarkNotificationsRead(ctx, alice, keys, t0); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("alice marking %v: %v, want ErrNotFound", keys, err)
			}
		}
		if n := unread(alice); n != 2 {
			t.Fatalf("after refused marks alice has %d unread, want 2", n)
		}

		// One, twice: the second changes nothing.
		at := t0.Add(time.Hour)
		for i, want := range []int64{1, 0} {
			n, err := s.MarkNotificationsRead(ctx, alice, []string{"rem-officers", "rem-officers"}, at.Add(time.Duration(i)*time.Minute))
			if err != nil || n != want {
				t.Fatalf("mark %d: %d, %v; want %d", i, n, err, want)
			}
		}
		if a, b := unread(alice), unread(bob); a != 1 || b != 2 {
			t.Fatalf("after alice read the officers' reminder: alice %d, bob %d unread; want 1, 2", a, b)
		}
		items, _ = list(store.NotificationQuery{User: alice})
		if !items[0].Read() || !items[0].ReadAt.Equal(at) || items[1].Read() {
			t.Errorf("read state %+v", items)
		}
		items, total = list(store.NotificationQuery{User: alice, UnreadOnly: true})
		if got := keysOf(items); !slices.Equal(got, []string{"rem-alice"}) || total != 1 {
			t.Errorf("alice's unread: %v (total %d)", got, total)
		}
		items, total = list(store.NotificationQuery{User: mike, Kind: workflows.NotifyEscalation})
		if got := keysOf(items); !slices.Equal(got, []string{"esc-1"}) || total != 1 || items[0].Level != 1 {
			t.Errorf("mike's escalations: %v (total %d)", got, total)
		}
		if items, total = list(store.NotificationQuery{User: mike, Kind: workflows.NotifyReminder}); len(items) != 0 || total != 0 {
			t.Errorf("mike's reminders: %v", keysOf(items))
		}
		if _, _, err := s.ListNotifications(ctx, store.NotificationQuery{User: mike, Kind: "gossip"}); err == nil {
			t.Error("an unknown kind was accepted")
		}
		// Paging.
		items, total = list(store.NotificationQuery{User: bob, Limit: 1, Offset: 1})
		if got := keysOf(items); !slices.Equal(got, []string{"rem-officers"}) || total != 2 {
			t.Errorf("bob's second page: %v (total %d)", got, total)
		}

		// All: only the user's, and again changes nothing.
		for i, want := range []int64{2, 0} {
			n, err := s.MarkAllNotificationsRead(ctx, bob, at)
			if err != nil || n != want {
				t.Fatalf("mark all %d: %d, %v; want %d", i, n, err, want)
			}
		}
		if a, b, m := unread(alice), unread(bob), unread(mike); a != 1 || b != 0 || m != 1 {
			t.Errorf("after bob read all: alice %d, bob %d, mike %d; want 1, 0, 1", a, b, m)
		}
		if n := count(t, s, "notification_reads", ""); n != 3 {
			t.Errorf("%d read rows, want 3", n)
		}
		// A new notification is unread.
		if err := s.AddNotification(ctx, reminder("rem-officers-2", "", "officer", t0.Add(2*time.Hour))); err != nil {
			t.Fatal(err)
		}
		if b := unread(bob); b != 1 {
			t.Errorf("bob has %d unread after a new reminder, want 1", b)
		}
	})
}
