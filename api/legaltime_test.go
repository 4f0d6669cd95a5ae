package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// lastPSCDayToday is a case body whose last PSC day (entry + 299 days, with
// the default liquidation) is today in loc.
func lastPSCDayToday(loc *time.Location) (map[string]any, time.Time) {
	today := domain.LocalDate(time.Now(), loc)
	b := wrenchSet("", false)
	b["entry_date"] = domain.AddDays(today, -299).Format(time.DateOnly)
	return b, today
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := domain.LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestLegalTimeZones: the ports table carries each port's zone and when free
// time starts (managers edit both, bad values are 422 naming the field); a
// case or shipment opened at a port takes the port's zone into its workflow,
// where the last day ends at 00:00 of the next day there, and keeps it when
// the port is edited later.
func TestLegalTimeZones(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	la := mustLoad(t, "America/Los_Angeles")

	ports := decode[struct{ Ports []store.Port }](t, e.call(t, "officer", http.MethodGet, "/api/v1/ports", nil)).Ports
	want := map[string]string{"1001": "America/New_York", "4601": "America/New_York", "2704": "America/Los_Angeles", "2709": "America/Los_Angeles", "2811": "America/Los_Angeles"}
	for _, p := range ports {
		if p.TimeZone != want[p.Code] || p.FreeTimeStarts != domain.FreeTimeNextDay {
			t.Errorf("port %s: time_zone %q, free_time_starts %q; want %q, next_day", p.Code, p.TimeZone, p.FreeTimeStarts, want[p.Code])
		}
	}
	raw := e.call(t, "officer", http.MethodGet, "/api/v1/ports/2704", nil)
	if !strings.Contains(string(raw.body), `"time_zone":"America/Los_Angeles"`) || !strings.Contains(string(raw.body), `"free_time_starts":"next_day"`) {
		t.Errorf("GET /ports/2704 = %s", raw.body)
	}

	// PUT: the zone and the rule are required and checked.
	body := `{"name":"Los Angeles, CA","time_zone":"America/Los_Angeles","free_days":4,"free_time_starts":"next_day","working_days":true,"pierpass":true,
		"tiers":[{"from_day":1,"daily_rate":"222"}],"daily_surcharge":"0","note":"x"}`
	for _, bad := range []struct{ what, body, field string }{
		{"a zone that is not one", strings.Replace(body, "America/Los_Angeles", "Pacific Standard Time", 1), "time_zone"},
		{"the host's zone", strings.Replace(body, "America/Los_Angeles", "Local", 1), "time_zone"},
		{"no zone", strings.Replace(body, `"time_zone":"America/Los_Angeles",`, "", 1), "time_zone"},
		{"an unknown rule", strings.Replace(body, `"next_day"`, `"discharge_day"`, 1), "free_time_starts"},
		{"no rule", strings.Replace(body, `"free_time_starts":"next_day",`, "", 1), "free_time_starts"},
	} {
		er := wantError(t, e.call(t, "manager", http.MethodPut, "/api/v1/ports/2709", bad.body), http.StatusUnprocessableEntity, api.CodeInvalid, bad.field)
		if len(er.Fields) != 1 {
			t.Errorf("%s: fields %v, want only %s", bad.what, er.Fields, bad.field)
		}
	}
	if p := decode[store.Port](t, e.call(t, "manager", http.MethodGet, "/api/v1/ports/2709", nil)); p.Note == "x" {
		t.Fatalf("a refused PUT changed the port: %+v", p)
	}

	// A case for an LA entry whose last PSC day is today closes at 00:00
	// Pacific of the next day.
	b, today := lastPSCDayToday(la)
	c := e.open(t, "officer", b)
	d := c.Deadlines
	if d.LegalTimeZone != "America/Los_Angeles" || c.Case.LegalTimeZone != "America/Los_Angeles" {
		t.Fatalf("legal zone %q (input %q), want the port's", d.LegalTimeZone, c.Case.LegalTimeZone)
	}
	closes := domain.EndOfDay(today, la)
	if !d.PSCLastDay.Equal(today) || !d.PSCWindowClosesAt.Equal(closes) {
		t.Fatalf("last day %s closing %s, want %s closing %s", d.PSCLastDay.Format(time.DateOnly), d.PSCWindowClosesAt, today.Format(time.DateOnly), closes)
	}
	if got := d.PSCWindowClosesAt.In(la); got.Hour() != 0 || got.Minute() != 0 || !domain.LocalDate(got, la).Equal(domain.AddDays(today, 1)) {
		t.Fatalf("closes at %v in Los Angeles, want 00:00 on the next day", got)
	}
	if c.Step != workflows.StepFilePSC {
		t.Fatalf("step %s, want file_psc (the window is open until midnight in Los Angeles)", c.Step)
	}

	// The case page shows the zone next to the date and the closing instant.
	officer := e.signedIn(t, "officer", "/cases/"+c.CaseID)
	page := string(officer.get(t, "/cases/"+c.CaseID).body)
	// The last day is a date in its zone; when it ends there (midnight) and
	// on the reader's clock (UTC, the office's in tests) is on hover.
	for _, wantText := range []string{"last day <time datetime=\"" + today.Format(time.DateOnly) + "\"", ">" + today.Format("2 Jan 2006") + "</time> <small class=\"zone\">America/Los_Angeles</small>",
		"ends at midnight there (" + closes.In(la).Format("2 Jan 15:04 MST") + "), " + closes.UTC().Format("2 Jan 15:04 MST") + " your time"} {
		if !strings.Contains(page, wantText) {
			t.Errorf("the case page does not show %q", wantText)
		}
	}

	// A manager moving the port to another zone does not move the running case.
	moved := strings.Replace(body, "America/Los_Angeles", "America/New_York", 1)
	wantStatus(t, e.call(t, "manager", http.MethodPut, "/api/v1/ports/2704", moved), http.StatusOK, "moving port 2704's zone")
	if again := e.get(t, "officer", c.CaseID); !again.Deadlines.PSCWindowClosesAt.Equal(closes) || again.Deadlines.LegalTimeZone != "America/Los_Angeles" {
		t.Errorf("after the port edit: %+v", again.Deadlines)
	}
	// The same request again is the same case, although the port's zone changed.
	b["client_request_id"] = "legal-zone-retry"
	first := e.call(t, "officer", http.MethodPost, "/api/v1/cases", b)
	wantStatus(t, first, http.StatusCreated, "a case with a request id")
	wantStatus(t, e.call(t, "manager", http.MethodPut, "/api/v1/ports/2704", body), http.StatusOK, "moving it back")
	wantStatus(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", b), http.StatusOK, "the retried request")

	// A port that is not in the ports table has no zone: the case is refused.
	b = wrenchSet("", false)
	b["port"] = "1703"
	if er := wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", b), http.StatusUnprocessableEntity, api.CodeInvalid, "port"); !strings.Contains(er.Fields["port"], "not in the ports table") {
		t.Errorf("unknown port: %q", er.Fields["port"])
	}

	// The web form: the zone and the rule, with the labels a manager reads.
	manager := e.signedIn(t, "manager", "/ports/1001")
	form := manager.get(t, "/ports/1001")
	for _, w := range []string{`name="time_zone" value="America/New_York"`, "Free time starts", "on the availability day", "on the day after",
		`value="next_day" checked`} {
		if !strings.Contains(string(form.body), w) {
			t.Errorf("the port form lacks %q", w)
		}
	}
	fields := url.Values{"_csrf": {csrf(t, form)}, "name": {"New York, NY"}, "time_zone": {"New York"}, "free_days": {"5"},
		"free_time_starts": {"availability_day"}, "tiers": {"1 152.00"}, "daily_surcharge": {"40.00"}, "note": {"edited"}}
	bad := manager.post(t, "/ports/1001", fields)
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(string(bad.body), "&#34;New York&#34; is not an IANA time zone") ||
		!strings.Contains(string(bad.body), `value="availability_day" checked`) {
		t.Errorf("bad zone in the form: %d\n%s", bad.status, bad.body)
	}
	fields.Set("time_zone", "America/New_York")
	wantRedirect(t, manager.post(t, "/ports/1001", fields), "save port", "/ports?done=port_saved")
	if p := decode[store.Port](t, e.call(t, "officer", http.MethodGet, "/api/v1/ports/1001", nil)); p.FreeTimeStarts != domain.FreeTimeAvailabilityDay || p.TimeZone != "America/New_York" {
		t.Errorf("port 1001 after the form = %+v", p)
	}

	// A shipment takes the port's zone for its legal days and its free time.
	s := e.openShipment(t, "officer", shipmentBody("LGZ-2611231-4"))
	if s.Legal.TimeZone != "America/Los_Angeles" || s.Demurrage.Terms.TimeZone != "America/Los_Angeles" || s.Demurrage.Terms.FreeTimeStarts != domain.FreeTimeNextDay {
		t.Fatalf("shipment zones: legal %q, port %q, free time %q", s.Legal.TimeZone, s.Demurrage.Terms.TimeZone, s.Demurrage.Terms.FreeTimeStarts)
	}
	view := e.call(t, "officer", http.MethodGet, apiShipPath+"/"+s.ShipmentID, nil)
	ends := decode[struct {
		LegalEndsAt map[string]time.Time `json:"legal_ends_at"`
	}](t, view).LegalEndsAt
	if got, want := ends[workflows.LegalPSCLastDay], domain.EndOfDay(s.Legal.PSCLastDay, la); !got.Equal(want) {
		t.Errorf("legal_ends_at.psc_last_day = %v, want %v", got, want)
	}
}

// TestLegalTimeZoneSetting: POSTRELEASE_LEGAL_TIME_ZONE makes one zone govern
// every port: an LA entry's last day ends at midnight in New York.
func TestLegalTimeZoneSetting(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, longPolicy(t), testdb.Postgres(t), envOptions{server: func(s *api.Server) { s.LegalTimeZone = "America/New_York" }})
	ny := mustLoad(t, "America/New_York")
	b, today := lastPSCDayToday(ny)
	c := e.open(t, "officer", b)
	if c.Deadlines.LegalTimeZone != "America/New_York" || !c.Deadlines.PSCWindowClosesAt.Equal(domain.EndOfDay(today, ny)) {
		t.Fatalf("deadlines %+v, want New York's midnight after %s", c.Deadlines, today.Format(time.DateOnly))
	}
	// Cases at a port that is not in the table need no port zone now.
	b = wrenchSet("", false)
	b["port"] = "1703"
	if c := e.open(t, "officer", b); c.Deadlines.LegalTimeZone != "America/New_York" {
		t.Fatalf("a case at an unlisted port: zone %q", c.Deadlines.LegalTimeZone)
	}
	s := e.openShipment(t, "officer", shipmentBody("LGS-2611231-4"))
	if s.Legal.TimeZone != "America/New_York" || s.Demurrage.Terms.TimeZone != "America/Los_Angeles" {
		t.Fatalf("shipment: legal zone %q (want the setting), port zone %q (free time stays the terminal's)", s.Legal.TimeZone, s.Demurrage.Terms.TimeZone)
	}
}
