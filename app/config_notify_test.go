package app

import (
	"slices"
	"strings"
	"testing"
)

func TestNotifyFromEnv(t *testing.T) {
	t.Setenv("POSTRELEASE_SMTP_ADDR", "mail.example.com:587")
	t.Setenv("POSTRELEASE_SMTP_FROM", "postrelease@example.com")
	t.Setenv("POSTRELEASE_WEBHOOK_URLS", " https://a.example/hook, ,http://b.example/x ")
	t.Setenv("POSTRELEASE_WEBHOOK_SECRET", "k")
	t.Setenv("POSTRELEASE_DIGEST_HOUR", "17")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notify
	if n.SMTPAddr != "mail.example.com:587" || n.SMTPFrom != "postrelease@example.com" || n.WebhookSecret != "k" ||
		!slices.Equal(n.WebhookURLs, []string{"https://a.example/hook", "http://b.example/x"}) || !n.Channels().Email || n.DigestHour != 17 {
		t.Errorf("Notify = %+v", n)
	}
	for name, bad := range map[string]string{
		"POSTRELEASE_SMTP_ADDR":      "no-port",
		"POSTRELEASE_SMTP_FROM":      "not an address",
		"POSTRELEASE_WEBHOOK_URLS":   "ftp://x.example/",
		"POSTRELEASE_WEBHOOK_SECRET": "",
		"POSTRELEASE_DIGEST_HOUR":    "24",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, bad)
			if _, err := FromEnv(); err == nil {
				t.Errorf("%s=%q accepted", name, bad)
			}
		})
	}
}

func TestNotifyFromEnvUnset(t *testing.T) {
	for _, v := range []string{"POSTRELEASE_DIGEST_HOUR", "POSTRELEASE_SMTP_ADDR", "POSTRELEASE_SMTP_FROM", "POSTRELEASE_WEBHOOK_URLS", "POSTRELEASE_WEBHOOK_SECRET"} {
		t.Setenv(v, "")
	}
	c, err := FromEnv()
	if err != nil || c.Notify.Enabled() || c.Notify.DigestHour != 0 {
		t.Errorf("unset: %+v, %v", c.Notify, err)
	}
}

// The digest hour is a whole UTC hour; anything else stops start-up and
// names the variable.
func TestDigestHourFromEnv(t *testing.T) {
	for _, v := range []string{"-1", "24", "7.5", "noon"} {
		t.Setenv("POSTRELEASE_DIGEST_HOUR", v)
		if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "POSTRELEASE_DIGEST_HOUR") {
			t.Errorf("POSTRELEASE_DIGEST_HOUR=%q: %v", v, err)
		}
	}
	t.Setenv("POSTRELEASE_DIGEST_HOUR", "23")
	if c, err := FromEnv(); err != nil || c.Notify.DigestHour != 23 {
		t.Errorf("23: %d, %v", c.Notify.DigestHour, err)
	}
}
