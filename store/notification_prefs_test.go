package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// emailsTo are the destinations of the e-mails waiting in the outbox for
// one notification.
func emailsTo(t *testing.T, s *store.Store, key string) []string {
	t.Helper()
	rows, err := s.ListOutbox(t.Context(), "", store.MaxPage)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range rows {
		if m.DedupeKey == key && m.Channel == store.ChannelEmail {
			out = append(out, m.Destination)
		}
	}
	slices.Sort(out)
	return out
}

func mkUser(t *testing.T, s *store.Store, email string, role domain.Role) store.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), email, email, role, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func unreadOf(t *testing.T, s *store.Store, u store.User) int64 {
	t.Helper()
	n, err := s.UnreadNotifications(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// What a user's own action caused reaches nobody else's inbox less, and
// never theirs: not in the app (addressed to them or to their role) and not
// by e-mail.
func TestNotificationNotToItsActor(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		alice, bob := mkUser(t, s, "alice@example.com", domain.RoleOfficer), mkUser(t, s, "bob@example.com", domain.RoleOfficer)
		ch := store.Channels{Email: true}
		own := notice("own", "alice@example.com", "", t0)
		own.Actor = "alice@example.com"
		toRole := notice("role", "", "officer", t0.Add(time.Minute))
		toRole.Actor = "alice@example.com"
		byClock := notice("clock", "alice@example.com", "", t0.Add(2*time.Minute))
		for _, n := range []workflows.NotifyInput{own, toRole, byClock} {
			if err := s.AddNotificationOutbox(ctx, n, ch); err != nil {
				t.Fatal(err)
			}
		}
		if got := unreadOf(t, s, alice); got != 1 {
			t.Errorf("alice has %d unread, want 1 (the clock's only)", got)
		}
		if got := unreadOf(t, s, bob); got != 1 {
			t.Errorf("bob has %d unread, want 1 (alice's action, told to every officer)", got)
		}
		items, total, err := s.ListNotifications(ctx, store.NotificationQuery{User: alice})
		if err != nil || total != 1 || items[0].DedupeKey != "clock" {
			t.Errorf("alice's list %v (total %d, %v), want [clock]", keysOf(items), total, err)
		}
		if to := emailsTo(t, s, "own"); len(to) != 0 {
			t.Errorf("e-mails of alice's own assignment go to %v, want none", to)
		}
		if to := emailsTo(t, s, "role"); !slices.Equal(to, []string{"bob@example.com"}) {
			t.Errorf("e-mails of the role-wide one go to %v, want only bob", to)
		}
		// Marking all read counts only what alice sees.
		if n, err := s.MarkAllNotificationsRead(ctx, alice, t0); err != nil || n != 1 {
			t.Errorf("alice marked %d (%v), want 1", n, err)
		}
		if _, err := s.MarkNotificationsRead(ctx, alice, []string{"own"}, t0); err == nil {
			t.Error("alice marked her own action's notification: it is not hers to read")
		}
	})
}

