package api

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// How pages show times (issue 11, "Time and money"). An instant is shown on
// the reader's clock (their zone, or the office's), compact ("4 Dec 14:05";
// the year only when it is not this one), with how long ago or how soon,
// and in full with its zone on hover: a <time datetime title> element. A
// legal or port instant is shown on that zone's clock, with its
// abbreviation. A calendar date (entry date, a legal last day) is a date,
// never an instant: "16 Dec 2026". An instant at midnight is "end of" the
// day before, so a window that closes at 00:00 on the 17th reads as the
// last day it is open, the 16th, as its date does.

// reader is the person a page is rendered for: the zone they read times in
// and the clock relative times count from.
type reader struct {
	loc *time.Location
	now func() time.Time
}

// compactIn is a deadline t on loc's clock: "4 Dec 14:05", "4 Dec 2025
// 14:05" outside the current year there, "end of 16 Dec" at midnight.
func compactIn(t, now time.Time, loc *time.Location) string {
	l := t.In(loc)
	if h, m, s := l.Clock(); h == 0 && m == 0 && s == 0 && l.Nanosecond() == 0 {
		d := l.Add(-time.Nanosecond)
		return "end of " + dayMonth(d, now.In(loc))
	}
	return clockIn(t, now, loc)
}

// clockIn is compactIn without "end of": for events, which happen at an
// hour rather than close a day.
func clockIn(t, now time.Time, loc *time.Location) string {
	l := t.In(loc)
	return dayMonth(l, now.In(loc)) + " " + l.Format("15:04")
}

// dayMonth is "4 Dec", with the year when it is not now's.
func dayMonth(t, now time.Time) string {
	if t.Year() == now.Year() {
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

// fullIn is t in full on loc's clock, for the hover title:
// "Friday 4 December 2026, 14:05:09 EST (America/New_York)".
func fullIn(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006, 15:04:05 MST") + " (" + loc.String() + ")"
}

// span is a duration in the largest whole unit people count it in:
// "5 minutes", "1 hour", "3 days", "2 months", "1 year".
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	day := 24 * time.Hour
	switch {
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < day:
		return plural(int(d/time.Hour), "hour")
	case d < 60*day:
		return plural(int(d/day), "day")
	case d < 730*day:
		return plural(int(d/(30*day)), "month")
	}
	return plural(int(d/(365*day)), "year")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// ago is an event's time relative to now: "5 minutes ago", "in 3 hours",
// "just now" within a minute either way.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d > -time.Minute && d < time.Minute:
		return "just now"
	case d > 0:
		return span(d) + " ago"
	}
	return "in " + span(d)
}

// dueWords is a deadline relative to now: "due in 2 days", "3 days
// overdue", "due now" within a minute; overdue says whether it has passed.
func dueWords(t, now time.Time) (words string, overdue bool) {
	d := t.Sub(now)
	switch {
	case d > -time.Minute && d < time.Minute:
		return "due now", !now.Before(t)
	case d > 0:
		return "due in " + span(d), false
	}
	return span(d) + " overdue", true
}

// daysWords is a calendar date relative to today (both dates as
// domain.Date): "today", "tomorrow", "in 12 days", "yesterday", "3 days ago".
func daysWords(date, today time.Time) string {
	n := int(domain.Date(date).Sub(domain.Date(today)).Round(time.Hour) / (24 * time.Hour))
	switch {
	case n == 0:
		return "today"
	case n == 1:
		return "tomorrow"
	case n == -1:
		return "yesterday"
	case n > 1:
		return fmt.Sprintf("in %d days", n)
	}
	return fmt.Sprintf("%d days ago", -n)
}

