package notify_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/notify"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

var t0 = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

func notice(key, email string, role domain.Role) workflows.NotifyInput {
	return workflows.NotifyInput{DedupeKey: key, CaseID: "C-" + key, Kind: workflows.NotifyReminder, Step: workflows.StepFilePSC,
		ToEmail: email, ToRole: role, Message: "file_psc is due (" + key + ")", At: t0}
}

// receiver is a webhook endpoint that answers 503 to its first down
// requests, then accepts. It counts raw accepted deliveries per delivery id:
// it does not deduplicate, so a duplicate shows.
type receiver struct {
	t      *testing.T
	secret string
	down   int

	mu        sync.Mutex
	requests  int
	delivered map[string]int
	bodies    map[string]store.NotificationEvent
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.t.Errorf("reading body: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.requests <= r.down {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	if sig := req.Header.Get(notify.HeaderSignature); !notify.Verify(r.secret, body, sig) {
		r.t.Errorf("bad signature %q on %s", sig, body)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var e store.NotificationEvent
	if err := json.Unmarshal(body, &e); err != nil {
		r.t.Errorf("body %s: %v", body, err)
	}
	id := req.Header.Get(notify.HeaderDelivery)
	r.delivered[id]++
	r.bodies[id] = e
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhookReceiverDownAtFirstGetsEveryMessageOnce(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		const secret = "s3cret"
		rcv := &receiver{t: t, secret: secret, down: 7, delivered: map[string]int{}, bodies: map[string]store.NotificationEvent{}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		url := srv.URL + "/hook"

		var mu sync.Mutex
		now := t0
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		s.SetClock(clock)
		cfg := notify.Config{WebhookURLs: []string{url}, WebhookSecret: secret}
		const n = 5
		want := map[string]string{} // delivery id → dedupe key
		for i := range n {
			in := notice(fmt.Sprint("k", i), "", "manager")
			for range 2 { // a retried activity enqueues once
				if err := s.AddNotificationOutbox(ctx, in, cfg.Channels()); err != nil {
					t.Fatal(err)
				}
			}
			want[store.OutboxID(in.DedupeKey, store.ChannelWebhook, url)] = in.DedupeKey
		}
		d := &notify.Dispatcher{Store: s, Config: cfg, Now: clock, BackoffBase: time.Second, BackoffMax: 8 * time.Second, Batch: 2}
		for round := 0; round < 40; round++ {
			if _, err := d.DispatchDue(ctx); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			now = now.Add(3 * time.Second)
			mu.Unlock()
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		if rcv.requests <= rcv.down {
			t.Fatalf("only %d requests; the receiver never came back", rcv.requests)
		}
		for id, key := range want {
			if got := rcv.delivered[id]; got != 1 {
				t.Errorf("message %s (%s) delivered %d times, want exactly 1", id, key, got)
			}
			if e := rcv.bodies[id]; e.DedupeKey != key || e.Message != "file_psc is due ("+key+")" {
				t.Errorf("message %s body %+v", id, e)
			}
		}
		if len(rcv.delivered) != n {
			t.Errorf("receiver got %d distinct deliveries, want %d: %v", len(rcv.delivered), n, rcv.delivered)
		}
		rows, err := s.ListOutbox(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		retried := 0
		for _, r := range rows {
			if r.Status != store.OutboxDelivered || r.DeliveredAt == nil || r.LastError != "" {
				t.Errorf("outbox row %+v not delivered", r)
			}
			if r.Attempts > 1 {
				retried++
			}
		}
		if len(rows) != n || retried == 0 {
			t.Errorf("%d outbox rows, %d retried; want %d, some retried", len(rows), retried, n)
		}
	})
}

// TestDispatcherRunsUntilStopped runs the dispatcher as the worker does, in
// its goroutine on the real clock with a short backoff.
func TestDispatcherRunsUntilStopped(t *testing.T) {
	s := teststore.Open(t, testdb.SQLite(t))
	rcv := &receiver{t: t, secret: "k", down: 3, delivered: map[string]int{}, bodies: map[string]store.NotificationEvent{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	cfg := notify.Config{WebhookURLs: []string{srv.URL}, WebhookSecret: "k"}
	for i := range 3 {
		if err := s.AddNotificationOutbox(t.Context(), notice(fmt.Sprint("r", i), "a@example.com", ""), cfg.Channels()); err != nil {
			t.Fatal(err)
		}
	}
	d := &notify.Dispatcher{Store: s, Config: cfg, Poll: 5 * time.Millisecond, BackoffBase: time.Millisecond, BackoffMax: 10 * time.Millisecond}
	stop := d.Start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := s.ListOutbox(t.Context(), store.OutboxPending, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still pending: %+v", rows)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for id, c := range rcv.delivered {
		if c != 1 {
			t.Errorf("%s delivered %d times", id, c)
		}
	}
	if len(rcv.delivered) != 3 {
		t.Errorf("delivered %v, want 3 messages", rcv.delivered)
	}
}

func TestBackoff(t *testing.T) {
	d := &notify.Dispatcher{BackoffBase: time.Second, BackoffMax: 10 * time.Second}
	for attempts, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 100: 10 * time.Second} {
		if got := d.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
	if got := (&notify.Dispatcher{}).Backoff(1); got != 10*time.Second {
		t.Errorf("default first backoff %v", got)
	}
}

func TestSign(t *testing.T) {
	// printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac secret
	const want = "sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494"
	body := []byte(`{"a":1}`)
	if got := notify.Sign("secret", body); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	if !notify.Verify("secret", body, want) || notify.Verify("other", body, want) || notify.Verify("secret", []byte(`{"a":2}`), want) {
		t.Error("Verify accepts a wrong key or body, or refuses the right one")
	}
}

// fakeSMTP speaks enough SMTP for net/smtp. Its first session refuses MAIL
// with 451 (the server is "down"), later ones accept and record the message.
type fakeSMTP struct {
	ln       net.Listener
	mu       sync.Mutex
	sessions int
	mails    []mailRecord
}

type mailRecord struct {
	from, to, data string
}

func startFakeSMTP(t *testing.T) *fakeSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return f
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	f.mu.Lock()
	f.sessions++
	first := f.sessions == 1
	f.mu.Unlock()
	tp := textproto.NewConn(c)
	reply := func(s string) { tp.PrintfLine("%s", s) }
	reply("220 fake.example ESMTP")
	var m mailRecord
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO", "RSET", "NOOP":
			reply("250 fake.example")
		case "MAIL":
			if first {
				reply("451 try again later")
				continue
			}
			m = mailRecord{from: line}
			reply("250 ok")
		case "RCPT":
			m.to = line
			reply("250 ok")
		case "DATA":
			reply("354 go ahead")
			r := bufio.NewReader(tp.DotReader())
			b, _ := io.ReadAll(r)
			m.data = string(b)
			f.mu.Lock()
			f.mails = append(f.mails, m)
			f.mu.Unlock()
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

func TestEmailThroughSMTP(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := startFakeSMTP(t)
		if _, err := s.CreateUser(ctx, "mike@example.com", "Mike", "manager", "a long enough password"); err != nil {
			t.Fatal(err)
		}
		now := t0
		s.SetClock(func() time.Time { return now })
		cfg := notify.Config{SMTPAddr: f.ln.Addr().String(), SMTPFrom: "postrelease@example.com"}
		in := notice("esc", "", "manager")
		in.Kind, in.Level, in.Message = workflows.NotifyEscalation, 2, "file_psc is overdue"
		if err := s.AddNotificationOutbox(ctx, in, cfg.Channels()); err != nil {
			t.Fatal(err)
		}
		dispatchThrice(t, s, cfg, &now)
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.mails) != 1 || f.sessions != 2 {
			t.Fatalf("%d sessions, mails %+v; want 2 sessions (one refused), 1 mail", f.sessions, f.mails)
		}
		m := f.mails[0]
		if m.from != "MAIL FROM:<postrelease@example.com>" || m.to != "RCPT TO:<mike@example.com>" {
			t.Errorf("envelope %q %q", m.from, m.to)
		}
		id := store.OutboxID("esc", store.ChannelEmail, "mike@example.com")
		for _, h := range []string{
			"From: postrelease@example.com\n",
			"To: mike@example.com\n",
			"Subject: [postrelease] escalation: C-esc File PSC\n",
			"Date: Mon, 01 Mar 2027 09:00:00 +0000\n",
			"Message-ID: <" + id + "@postrelease>\n",
			"Content-Type: text/plain; charset=utf-8\n",
			"\nfile_psc is overdue\n\nCase: C-esc\nStep: File PSC\nKind: escalation\nEscalation level: 2\n",
		} {
			if !strings.Contains(m.data, h) {
				t.Errorf("message lacks %q:\n%s", h, m.data)
			}
		}
		rows, err := s.ListOutbox(ctx, "", 10)
		if err != nil || len(rows) != 1 || rows[0].Status != store.OutboxDelivered || rows[0].Attempts != 2 {
			t.Errorf("outbox %+v, %v", rows, err)
		}
	})
}

// A batch whose sends run long hands the rest back before the lease ends, so
// no other dispatcher can claim a message this one is still sending.
func TestSlowBatchHandsBackTheRestBeforeTheLeaseEnds(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		const secret = "s3cret"
		var mu sync.Mutex
		now := t0
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		s.SetClock(clock)
		rcv := &receiver{t: t, secret: secret, delivered: map[string]int{}, bodies: map[string]store.NotificationEvent{}}
		// Each delivery takes 25 s of the dispatcher's clock.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			now = now.Add(25 * time.Second)
			mu.Unlock()
			rcv.ServeHTTP(w, r)
		}))
		defer srv.Close()
		cfg := notify.Config{WebhookURLs: []string{srv.URL}, WebhookSecret: secret}
		for i := range 20 {
			if err := s.AddNotificationOutbox(ctx, notice(fmt.Sprint("slow", i), "", "manager"), cfg.Channels()); err != nil {
				t.Fatal(err)
			}
		}
		d := &notify.Dispatcher{Store: s, Config: cfg, Now: clock, Lease: 5 * time.Minute, Batch: 20}
		if n, err := d.DispatchDue(ctx); err != nil || n != 20 {
			t.Fatalf("claimed %d, %v", n, err)
		}
		// Sends start at 0, 25 s, ... 250 s; at 275 s a send of up to 30 s
		// could outlast the 300 s lease.
		c, err := s.CountOutbox(ctx)
		if err != nil || c.Delivered != 11 || c.Pending != 9 {
			t.Fatalf("after the slow batch: %+v, %v; want 11 delivered and 9 handed back", c, err)
		}
		ms, err := s.ClaimOutbox(ctx, clock(), time.Minute, 20)
		if err != nil || len(ms) != 9 {
			t.Fatalf("the handed-back messages are not due at once: %d claimed, %v", len(ms), err)
		}
	})
}

