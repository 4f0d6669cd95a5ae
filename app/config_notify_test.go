package app

import (
	"slices"
	"testing"
)

func TestNotifyFromEnv(t *testing.T) {
	t.Setenv("POSTRELEASE_SMTP_ADDR", "mail.example.com:587")
	t.Setenv("POSTRELEASE_SMTP_FROM", "postrelease@example.com")
	t.Setenv("POSTRELEASE_WEBHOOK_URLS", " https://a.example/hook, ,http://b.example/x ")
	t.Setenv("POSTRELEASE_WEBHOOK_SECRET", "k")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notify
	if n.SMTPAddr != "mail.example.com:587" || n.SMTPFrom != "postrelease@example.com" || n.WebhookSecret != "k" ||
		!slices.Equal(n.WebhookURLs, []string{"https://a.example/hook", "http://b.example/x"}) || !n.Channels().Email {
		t.Errorf("Notify = %+v", n)
	}
	for name, bad := range map[string]string{
		"POSTRELEASE_SMTP_ADDR":      "no-port",
		"POSTRELEASE_SMTP_FROM":      "not an address",
		"POSTRELEASE_WEBHOOK_URLS":   "ftp://x.example/",
		"POSTRELEASE_WEBHOOK_SECRET": "",
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
	for _, v := range []string{"POSTRELEASE_SMTP_ADDR", "POSTRELEASE_SMTP_FROM", "POSTRELEASE_WEBHOOK_URLS", "POSTRELEASE_WEBHOOK_SECRET"} {
		t.Setenv(v, "")
	}
	c, err := FromEnv()
	if err != nil || c.Notify.Enabled() {
		t.Errorf("unset: %+v, %v", c.Notify, err)
	}
}