// timeElement is the one way an instant goes on a page.
func timeElement(t time.Time, text, title, rel, relClass string) template.HTML {
	h := fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`, t.UTC().Format(time.RFC3339),
		template.HTMLEscapeString(title), template.HTMLEscapeString(text))
	if rel != "" {
		h += fmt.Sprintf(` <small class="%s">%s</small>`, relClass, template.HTMLEscapeString(rel))
	}
	return template.HTML(h)
}

// when is an event's instant on the reader's clock with how long ago it was.
// The zone's abbreviation shows where it matters: when the offset then
// differs from the reader's offset now (the other side of a DST change).
func (r reader) when(t time.Time) template.HTML {
	if t.IsZero() {
		return ""
	}
	now := r.now()
	text := clockIn(t, now, r.loc)
	_, then := t.In(r.loc).Zone()
	if _, nowOff := now.In(r.loc).Zone(); then != nowOff {
		text += " " + t.In(r.loc).Format("MST")
	}
	return timeElement(t, text, fullIn(t, r.loc), ago(t, now), "rel")
}

// due is a deadline's instant on the reader's clock with how soon it is
// due, or how long overdue (class "overdue").
func (r reader) due(t time.Time) template.HTML {
	if t.IsZero() {
		return ""
	}
	words, overdue := dueWords(t, r.now())
	class := "rel"
	if overdue {
		class = "overdue"
	}
	return timeElement(t, compactIn(t, r.now(), r.loc), fullIn(t, r.loc), words, class)
}

// inZone is an instant on the clock of a legal or port zone ("" is UTC),
// with that zone's abbreviation; the title adds the reader's own time.
func (r reader) inZone(t time.Time, zone string) template.HTML {
	if t.IsZero() {
		return ""
	}
	loc := domain.ZoneOrUTC(zone)
	title := fullIn(t, loc)
	if loc.String() != r.loc.String() {
		title += "; your time " + compactIn(t, r.now(), r.loc) + " " + t.In(r.loc).Format("MST")
	}
	return timeElement(t, compactIn(t, r.now(), loc)+" "+t.In(loc).Format("MST"), title, "", "")
}

// date is a calendar date (kept as 00:00 UTC): "16 Dec 2026".
func date(d time.Time) template.HTML {
	if d.IsZero() {
		return ""
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`, d.UTC().Format(time.DateOnly), d.UTC().Format("2 Jan 2006")))
}

// legalDate is a legal date (a last day, a liquidation) in its zone ("" is
// UTC): the date, how far it is from today there, and, on hover, when the
// day ends there and on the reader's clock.
func (r reader) legalDate(d time.Time, zone string) template.HTML {
	if d.IsZero() {
		return ""
	}
	loc := domain.ZoneOrUTC(zone)
	now := r.now()
	ends := domain.EndOfDay(d, loc)
	title := fmt.Sprintf("%s, a day in %s: it ends at midnight there (%s)", domain.Date(d).Format("Monday 2 January 2006"),
		loc.String(), ends.In(loc).Format("2 Jan 15:04 MST"))
	if loc.String() != r.loc.String() {
		title += ", " + ends.In(r.loc).Format("2 Jan 15:04 MST") + " your time"
	}
	class := "rel"
	if !now.Before(ends) {
		class = "overdue"
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time> <small class="zone">%s</small> <small class="%s">%s</small>`,
		domain.Date(d).Format(time.DateOnly), template.HTMLEscapeString(title), domain.Date(d).Format("2 Jan 2006"),
		template.HTMLEscapeString(loc.String()), class, daysWords(d, domain.LocalDate(now, loc))))
}

// localText is a message the workflows wrote (a notification, a reminder,
// an escalation's reason, a check's detail) with each instant in it, which
// they write in UTC (workflows.ReadableTime), on the reader's clock as
// e-mails write it (workflows.LocalText): "due Thu 3 Dec 2026, 10:50 EST",
// the full time on hover.
func (r reader) localText(s string) template.HTML {
	var b strings.Builder
	for _, p := range workflows.TimesIn(s) {
		if p.At.IsZero() {
			b.WriteString(template.HTMLEscapeString(p.Text))
			continue
		}
		b.WriteString(string(timeElement(p.At, workflows.LocalTime(p.At, r.loc), fullIn(p.At, r.loc), "", "")))
	}
	return template.HTML(b.String())
}

// funcs are the template functions bound to this reader (templates.go
// registers placeholders with the same names so pages parse once).
func (r reader) funcs() template.FuncMap {
	return template.FuncMap{
		"when":      r.when,
		"whenp":     func(t *time.Time) template.HTML { return r.when(deref(t)) },
		"due":       r.due,
		"duep":      func(t *time.Time) template.HTML { return r.due(deref(t)) },
		"inzone":    r.inZone,
		"inzonep":   func(t *time.Time, zone string) template.HTML { return r.inZone(deref(t), zone) },
		"legaldate": r.legalDate,
		"legaldatep": func(d *time.Time, zone string) template.HTML {
			return r.legalDate(deref(d), zone)
		},
		"localtext": r.localText,
		"past":      func(t time.Time) bool { return !t.IsZero() && t.Before(r.now()) },
	}
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
