// Package app wires postrelease together: configuration from the environment,
// the store, the Temporal client and worker, and the HTTP server. The same Run
// functions serve the command line and the end-to-end tests.
package app

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/notify"
)

// Config is every setting, filled from the environment; flags may override.
// The defaults run the product on one machine with nothing installed.
type Config struct {
	HTTPAddr          string        // POSTRELEASE_HTTP_ADDR, default 127.0.0.1:8080
	DataDir           string        // POSTRELEASE_DATA_DIR, default ./data (dev: Temporal's and the store's SQLite files)
	DatabaseURL       string        // DATABASE_URL; empty means the SQLite file DataDir/postrelease.db
	TemporalAddress   string        // TEMPORAL_ADDRESS, default 127.0.0.1:7233 (dev: the embedded server's frontend)
	TemporalNamespace string        // TEMPORAL_NAMESPACE, default "default"
	Policy            string        // POSTRELEASE_POLICY: production, demo, or a JSON file; dev defaults to demo
	SecureCookies     bool          // POSTRELEASE_SECURE_COOKIES: set when served over HTTPS
	SessionTTL        time.Duration // POSTRELEASE_SESSION_TTL, default 12h
	SessionIdle       time.Duration // POSTRELEASE_SESSION_IDLE, default 1h; 0 turns the idle limit off
	LogLevel          slog.Level    // POSTRELEASE_LOG_LEVEL: debug, info, warn, error
	// ShutdownGrace (POSTRELEASE_SHUTDOWN_GRACE, default 10s) is how long a
	// stopping api or dev lets the requests in flight finish; those still
	// running then (waiting on Temporal) answer 503, retry.
	ShutdownGrace time.Duration
	// DocumentDir (POSTRELEASE_DOCUMENT_DIR) keeps uploaded documents as files
	// named by their SHA-256; empty keeps them in the database.
	DocumentDir string
	// WorkflowCacheSize (POSTRELEASE_WORKFLOW_CACHE_SIZE) is how many running
	// workflows a worker keeps in memory between their tasks; 0 is the SDK's
	// default (10,000). Fewer saves memory; an evicted workflow is replayed
	// from its history at its next task.
	WorkflowCacheSize int
	// Notify configures e-mail (POSTRELEASE_SMTP_ADDR, _FROM, _USERNAME,
	// _PASSWORD; POSTRELEASE_DIGEST_HOUR, the UTC hour of the daily digest),
	// _PASSWORD) and webhooks (POSTRELEASE_WEBHOOK_URLS, comma-separated, and
	// POSTRELEASE_WEBHOOK_SECRET); unset sends only in-app notifications.
	Notify notify.Config
	// TrustedProxies (POSTRELEASE_TRUSTED_PROXIES, comma-separated addresses
	// or CIDR ranges) are the reverse proxies whose X-Forwarded-For is
	// believed; empty records the connection's own address.
	TrustedProxies []*net.IPNet
	// LegalTimeZone (POSTRELEASE_LEGAL_TIME_ZONE), an IANA zone such as
	// America/New_York, makes one zone govern the legal days of every port
	// (a team that files from New York, or wants the most conservative
	// reading); empty, the default, uses each port's own zone. Either is
	// resolved when a case or shipment opens and kept with it.
	LegalTimeZone string
	// OfficeTimeZone (POSTRELEASE_OFFICE_TIME_ZONE, default America/New_York)
	// is the IANA zone web pages show times in for a user who has not chosen
	// one on the account page. The seeded ports are on both coasts, so no
	// port's zone is the obvious default; New York is where most entries and
	// brokers' compliance teams sit. It never decides a legal day.
	OfficeTimeZone string
	// Inspection is the prior of the inspection estimate: a baseline rate
	// per HTS chapter (POSTRELEASE_INSPECTION_BASELINE, chapter:rate pairs,
	// * for any other chapter; default the notes' 3.8 % for hardware tools)
	// and how many shipments it weighs as
	// (POSTRELEASE_INSPECTION_PRIOR_STRENGTH, default 20).
	Inspection inspection.Prior
	// ReviewSchedule (POSTRELEASE_REVIEW_SCHEDULE) is when the compliance
	// reviews start: "quarterly" (the first day of each quarter at
	// ReviewHour in the office zone) or a duration of a minute or more
	// ("5m": one every five minutes). Empty: quarterly, except under dev,
	// where it is DevReviewEvery. ReviewEvery is the duration, 0 quarterly.
	ReviewSchedule string
	ReviewEvery    time.Duration
	// ReviewHour (POSTRELEASE_REVIEW_HOUR, default 9) is the hour of the
	// quarterly review's start in the office zone.
	ReviewHour int
}

