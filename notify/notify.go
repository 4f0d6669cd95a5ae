// Package notify delivers the notification outbox: e-mail through SMTP and
// signed webhook POSTs. A Dispatcher, run by the worker process, polls the
// store for due messages, sends each, and marks it delivered or schedules a
// retry with exponential backoff. Delivery is at least once: a webhook
// carries its outbox id in X-Postrelease-Delivery so receivers can drop a
// repeat, and an HMAC-SHA256 of its body in X-Postrelease-Signature.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"strings"
	"sync"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// Webhook headers.
const (
	HeaderDelivery  = "X-Postrelease-Delivery"
	HeaderSignature = "X-Postrelease-Signature"
	HeaderEvent     = "X-Postrelease-Event"
)

// Config says where notifications go. The zero value sends nothing.
type Config struct {
	SMTPAddr      string   // host:port; empty turns e-mail off
	SMTPFrom      string   // the From address
	SMTPUsername  string   // optional; PLAIN auth (net/smtp sends it only over TLS or to localhost)
	SMTPPassword  string   //
	WebhookURLs   []string // one POST per notification per URL
	WebhookSecret string   // the HMAC key of X-Postrelease-Signature
	// DigestHour is the hour (UTC, 0-23) from which each day's digest
	// e-mails go out; the Dispatcher takes it unless its own is set.
	DigestHour int
	// OfficeTimeZone is the zone of e-mails to a recipient who has none of
	// their own (or is not a user); "" is UTC.
	OfficeTimeZone string
}

// Channels is what the Notify activity enqueues for this configuration.
func (c Config) Channels() store.Channels {
	return store.Channels{Email: c.SMTPAddr != "", WebhookURLs: c.WebhookURLs}
}

// Enabled reports whether any channel is configured.
func (c Config) Enabled() bool { return c.SMTPAddr != "" || len(c.WebhookURLs) > 0 }

// Sign is the X-Postrelease-Signature value of a body: "sha256=" and the
// hex HMAC-SHA256 of the body keyed with the secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is the signature of body (constant time).
func Verify(secret string, body []byte, sig string) bool {
	return hmac.Equal([]byte(sig), []byte(Sign(secret, body)))
}

// Dispatcher sends due outbox messages. Fields left zero take the defaults
// noted; tests set Now and BackoffBase to run retries without waiting.
type Dispatcher struct {
	Store  *store.Store
	Config Config
	Log    *slog.Logger // nil: slog.Default()
	HTTP   *http.Client // nil: a client with a 10 s timeout
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BackoffBase is the wait after the first failed attempt, doubled after
	// each further one up to BackoffMax (defaults 10 s and 1 h). The
	// dispatcher never gives up: a message waits until its receiver is back.
	BackoffBase, BackoffMax time.Duration
	// Poll is how often Run looks for due messages (default 2 s).
	Poll time.Duration
	// Lease hides a claimed message from other dispatchers while it is sent
	// (default 5 min); longer than any send may take.
	Lease time.Duration
	// Batch is how many messages one poll claims (default 50).
	Batch int
	// DigestHour is the hour (UTC, 0-23) from which each day's digest
	// e-mails are queued (default Config.DigestHour, which defaults to 0:
	// the first poll of each day).
	DigestHour int

	digestDay string // the UTC day whose digests were queued
}

// QueueDigestsDue queues the day's digest e-mails (store.QueueDigests) at
// the first call on or after DigestHour of each UTC day; later calls that
// day do nothing. It returns how many it queued.
func (d *Dispatcher) QueueDigestsDue(ctx context.Context) (int, error) {
	now := d.now().UTC()
	day := now.Format(time.DateOnly)
	hour := d.DigestHour
	if hour == 0 {
		hour = d.Config.DigestHour
	}
	if day == d.digestDay || now.Hour() < hour {
		return 0, nil
	}
	n, err := d.Store.QueueDigests(ctx, now)
	if err == nil {
		d.digestDay = day
	}
	return n, err
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func orDefault(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// Backoff is the wait after attempt number attempts (1 for the first) failed.
func (d *Dispatcher) Backoff(attempts int) time.Duration {
	base, maxWait := orDefault(d.BackoffBase, 10*time.Second), orDefault(d.BackoffMax, time.Hour)
	w := base
	for i := 1; i < attempts && w < maxWait; i++ {
		w *= 2
	}
	return min(w, maxWait)
}

// Start runs the dispatcher in a goroutine until stop is called; stop waits
// for the goroutine to end.
func (d *Dispatcher) Start() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.Run(ctx)
	}()
	return func() { cancel(); wg.Wait() }
}

