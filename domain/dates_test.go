package domain

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCheckPastDate(t *testing.T) {
	now := time.Date(2026, 11, 21, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		d    string
		want string
	}{
		{"2026-11-21", ""},
		{"2026-11-22", ""}, // tomorrow: already today east of UTC
		{"2026-11-23", "2026-11-23 is in the future"},
		{"2028-01-01", "in the future"},
		{"2021-11-21", ""}, // exactly 5 years
		{"2021-11-20", "more than 5 years ago, before 2021-11-21"},
		{"1990-01-01", "past their retention period"},
	}
	for _, tt := range tests {
		d, _ := time.Parse(time.DateOnly, tt.d)
		checkErr(t, "CheckPastDate("+tt.d+")", CheckPastDate(d, now), tt.want)
	}
	// A time late on the last day counts by its date.
	if err := CheckPastDate(time.Date(2026, 11, 22, 23, 59, 0, 0, time.UTC), now); err != nil {
		t.Errorf("a time tomorrow: %v", err)
	}
}

func TestDayReadsBothForms(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  string
	}{
		{`"2027-06-04"`, time.Date(2027, 6, 4, 0, 0, 0, 0, time.UTC), ""},
		{`"2027-06-04T00:00:00Z"`, time.Date(2027, 6, 4, 0, 0, 0, 0, time.UTC), ""},
		{`null`, time.Time{}, ""},
		{`"2027-13-45"`, time.Time{}, "is not a date like 2026-11-02"},
		{`"June 4"`, time.Time{}, "is not a date"},
		{`20270604`, time.Time{}, "write it as a string"},
	}
	for _, tt := range tests {
		var d Day
		err := json.Unmarshal([]byte(tt.in), &d)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !d.Equal(tt.want) {
			t.Errorf("%s: %v %v, want %v", tt.in, d, err, tt.want)
		}
	}
	// The RFC 3339 form decodes to exactly what a time.Time decodes to
	// (histories recorded before Day hold it), zone and all, and writes the same.
	for _, in := range []string{`"2027-06-04T00:00:00Z"`, `"2027-06-04T09:30:00+02:00"`, `"2026-11-02T14:05:00.123456789Z"`} {
		var d Day
		var tm time.Time
		if err := json.Unmarshal([]byte(in), &d); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(in), &tm); err != nil {
			t.Fatal(err)
		}
		if d.Time != tm {
			t.Errorf("%s: Day %v, time.Time %v", in, d.Time, tm)
		}
		a, _ := json.Marshal(d)
		b, _ := json.Marshal(tm)
		if string(a) != string(b) {
			t.Errorf("%s: Day writes %s, time.Time %s", in, a, b)
		}
	}
}
