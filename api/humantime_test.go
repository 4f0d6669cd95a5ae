package api

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/workflows"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestCompactIn(t *testing.T) {
	ny, la := mustZone(t, "America/New_York"), mustZone(t, "America/Los_Angeles")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 12, 4, 19, 5, 0, 0, time.UTC), ny, "4 Dec 14:05"},
		{time.Date(2026, 12, 4, 19, 5, 0, 0, time.UTC), la, "4 Dec 11:05"},
		// 02:30 UTC on 5 December is still the 4th in New York.
		{time.Date(2026, 12, 5, 2, 30, 0, 0, time.UTC), ny, "4 Dec 21:30"},
		{time.Date(2025, 12, 4, 19, 5, 0, 0, time.UTC), ny, "4 Dec 2025 14:05"},
		// Midnight is the end of the day before: the day a window is open on.
		{time.Date(2026, 12, 17, 5, 0, 0, 0, time.UTC), ny, "end of 16 Dec"},
		{time.Date(2026, 12, 17, 0, 0, 0, 0, time.UTC), time.UTC, "end of 16 Dec"},
		{time.Date(2026, 12, 17, 0, 0, 0, 0, time.UTC), ny, "16 Dec 19:00"},
		{time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC), ny, "end of 31 Dec"},
		{time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC), ny, "end of 31 Dec 2025"},
		// DST: 8 March 2026 at 12:00 UTC is 08:00 EDT, a day earlier 07:00 EST.
		{time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC), ny, "8 Mar 08:00"},
		{time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC), ny, "7 Mar 07:00"},
	} {
		if got := compactIn(tc.t, now, tc.loc); got != tc.want {
			t.Errorf("compactIn(%s, %s) = %q, want %q", tc.t, tc.loc, got, tc.want)
		}
	}
}

func TestRelativeWords(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d         time.Duration
		ago, due  string
		isOverdue bool
	}{
		{0, "just now", "due now", true},
		{30 * time.Second, "just now", "due now", false},
		{-5 * time.Minute, "5 minutes ago", "5 minutes overdue", true},
		{-1 * time.Minute, "1 minute ago", "1 minute overdue", true},
		{3 * time.Hour, "in 3 hours", "due in 3 hours", false},
		{-26 * time.Hour, "1 day ago", "1 day overdue", true},
		{2*24*time.Hour + 20*time.Hour, "in 2 days", "due in 2 days", false},
		{-3 * 24 * time.Hour, "3 days ago", "3 days overdue", true},
		{59 * 24 * time.Hour, "in 59 days", "due in 59 days", false},
		{-90 * 24 * time.Hour, "3 months ago", "3 months overdue", true},
		{800 * 24 * time.Hour, "in 2 years", "due in 2 years", false},
	} {
		at := now.Add(tc.d)
		if got := ago(at, now); got != tc.ago {
			t.Errorf("ago(now%+v) = %q, want %q", tc.d, got, tc.ago)
		}
		if got, over := dueWords(at, now); got != tc.due || over != tc.isOverdue {
			t.Errorf("dueWords(now%+v) = %q, %v; want %q, %v", tc.d, got, over, tc.due, tc.isOverdue)
		}
	}
}

func TestDaysWords(t *testing.T) {
	today := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for n, want := range map[int]string{0: "today", 1: "tomorrow", -1: "yesterday", 12: "in 12 days", -3: "3 days ago"} {
		if got := daysWords(today.AddDate(0, 0, n), today); got != want {
			t.Errorf("daysWords(today%+d) = %q, want %q", n, got, want)
		}
	}
	// Across the DST change the days still count whole.
	mar := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if got := daysWords(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), mar); got != "in 14 days" {
		t.Errorf("across DST: %q", got)
	}
}

