package workflows

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
)

// The words of messages people read (notifications, reminders,
// escalations): names in words, times and durations as people write them.

// acronyms keep their capitals in titles, word by word ("bl" but not "block").
var acronyms = map[string]string{"psc": "PSC", "cbp": "CBP", "hts": "HTS", "isf": "ISF", "bl": "B/L", "na": "N/A", "do": "DO",
	"cit": "CIT", "msds": "MSDS", "un38": "UN38"}

// Title is a step's, a task's or an outcome's name in words: its label
// (Labels) when it has one, else Words.
func Title(name string) string {
	if l := Label(name); l != "" {
		return l
	}
	if l, ok := ProtestStepLabels[Step(name)]; ok {
		return l
	}
	return Words(name)
}

// Words turns a name, "file_psc", into its words, "File PSC". A task's
// "kind:subject" name reads as both, the subject a document by its label:
// "document:un38_3_report" is "Document: UN38.3 test report".
func Words(name string) string {
	if kind, subject, ok := strings.Cut(name, ":"); ok && kind != "" && subject != "" {
		about := domain.DocumentKind(subject).Label()
		if about == subject {
			about = Words(subject)
		}
		return Words(kind) + ": " + about
	}
	words := strings.Split(name, "_")
	for i, w := range words {
		if up, ok := acronyms[w]; ok {
			words[i] = up
		}
	}
	t := strings.Join(words, " ")
	if t == "" {
		return ""
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// ReadableTime is a due time as people write it, "Thu 3 Dec 2026, 15:50 UTC"
// (the zone named, never RFC 3339's "Z"). Workflows write it in UTC, which
// keeps their history the same wherever it runs; pages and e-mails show it
// on their reader's clock (TimesIn, LocalText).
func ReadableTime(t time.Time) string {
	return t.UTC().Format(readableTimeLayout)
}

// readableTimeLayout is ReadableTime's layout: "UTC" in it is literal text.
const readableTimeLayout = "Mon 2 Jan 2006, 15:04 UTC"

// timeInText finds ReadableTime's instants in a message, the release
// checks' ("2026-11-20 15:00 UTC", domain.ReleaseStatus), and the RFC 3339
// UTC instants of events and of messages written before ReadableTime
// ("2026-12-03T15:50:10Z"); timeLayouts read them back.
var timeInText = regexp.MustCompile(`\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2} UTC\b` +
	`|\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\b|\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b`)

var timeLayouts = []string{readableTimeLayout, "2006-01-02 15:04 UTC", time.RFC3339Nano}

// parseTextTime reads an instant timeInText found.
func parseTextTime(w string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, w); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// TextPart is a piece of a message: text, or (At not zero) an instant the
// message names, Text being how it was written.
type TextPart struct {
	Text string
	At   time.Time
}

// TimesIn splits a message at the instants written in it, so a page can
// show each on its reader's clock. Text without one is one part.
func TimesIn(s string) []TextPart {
	var out []TextPart
	last := 0
	for _, m := range timeInText.FindAllStringIndex(s, -1) {
		w := s[m[0]:m[1]]
		t, ok := parseTextTime(w)
		if !ok {
			continue // a date that does not exist (31 Feb): left as written
		}
		if m[0] > last {
			out = append(out, TextPart{Text: s[last:m[0]]})
		}
		out = append(out, TextPart{Text: w, At: t.UTC()})
		last = m[1]
	}
	if last < len(s) || len(out) == 0 {
		out = append(out, TextPart{Text: s[last:]})
	}
	return out
}

// LocalText is a message with each instant in it on loc's clock, with that
// zone's abbreviation: "due Thu 3 Dec 2026, 10:50 EST" (e-mails).
func LocalText(s string, loc *time.Location) string {
	var b strings.Builder
	for _, p := range TimesIn(s) {
		if p.At.IsZero() {
			b.WriteString(p.Text)
		} else {
			b.WriteString(LocalTime(p.At, loc))
		}
	}
	return b.String()
}

// LocalTime is an instant of a message on loc's clock, as LocalText writes
// it: "Thu 3 Dec 2026, 10:50 EST".
func LocalTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
}

// ReadableDate is a legal date as people write it, "Thu 3 Dec 2026".
func ReadableDate(t time.Time) string { return t.Format("Mon 2 Jan 2006") }

// Subject names a workflow at the start of a message: "Case DC-1".
func Subject(noun, id string) string {
	if noun == "" {
		return id
	}
	return strings.ToUpper(noun[:1]) + noun[1:] + " " + id
}

// ReadableDuration is d in words, to its two largest units: "3 minutes",
// "2 days", "1 day 4 hours"; under a minute, "less than a minute".
func ReadableDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}}
	var parts []string
	for _, u := range units {
		if n := int64(d / u.size); n > 0 && len(parts) < 2 {
			parts = append(parts, plural(n, u.name))
			d -= time.Duration(n) * u.size
		} else if len(parts) > 0 {
			break // "1 day 4 minutes" reads as noise: stop at the first gap
		}
	}
	if len(parts) == 0 {
		return "less than a minute"
	}
	return strings.Join(parts, " ")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