// Run polls and sends until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(orDefault(d.Poll, 2*time.Second))
	defer t.Stop()
	for {
		if _, err := d.QueueDigestsDue(ctx); err != nil && ctx.Err() == nil {
			d.log().Warn("notification digests", "error", err)
		}
		for {
			n, err := d.DispatchDue(ctx)
			if err != nil && ctx.Err() == nil {
				d.log().Warn("notification outbox", "error", err)
			}
			if err != nil || n < max(d.Batch, 1) || ctx.Err() != nil {
				break // a full batch means more may be due now
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DispatchDue claims one batch of due messages and sends each once,
// returning how many it claimed.
func (d *Dispatcher) DispatchDue(ctx context.Context) (int, error) {
	batch := d.Batch
	if batch <= 0 {
		batch = 50
	}
	lease := orDefault(d.Lease, 5*time.Minute)
	leaseEnd := d.now().Add(lease)
	msgs, err := d.Store.ClaimOutbox(ctx, d.now(), lease, batch)
	if err != nil {
		return 0, err
	}
	for i, m := range msgs {
		// A send that could outlast the lease might race another
		// dispatcher's claim of the same message (a second delivery): hand
		// the rest of the batch back, due now, instead.
		if d.now().Add(smtpTimeout).After(leaseEnd) {
			for _, rest := range msgs[i:] {
				if err := d.Store.RetryOutbox(ctx, rest.ID, d.now(), rest.LastError); err != nil {
					return len(msgs), err
				}
			}
			return len(msgs), nil
		}
		if err := d.send(ctx, m); err != nil {
			if ctx.Err() != nil {
				return len(msgs), ctx.Err() // the lease brings it back
			}
			wait := d.Backoff(m.Attempts)
			d.log().Info("notification delivery failed; will retry", "id", m.ID, "channel", m.Channel,
				"destination", m.Destination, "attempts", m.Attempts, "retry_in", wait, "error", err)
			if err := d.Store.RetryOutbox(ctx, m.ID, d.now().Add(wait), err.Error()); err != nil {
				return len(msgs), err
			}
			continue
		}
		if err := d.Store.MarkOutboxDelivered(ctx, m.ID, d.now()); err != nil {
			return len(msgs), err
		}
	}
	return len(msgs), nil
}

func (d *Dispatcher) send(ctx context.Context, m store.OutboxMessage) error {
	switch m.Channel {
	case store.ChannelWebhook:
		return d.sendWebhook(ctx, m)
	case store.ChannelEmail:
		return d.sendEmail(m)
	}
	return fmt.Errorf("unknown channel %q", m.Channel)
}

func (d *Dispatcher) sendWebhook(ctx context.Context, m store.OutboxMessage) error {
	body := []byte(m.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Destination, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "postrelease-webhook/1")
	req.Header.Set(HeaderDelivery, m.ID)
	req.Header.Set(HeaderEvent, "notification")
	req.Header.Set(HeaderSignature, Sign(d.Config.WebhookSecret, body))
	c := d.HTTP
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("posting webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// Email is the message sent for an outbox e-mail: headers and a plain-text
// body, its times (the workflows write them in UTC) on loc's clock, the
// recipient's (nil is UTC).
func Email(from, to string, m store.OutboxMessage, loc *time.Location) ([]byte, error) {
	if loc == nil {
		loc = time.UTC
	}
	e, err := m.Event()
	if err != nil {
		return nil, err
	}
	subject := fmt.Sprintf("[postrelease] %s: %s", e.Kind, e.CaseID)
	if e.Step != "" {
		subject += " " + workflows.Title(e.Step)
	}
	if e.Kind == store.DigestKind {
		subject = fmt.Sprintf("[postrelease] Your daily digest: %d notifications", len(e.Items))
	}
	var b strings.Builder
	for _, h := range [][2]string{
		{"From", from}, {"To", to},
		{"Subject", mime.QEncoding.Encode("utf-8", subject)},
		{"Date", e.At.UTC().Format(time.RFC1123Z)},
		{"Message-ID", "<" + m.ID + "@postrelease>"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "8bit"},
	} {
		if strings.ContainsAny(h[1], "\r\n") {
			return nil, fmt.Errorf("header %s has a line break", h[0])
		}
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	text := workflows.LocalText(e.Message, loc) + "\n\nCase: " + e.CaseID + "\nStep: " + workflows.Title(e.Step) + "\nKind: " + e.Kind + "\n"
	if e.Level > 0 {
		text += fmt.Sprintf("Escalation level: %d\n", e.Level)
	}
	if e.Kind == store.DigestKind {
		text = e.Message + ":\n"
		for _, it := range e.Items {
			text += "\n- " + workflows.LocalText(workflows.ReadableTime(it.At), loc) + ", " + it.Kind + ": " + workflows.LocalText(it.Message, loc)
		}
		text += "\n\nChoose what you get, and how, under Account > Notifications.\n"
	}
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n"))
	return []byte(b.String()), nil
}

// recipientZone is the zone an e-mail to addr reads its times in: the
// user's own, else the office's, else UTC.
func (d *Dispatcher) recipientZone(addr string) *time.Location {
	zone := d.Config.OfficeTimeZone
	if d.Store == nil {
		return domain.ZoneOrUTC(zone)
	}
	if u, err := d.Store.UserByEmail(context.Background(), addr); err == nil && u.TimeZone != "" {
		zone = u.TimeZone
	}
	return domain.ZoneOrUTC(zone)
}

func (d *Dispatcher) sendEmail(m store.OutboxMessage) error {
	c := d.Config
	if c.SMTPAddr == "" {
		return errors.New("SMTP is not configured (POSTRELEASE_SMTP_ADDR)")
	}
	msg, err := Email(c.SMTPFrom, m.Destination, m, d.recipientZone(m.Destination))
	if err != nil {
		return err
	}
	if err := sendMail(c, m.Destination, msg); err != nil {
		return fmt.Errorf("sending e-mail to %s: %w", m.Destination, err)
	}
	return nil
}

// smtpTimeout bounds one whole SMTP conversation.
const smtpTimeout = 30 * time.Second

// sendMail is smtp.SendMail (STARTTLS when offered, PLAIN auth when a user
// name is set, which net/smtp refuses without TLS except to localhost) with a
// deadline, so a server that stops answering cannot hold the dispatcher.
func sendMail(c Config, to string, msg []byte) error {
	host, _, err := net.SplitHostPort(c.SMTPAddr)
	if err != nil {
		return fmt.Errorf("POSTRELEASE_SMTP_ADDR %q: %w", c.SMTPAddr, err)
	}
	conn, err := net.DialTimeout("tcp", c.SMTPAddr, smtpTimeout)
	if err != nil {
		return err
	}
	if err := conn.SetDeadline(time.Now().Add(smtpTimeout)); err != nil {
		conn.Close()
		return err
	}
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer cl.Close()
	if err := cl.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := cl.Extension("STARTTLS"); ok {
		if err := cl.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if c.SMTPUsername != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.SMTPUsername, c.SMTPPassword, host)); err != nil {
			return err
		}
	}
	if err := cl.Mail(c.SMTPFrom); err != nil {
		return err
	}
	if err := cl.Rcpt(to); err != nil {
		return err
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return cl.Quit()
}
