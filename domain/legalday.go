package domain

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	// Every binary that uses domain carries Go's copy of the IANA time zone
	// database, so a legal zone loads on every host, even one without
	// /usr/share/zoneinfo (a scratch or distroless image).
	_ "time/tzdata"
)

// Legal days. A "last day" ends at the end of that calendar day in a named
// IANA time zone (the port's, or the one zone a team sets for every port),
// not at 00:00 UTC, which is 16:00 in Los Angeles on the last day. Dates stay
// calendar dates at 00:00 UTC (Date); the zone only decides the instant a
// day starts and ends. A nil zone is UTC: the rule before legal zones, which
// running workflows started then keep.

// LoadZone loads a named IANA time zone ("America/Los_Angeles") for legal
// days, or says why not. The name must be exact: "" (which time.LoadLocation
// reads as UTC) and "Local" (the host's own zone, which differs from machine
// to machine) are refused, so a zone means the same on every worker.
//
// time.LoadLocation reads the host's database first and Go's embedded copy
// (imported above) when the host has none; both hold the same rules for the
// zones of US ports, which have not changed since 2007. Workers that must
// agree to the second run from the same image.
// zones caches the zones loaded: a lookup reads and parses tz data, and the
// demurrage pages ask for a zone per container. A zone's rules do not change
// while a process runs, so the cache answers as LoadLocation would.
var zones sync.Map

func LoadZone(name string) (*time.Location, error) {
	if name != strings.TrimSpace(name) {
		return nil, fmt.Errorf("%q: the time zone must not start or end with spaces", name)
	}
	switch name {
	case "":
		return nil, errors.New("a time zone is required: an IANA name such as America/Los_Angeles")
	case "Local":
		return nil, errors.New(`"Local" is each machine's own zone: name the IANA zone, such as America/Los_Angeles`)
	}
	// time.LoadLocation reads the tz database (a file, or the embedded copy):
	// the same name gives the same rules on every worker of one image.
	// workflowcheck does not flag it (checked with v0.6.0), so there is no
	// waiver here.
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err == nil {
		zones.Store(name, loc)
	}
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone (such as America/Los_Angeles or America/New_York)", name)
	}
	return loc, nil
}

// LegalLocation is the zone legal days end in for a stored zone name: UTC for
// "" (a case or shipment opened before legal zones, whose days keep ending at
// 00:00 UTC), otherwise LoadZone.
func LegalLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	return LoadZone(name)
}

// ZoneOrUTC is the zone named, or UTC for none or one that does not load
// (what pages show and price by; workflows refuse a bad zone at opening).
func ZoneOrUTC(name string) *time.Location {
	loc, err := LegalLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ZoneName is how a legal zone is shown: its name, or UTC for none.
func ZoneName(name string) string {
	if name == "" {
		return "UTC"
	}
	return name
}

// StartOfDay is the first instant of calendar day d (its Date) in loc, in
// UTC. Where a zone skips midnight (a DST change at 00:00, as in Santiago de
// Chile), the day starts when its clocks jump: the end of the gap.
func StartOfDay(d time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, day := Date(d).Date()
	t := time.Date(y, m, day, 0, 0, 0, 0, loc)
	// time.Date may place a skipped midnight before the jump, on the
	// previous day: move on to the first instant of day d there. (A day a
	// zone skips whole, as Samoa did on 30 December 2011, starts when the
	// next one does.)
	if ly, lm, ld := t.Date(); time.Date(ly, lm, ld, 0, 0, 0, 0, time.UTC).Before(time.Date(y, m, day, 0, 0, 0, 0, time.UTC)) {
		h, mi, s := t.Clock()
		t = t.Add(24*time.Hour - time.Duration(h)*time.Hour - time.Duration(mi)*time.Minute - time.Duration(s)*time.Second - time.Duration(t.Nanosecond()))
	}
	return t.UTC()
}

// EndOfDay is the instant calendar day d ends in loc: the start of the next
// day there. A window open "until day D" closes at EndOfDay(D, loc).
func EndOfDay(d time.Time, loc *time.Location) time.Time {
	return StartOfDay(AddDays(d, 1), loc)
}

// LocalDate is the calendar day (a date at 00:00 UTC, like Date) on which
// instant t falls in loc: 21:30 on 6 November in Los Angeles is 6 November,
// although it is already 7 November in UTC.
func LocalDate(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