// A kind turned off is neither listed nor counted nor e-mailed; in_app is
// listed and not e-mailed; digest waits for the daily e-mail, one a day per
// user, with every item since the last one; a bad choice changes nothing.
func TestNotificationPreferences(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		alice, bob := mkUser(t, s, "alice@example.com", domain.RoleOfficer), mkUser(t, s, "bob@example.com", domain.RoleOfficer)
		carol := mkUser(t, s, "carol@example.com", domain.RoleOfficer)
		got, err := s.NotificationPreferencesOf(ctx, alice.ID)
		if err != nil || got[workflows.NotifyReminder] != store.DeliveryEmail || len(got) != len(store.NotificationKinds) {
			t.Fatalf("default preferences %v (%v), want e-mail for every kind", got, err)
		}
		if _, err := s.SetNotificationPreferences(ctx, alice.ID, store.NotificationPreferences{workflows.NotifyReminder: "sometimes"}); err == nil {
			t.Error("a delivery that is not one of ours was stored")
		}
		if fe := store.CheckNotificationPreferences(store.NotificationPreferences{"gossip": store.DeliveryOff}); fe["gossip"] == "" {
			t.Errorf("unknown kind: %v", fe)
		}
		set := func(u store.User, kind, d string) {
			t.Helper()
			p, err := s.SetNotificationPreferences(ctx, u.ID, store.NotificationPreferences{kind: d})
			if err != nil || p[kind] != d {
				t.Fatalf("setting %s %s=%s: %v %v", u.Email, kind, d, p, err)
			}
		}
		set(alice, workflows.NotifyReminder, store.DeliveryOff)
		set(alice, workflows.NotifyReminder, store.DeliveryOff) // again: no change
		set(bob, workflows.NotifyReminder, store.DeliveryInApp)
		set(carol, workflows.NotifyReminder, store.DeliveryDigest)
		if p, _ := s.NotificationPreferencesOf(ctx, alice.ID); p[workflows.NotifyAssignment] != store.DeliveryEmail {
			t.Errorf("a kind not set changed: %v", p)
		}

		ch := store.Channels{Email: true}
		reminder := func(key string, at time.Time) {
			t.Helper()
			n := notice(key, "", "officer", at)
			n.Kind, n.Level = workflows.NotifyReminder, 0
			n.About = key // each about work of its own: none supersedes another
			if err := s.AddNotificationOutbox(ctx, n, ch); err != nil {
				t.Fatal(err)
			}
		}
		reminder("r1", t0)
		reminder("r2", t0.Add(time.Hour))
		if to := emailsTo(t, s, "r1"); len(to) != 0 {
			t.Errorf("reminder e-mailed at once to %v, want nobody (off, in_app, digest)", to)
		}
		if unreadOf(t, s, alice) != 0 || unreadOf(t, s, bob) != 2 || unreadOf(t, s, carol) != 2 {
			t.Errorf("unread alice %d bob %d carol %d, want 0 2 2", unreadOf(t, s, alice), unreadOf(t, s, bob), unreadOf(t, s, carol))
		}
		if items, total, _ := s.ListNotifications(ctx, store.NotificationQuery{User: alice}); total != 0 {
			t.Errorf("alice lists %v, want none: reminders are off", keysOf(items))
		}

		digests := func(at time.Time) []store.OutboxMessage {
			t.Helper()
			if _, err := s.QueueDigests(ctx, at); err != nil {
				t.Fatal(err)
			}
			rows, err := s.ListOutbox(ctx, "", store.MaxPage)
			if err != nil {
				t.Fatal(err)
			}
			var out []store.OutboxMessage
			for _, m := range rows {
				if strings.HasPrefix(m.DedupeKey, "digest/") {
					out = append(out, m)
				}
			}
			return out
		}
		day1 := t0.Add(3 * time.Hour)
		d := digests(day1)
		if len(d) != 1 || d[0].Destination != "carol@example.com" {
			t.Fatalf("digests %+v, want one to carol", d)
		}
		e, err := d[0].Event()
		if err != nil || e.Kind != store.DigestKind || len(e.Items) != 2 || e.Items[0].DedupeKey != "r1" || e.Items[1].DedupeKey != "r2" {
			t.Fatalf("digest %+v (%v), want r1 and r2 in order", e, err)
		}
		reminder("r3", day1.Add(time.Hour))
		if d := digests(day1.Add(2 * time.Hour)); len(d) != 1 {
			t.Errorf("a second digest the same day: %d digests, want 1", len(d))
		}
		first := d[0].ID
		d = digests(day1.Add(24 * time.Hour))
		if len(d) != 2 {
			t.Fatalf("next day: %d digests, want 2", len(d))
		}
		for _, m := range d {
			if e, _ := m.Event(); m.ID != first && (len(e.Items) != 1 || e.Items[0].DedupeKey != "r3") {
				t.Errorf("next day's digest holds %+v, want r3 only", e.Items)
			}
		}
	})
}

// Groups: one per case or shipment, the newest first, each with its count,
// unread count and newest items; marking one group read leaves the others.
func TestNotificationGroups(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		alice := mkUser(t, s, "alice@example.com", domain.RoleOfficer)
		add := func(key, caseID string, at time.Time) {
			t.Helper()
			n := notice(key, "alice@example.com", "", at)
			n.CaseID, n.About = caseID, key // none supersedes another
			if err := s.AddNotification(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		add("a1", "DC-A", t0)
		add("b1", "SH-B", t0.Add(time.Minute))
		add("a2", "DC-A", t0.Add(2*time.Minute))
		add("a3", "DC-A", t0.Add(3*time.Minute))
		add("c1", "DC-C", t0.Add(4*time.Minute))
		groups, total, err := s.NotificationGroups(ctx, store.NotificationQuery{User: alice, Limit: 2})
		if err != nil || total != 3 || len(groups) != 2 {
			t.Fatalf("groups %+v total %d (%v), want 2 of 3", groups, total, err)
		}
		if g := groups[0]; g.CaseID != "DC-C" || g.Total != 1 {
			t.Errorf("first group %+v, want DC-C (the newest)", g)
		}
		if g := groups[1]; g.CaseID != "DC-A" || g.Total != 3 || g.Unread != 3 || !slices.Equal(keysOf(g.Items), []string{"a3", "a2", "a1"}) || !g.Latest.Equal(t0.Add(3*time.Minute)) {
			t.Errorf("second group %+v, want DC-A with a3, a2, a1", g)
		}
		if n, err := s.MarkCaseNotificationsRead(ctx, alice, "DC-A", t0); err != nil || n != 3 {
			t.Fatalf("marked %d (%v), want DC-A's 3", n, err)
		}
		if got := unreadOf(t, s, alice); got != 2 {
			t.Errorf("unread %d after marking DC-A, want 2", got)
		}
		groups, total, err = s.NotificationGroups(ctx, store.NotificationQuery{User: alice, UnreadOnly: true})
		if err != nil || total != 2 || groups[0].CaseID != "DC-C" || groups[1].CaseID != "SH-B" {
			t.Errorf("unread groups %+v total %d (%v), want DC-C and SH-B", groups, total, err)
		}
		if _, _, err := s.NotificationGroups(ctx, store.NotificationQuery{User: alice, Kind: "gossip"}); err == nil {
			t.Error("an unknown kind was accepted")
		}
	})
}