// A user who chose the digest gets no e-mail at once, and one e-mail a day
// from the configured DigestHour with every notification since, sent
// through SMTP.
func TestDigestThroughSMTP(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := startFakeSMTP(t)
		u, err := s.CreateUser(ctx, "mike@example.com", "Mike", "manager", "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetNotificationPreferences(ctx, u.ID, store.NotificationPreferences{workflows.NotifyEscalation: store.DeliveryDigest}); err != nil {
			t.Fatal(err)
		}
		now := t0 // 09:00 UTC
		s.SetClock(func() time.Time { return now })
		cfg := notify.Config{SMTPAddr: f.ln.Addr().String(), SMTPFrom: "postrelease@example.com", DigestHour: 17}
		for i, msg := range []string{"Case C-1 escalated to level 1: File PSC was due", "Case C-2 escalated to level 2: Payment is still not done"} {
			in := notice(fmt.Sprint("esc", i), "", "manager")
			in.Kind, in.Message, in.At = workflows.NotifyEscalation, msg, now.Add(time.Duration(i)*time.Minute)
			if err := s.AddNotificationOutbox(ctx, in, cfg.Channels()); err != nil {
				t.Fatal(err)
			}
		}
		d := &notify.Dispatcher{Store: s, Config: cfg, Now: func() time.Time { return now }, BackoffBase: time.Second}
		if n, err := d.DispatchDue(ctx); err != nil || n != 0 {
			t.Fatalf("e-mails at once: %d (%v), want none: mike chose the digest", n, err)
		}
		if n, err := d.QueueDigestsDue(ctx); err != nil || n != 0 {
			t.Fatalf("digests before 17:00: %d (%v)", n, err)
		}
		now = now.Add(8 * time.Hour) // 17:00
		if n, err := d.QueueDigestsDue(ctx); err != nil || n != 1 {
			t.Fatalf("digests at 17:00: %d (%v), want 1", n, err)
		}
		if n, err := d.QueueDigestsDue(ctx); err != nil || n != 0 {
			t.Fatalf("a second call the same day queued %d (%v)", n, err)
		}
		for range 3 {
			if _, err := d.DispatchDue(ctx); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Minute)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.mails) != 1 {
			t.Fatalf("mails %+v, want the one digest", f.mails)
		}
		for _, want := range []string{"To: mike@example.com\n", "Subject: [postrelease] Your daily digest: 2 notifications\n",
			"Case C-1 escalated to level 1: File PSC was due", "Case C-2 escalated to level 2: Payment is still not done"} {
			if !strings.Contains(f.mails[0].data, want) {
				t.Errorf("digest lacks %q:\n%s", want, f.mails[0].data)
			}
		}
	})
}