// DevReviewEvery is how often dev starts a compliance review unless
// POSTRELEASE_REVIEW_SCHEDULE says otherwise: soon enough to watch one.
const DevReviewEvery = 5 * time.Minute

// DefaultOfficeTimeZone is the office zone when POSTRELEASE_OFFICE_TIME_ZONE
// is unset (Config.OfficeTimeZone says why this one).
const DefaultOfficeTimeZone = "America/New_York"

// FromEnv reads the configuration; a malformed value is an error naming the variable.
func FromEnv() (Config, error) {
	c := Config{
		HTTPAddr:          env("POSTRELEASE_HTTP_ADDR", "127.0.0.1:8080"),
		DataDir:           env("POSTRELEASE_DATA_DIR", "./data"),
		DatabaseURL:       os.Getenv("DATABASE_URL"),
		TemporalAddress:   env("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: env("TEMPORAL_NAMESPACE", "default"),
		Policy:            os.Getenv("POSTRELEASE_POLICY"),
		DocumentDir:       strings.TrimSpace(os.Getenv("POSTRELEASE_DOCUMENT_DIR")),
	}
	var err error
	if c.SecureCookies, err = strconv.ParseBool(env("POSTRELEASE_SECURE_COOKIES", "false")); err != nil {
		return c, fmt.Errorf("POSTRELEASE_SECURE_COOKIES: %w", err)
	}
	if c.SessionTTL, err = time.ParseDuration(env("POSTRELEASE_SESSION_TTL", "12h")); err != nil || c.SessionTTL <= 0 {
		return c, fmt.Errorf("POSTRELEASE_SESSION_TTL: want a positive duration like 12h")
	}
	if c.SessionIdle, err = time.ParseDuration(env("POSTRELEASE_SESSION_IDLE", "1h")); err != nil || c.SessionIdle < 0 {
		return c, fmt.Errorf("POSTRELEASE_SESSION_IDLE: want a duration like 1h, or 0 for no idle limit")
	}
	if c.ShutdownGrace, err = time.ParseDuration(env("POSTRELEASE_SHUTDOWN_GRACE", "10s")); err != nil || c.ShutdownGrace <= 0 {
		return c, fmt.Errorf("POSTRELEASE_SHUTDOWN_GRACE: want a positive duration like 10s")
	}
	if c.WorkflowCacheSize, err = strconv.Atoi(env("POSTRELEASE_WORKFLOW_CACHE_SIZE", "0")); err != nil || c.WorkflowCacheSize < 0 {
		return c, fmt.Errorf("POSTRELEASE_WORKFLOW_CACHE_SIZE: want a whole number of workflows, 0 for the default")
	}
	if c.Notify, err = notifyFromEnv(); err != nil {
		return c, err
	}
	if c.TrustedProxies, err = parseProxies(os.Getenv("POSTRELEASE_TRUSTED_PROXIES")); err != nil {
		return c, err
	}
	if c.LegalTimeZone = strings.TrimSpace(os.Getenv("POSTRELEASE_LEGAL_TIME_ZONE")); c.LegalTimeZone != "" {
		if _, err := domain.LoadZone(c.LegalTimeZone); err != nil {
			return c, fmt.Errorf("POSTRELEASE_LEGAL_TIME_ZONE: %w", err)
		}
	}
	c.OfficeTimeZone = env("POSTRELEASE_OFFICE_TIME_ZONE", DefaultOfficeTimeZone)
	if _, err := domain.LoadZone(c.OfficeTimeZone); err != nil {
		return c, fmt.Errorf("POSTRELEASE_OFFICE_TIME_ZONE: %w", err)
	}
	strength := os.Getenv("POSTRELEASE_INSPECTION_PRIOR_STRENGTH")
	if _, err := inspection.ParsePrior("", strength); err != nil {
		return c, fmt.Errorf("POSTRELEASE_INSPECTION_PRIOR_STRENGTH: %w", err)
	}
	if c.Inspection, err = inspection.ParsePrior(os.Getenv("POSTRELEASE_INSPECTION_BASELINE"), strength); err != nil {
		return c, fmt.Errorf("POSTRELEASE_INSPECTION_BASELINE: %w", err)
	}
	c.Notify.OfficeTimeZone = c.OfficeTimeZone // e-mails to someone without a zone of their own
	if c.ReviewSchedule, c.ReviewEvery, err = reviewScheduleFromEnv(os.Getenv("POSTRELEASE_REVIEW_SCHEDULE")); err != nil {
		return c, err
	}
	if c.ReviewHour, err = strconv.Atoi(env("POSTRELEASE_REVIEW_HOUR", "9")); err != nil || c.ReviewHour < 0 || c.ReviewHour > 23 {
		return c, fmt.Errorf("POSTRELEASE_REVIEW_HOUR: want an hour from 0 to 23")
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("POSTRELEASE_LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("POSTRELEASE_LOG_LEVEL: %w", err)
	}
	return c, nil
}

// reviewScheduleFromEnv reads POSTRELEASE_REVIEW_SCHEDULE: "", "quarterly"
// or a duration of a minute or more.
func reviewScheduleFromEnv(v string) (string, time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "quarterly" {
		return v, 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute {
		return v, 0, fmt.Errorf("POSTRELEASE_REVIEW_SCHEDULE: want quarterly or a duration of a minute or more, like 5m")
	}
	return v, d, nil
}

// ReviewScheduleFor is when reviews start under this configuration: dev
// runs one every DevReviewEvery unless the schedule was set.
func (c Config) ReviewScheduleFor(dev bool) time.Duration {
	if dev && c.ReviewSchedule == "" {
		return DevReviewEvery
	}
	return c.ReviewEvery
}

// notifyFromEnv reads the e-mail and webhook settings.
func notifyFromEnv() (notify.Config, error) {
	n := notify.Config{
		SMTPAddr:      strings.TrimSpace(os.Getenv("POSTRELEASE_SMTP_ADDR")),
		SMTPFrom:      strings.TrimSpace(os.Getenv("POSTRELEASE_SMTP_FROM")),
		SMTPUsername:  os.Getenv("POSTRELEASE_SMTP_USERNAME"),
		SMTPPassword:  os.Getenv("POSTRELEASE_SMTP_PASSWORD"),
		WebhookSecret: os.Getenv("POSTRELEASE_WEBHOOK_SECRET"),
	}
	h, err := strconv.Atoi(env("POSTRELEASE_DIGEST_HOUR", "0"))
	if err != nil || h < 0 || h > 23 {
		return n, fmt.Errorf("POSTRELEASE_DIGEST_HOUR: want a whole hour from 0 to 23 (UTC), got %q", os.Getenv("POSTRELEASE_DIGEST_HOUR"))
	}
	n.DigestHour = h
	if n.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(n.SMTPAddr); err != nil {
			return n, fmt.Errorf("POSTRELEASE_SMTP_ADDR: want host:port: %w", err)
		}
		if _, err := mail.ParseAddress(n.SMTPFrom); err != nil {
			return n, fmt.Errorf("POSTRELEASE_SMTP_FROM: want an e-mail address when POSTRELEASE_SMTP_ADDR is set: %w", err)
		}
	}
	for _, u := range strings.Split(os.Getenv("POSTRELEASE_WEBHOOK_URLS"), ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return n, fmt.Errorf("POSTRELEASE_WEBHOOK_URLS: %q is not an http(s) URL", u)
		}
		n.WebhookURLs = append(n.WebhookURLs, u)
	}
	if len(n.WebhookURLs) > 0 && n.WebhookSecret == "" {
		return n, fmt.Errorf("POSTRELEASE_WEBHOOK_SECRET: required when POSTRELEASE_WEBHOOK_URLS is set")
	}
	return n, nil
}

func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// Logger is the process's structured logger.
func (c Config) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel}))
}

// parseProxies reads a comma-separated list of addresses and CIDR ranges; a
// bare address is a range of one.
func parseProxies(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			ip := net.ParseIP(item)
			if ip == nil {
				return nil, fmt.Errorf("POSTRELEASE_TRUSTED_PROXIES: %q is not an address or CIDR range", item)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("POSTRELEASE_TRUSTED_PROXIES: %q is not an address or CIDR range", item)
		}
		out = append(out, n)
	}
	return out, nil
}
