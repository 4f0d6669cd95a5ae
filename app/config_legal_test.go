package app

import (
	"strings"
	"testing"
)

// POSTRELEASE_LEGAL_TIME_ZONE names one IANA zone for every port; a name
// that is not one stops start-up, naming the variable.
func TestLegalTimeZoneFromEnv(t *testing.T) {
	t.Setenv("POSTRELEASE_LEGAL_TIME_ZONE", "")
	c, err := FromEnv()
	if err != nil || c.LegalTimeZone != "" {
		t.Fatalf("unset: %q, %v; want each port's own zone", c.LegalTimeZone, err)
	}
	t.Setenv("POSTRELEASE_LEGAL_TIME_ZONE", " America/New_York ")
	if c, err = FromEnv(); err != nil || c.LegalTimeZone != "America/New_York" {
		t.Fatalf("America/New_York: %q, %v", c.LegalTimeZone, err)
	}
	for _, bad := range []string{"Eastern", "Local", "EST5EDT/x"} {
		t.Setenv("POSTRELEASE_LEGAL_TIME_ZONE", bad)
		if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "POSTRELEASE_LEGAL_TIME_ZONE") {
			t.Errorf("%q: %v, want an error naming the variable", bad, err)
		}
	}
}

// POSTRELEASE_OFFICE_TIME_ZONE is the zone of users who chose none; unset it
// is New York, and a name that is not a zone stops start-up.
func TestOfficeTimeZoneFromEnv(t *testing.T) {
	t.Setenv("POSTRELEASE_OFFICE_TIME_ZONE", "")
	c, err := FromEnv()
	if err != nil || c.OfficeTimeZone != "America/New_York" {
		t.Fatalf("unset: %q, %v; want America/New_York", c.OfficeTimeZone, err)
	}
	t.Setenv("POSTRELEASE_OFFICE_TIME_ZONE", "America/Chicago")
	if c, err = FromEnv(); err != nil || c.OfficeTimeZone != "America/Chicago" {
		t.Fatalf("America/Chicago: %q, %v", c.OfficeTimeZone, err)
	}
	t.Setenv("POSTRELEASE_OFFICE_TIME_ZONE", "Central")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "POSTRELEASE_OFFICE_TIME_ZONE") {
		t.Errorf("Central: %v, want an error naming the variable", err)
	}
}