// An e-mail's times, written by the workflows in UTC, read on its
// recipient's clock: their own zone, else the office's.
func TestEmailTimesInTheRecipientsZone(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := startFakeSMTP(t)
		u, err := s.CreateUser(ctx, "kei@example.com", "Kei", "officer", "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetUserTimeZone(ctx, u.ID, "Asia/Tokyo"); err != nil {
			t.Fatal(err)
		}
		now := t0
		cfg := notify.Config{SMTPAddr: f.ln.Addr().String(), SMTPFrom: "postrelease@example.com", OfficeTimeZone: "America/New_York"}
		due := workflows.ReadableTime(time.Date(2027, 3, 3, 15, 50, 0, 0, time.UTC))
		for _, to := range []string{"kei@example.com", "broker@example.com"} { // a user in Tokyo; someone who is not a user
			in := notice(to, to, "")
			in.Message = "File PSC is yours, due " + due
			if err := s.AddNotificationOutbox(ctx, in, cfg.Channels()); err != nil {
				t.Fatal(err)
			}
		}
		dispatchThrice(t, s, cfg, &now)
		f.mu.Lock()
		defer f.mu.Unlock()
		got := map[string]string{}
		for _, m := range f.mails {
			got[m.to] = m.data
		}
		for to, want := range map[string]string{"kei@example.com": "due Thu 4 Mar 2027, 00:50 JST", "broker@example.com": "due Wed 3 Mar 2027, 10:50 EST"} {
			if data := got["RCPT TO:<"+to+">"]; !strings.Contains(data, want) || strings.Contains(data, "UTC") {
				t.Errorf("the e-mail to %s lacks %q (or still says UTC):\n%s", to, want, data)
			}
		}
	})
}

// dispatchThrice runs a dispatcher on cfg three times, a minute apart from
// *now (the fake SMTP server refuses its first session).
func dispatchThrice(t *testing.T, s *store.Store, cfg notify.Config, now *time.Time) {
	t.Helper()
	d := &notify.Dispatcher{Store: s, Config: cfg, Now: func() time.Time { return *now }, BackoffBase: time.Second}
	for range 3 {
		if _, err := d.DispatchDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(time.Minute)
	}
}