func TestReaderFuncs(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	now := time.Date(2026, 12, 4, 19, 10, 0, 0, time.UTC) // 14:10 EST
	r := reader{loc: ny, now: func() time.Time { return now }}

	got := string(r.when(time.Date(2026, 12, 4, 19, 5, 0, 0, time.UTC)))
	want := `<time datetime="2026-12-04T19:05:00Z" title="Friday 4 December 2026, 14:05:00 EST (America/New_York)">4 Dec 14:05</time> <small class="rel">5 minutes ago</small>`
	if got != want {
		t.Errorf("when:\n got %s\nwant %s", got, want)
	}
	// An event at midnight happened at an hour; only deadlines end a day.
	if got := string(r.when(time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC))); !strings.Contains(got, ">4 Dec 00:00</time>") {
		t.Errorf("an event at midnight: %s", got)
	}
	// A summer time read in winter names its zone: the offset differs.
	if got := string(r.when(time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC))); !strings.Contains(got, ">1 Jul 12:00 EDT</time>") {
		t.Errorf("summer time in winter: %s", got)
	}
	if got := string(r.due(now.Add(-3 * 24 * time.Hour))); !strings.Contains(got, `<small class="overdue">3 days overdue</small>`) {
		t.Errorf("due, past: %s", got)
	}
	if got := string(r.due(now.Add(50 * time.Hour))); !strings.Contains(got, `<small class="rel">due in 2 days</small>`) {
		t.Errorf("due, future: %s", got)
	}
	// A legal instant shows on its own zone's clock, the reader's in the title.
	got = string(r.inZone(time.Date(2026, 12, 17, 8, 0, 0, 0, time.UTC), "America/Los_Angeles"))
	if !strings.Contains(got, ">end of 16 Dec PST</time>") || !strings.Contains(got, "your time 17 Dec 03:00 EST") {
		t.Errorf("inZone: %s", got)
	}
	// A legal date is a date, in its zone, counted in that zone's days: at
	// 23:30 on 4 December in Los Angeles (07:30 UTC on the 5th) the 16th is
	// 12 days away there, although it is already the 5th in UTC.
	la := reader{loc: ny, now: func() time.Time { return time.Date(2026, 12, 5, 7, 30, 0, 0, time.UTC) }}
	got = string(la.legalDate(time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC), "America/Los_Angeles"))
	for _, want := range []string{`<time datetime="2026-12-16"`, ">16 Dec 2026</time>", `<small class="zone">America/Los_Angeles</small>`,
		`<small class="rel">in 12 days</small>`, "ends at midnight there (17 Dec 00:00 PST), 17 Dec 03:00 EST your time"} {
		if !strings.Contains(got, want) {
			t.Errorf("legalDate lacks %q: %s", want, got)
		}
	}
	// Once the day has ended there, it is past.
	after := reader{loc: ny, now: func() time.Time { return time.Date(2026, 12, 17, 8, 0, 0, 0, time.UTC) }}
	if got := string(after.legalDate(time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC), "America/Los_Angeles")); !strings.Contains(got, `<small class="overdue">yesterday</small>`) {
		t.Errorf("legalDate after the day: %s", got)
	}
	// A calendar date has no zone and never shifts.
	if got := string(date(time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC))); got != `<time datetime="2026-12-16">16 Dec 2026</time>` {
		t.Errorf("date: %s", got)
	}
	if r.when(time.Time{}) != "" || r.due(time.Time{}) != "" || r.legalDate(time.Time{}, "") != "" {
		t.Error("a zero time must show nothing")
	}
}

func TestUSDFormat(t *testing.T) {
	usd := funcs["usd"].(func(any) template.HTML)
	for in, want := range map[string]string{"3474": "$3,474.00", "3474.5": "$3,474.50", "0": "$0.00", "1234567.891": "$1,234,567.89",
		"-3474.00": `<span class="refund">−$3,474.00 refund</span>`, "not a number": "not a number"} {
		if got := string(usd(in)); got != want {
			t.Errorf("usd(%q) = %q, want %q", in, got, want)
		}
	}
}

// A message the workflows wrote in UTC reads on the reader's clock, each
// instant a <time> with the full time on hover; the rest of it is escaped.
func TestLocalText(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	r := reader{loc: ny, now: func() time.Time { return time.Date(2026, 12, 4, 19, 10, 0, 0, time.UTC) }}
	msg := "Case <DC-1>: File PSC was due " + workflows.ReadableTime(time.Date(2026, 12, 3, 15, 50, 0, 0, time.UTC)) + " and is not done"
	want := `Case &lt;DC-1&gt;: File PSC was due <time datetime="2026-12-03T15:50:00Z" title="Thursday 3 December 2026, 10:50:00 EST (America/New_York)">Thu 3 Dec 2026, 10:50 EST</time> and is not done`
	if got := string(r.localText(msg)); got != want {
		t.Errorf("localText:\n got %s\nwant %s", got, want)
	}
	// An event's RFC 3339 time reads the same way; a message without a
	// time is only escaped.
	if got := string(r.localText("at 2027-01-05T05:00:00Z")); !strings.Contains(got, ">Tue 5 Jan 2027, 00:00 EST</time>") {
		t.Errorf("localText of an RFC 3339 time: %s", got)
	}
	if got := string(r.localText("a & b")); got != "a &amp; b" {
		t.Errorf("localText without a time: %s", got)
	}
}
