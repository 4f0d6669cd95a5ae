package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type settingsResp struct {
	TimeZone          string            `json:"time_zone"`
	EffectiveTimeZone string            `json:"effective_time_zone"`
	OfficeTimeZone    string            `json:"office_time_zone"`
	Code              string            `json:"code"`
	Fields            map[string]string `json:"fields"`
}

func (e *env) settings(t *testing.T, who, method string, body any) (int, settingsResp) {
	t.Helper()
	r := e.call(t, who, method, "/api/v1/me/settings", body)
	var s settingsResp
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatalf("%s settings: %v in %s", method, err, r)
	}
	return r.status, s
}

// A user's time zone: the office's until they choose one; an unknown zone
// is 422 on time_zone and changes nothing; the choice is kept and is only
// their own.
func TestTimeZoneSettingAPI(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	if st, s := e.settings(t, "officer", http.MethodGet, nil); st != http.StatusOK || s.TimeZone != "" || s.EffectiveTimeZone != "UTC" || s.OfficeTimeZone != "UTC" {
		t.Fatalf("a new user's settings: %d %+v, want the office's zone (UTC in tests)", st, s)
	}
	if st, s := e.settings(t, "officer", http.MethodPut, map[string]any{"time_zone": "America/Los_Angeles"}); st != http.StatusOK ||
		s.TimeZone != "America/Los_Angeles" || s.EffectiveTimeZone != "America/Los_Angeles" {
		t.Fatalf("setting Los Angeles: %d %+v", st, s)
	}
	for _, bad := range []any{map[string]any{"time_zone": "Pacific/Atlantis"}, map[string]any{"time_zone": "Local"}, map[string]any{}, map[string]any{"time_zone": 5}} {
		st, s := e.settings(t, "officer", http.MethodPut, bad)
		if st != http.StatusUnprocessableEntity && st != http.StatusBadRequest {
			t.Errorf("PUT %v: HTTP %d %+v, want 422", bad, st, s)
		}
		if b, _ := bad.(map[string]any); b["time_zone"] == "Pacific/Atlantis" && (st != http.StatusUnprocessableEntity || !strings.Contains(s.Fields["time_zone"], "not an IANA time zone")) {
			t.Errorf("unknown zone: HTTP %d %+v, want 422 naming time_zone", st, s)
		}
	}
	// Kept (read back, and in /me), and nobody else's changed.
	if _, s := e.settings(t, "officer", http.MethodGet, nil); s.TimeZone != "America/Los_Angeles" {
		t.Errorf("after refused changes the zone is %q", s.TimeZone)
	}
	if r := e.call(t, "officer", http.MethodGet, "/api/v1/me", nil); !strings.Contains(string(r.body), `"time_zone":"America/Los_Angeles"`) {
		t.Errorf("/me: %s", r)
	}
	if _, s := e.settings(t, "manager", http.MethodGet, nil); s.TimeZone != "" {
		t.Errorf("the manager's zone became %q", s.TimeZone)
	}
	// The same PUT twice answers the same; "" goes back to the office's.
	for range 2 {
		if st, s := e.settings(t, "officer", http.MethodPut, map[string]any{"time_zone": ""}); st != http.StatusOK || s.TimeZone != "" || s.EffectiveTimeZone != "UTC" {
			t.Fatalf("back to the office zone: %d %+v", st, s)
		}
	}
	if st, _ := e.settings(t, "", http.MethodGet, nil); st != http.StatusUnauthorized {
		t.Errorf("without a token: HTTP %d", st)
	}
}

// The account page sets the zone; pages then show times on its clock.
func TestTimeZoneSettingWeb(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	c := e.open(t, "officer", wrenchSet("tz-web", true))
	b := e.signedIn(t, "officer", "/account")
	page := b.get(t, "/account")
	wantPage(t, page, http.StatusOK, "account page", "Pages show times in <strong>UTC</strong> (the office's)", `list="zones"`)
	r := b.post(t, "/account/time-zone", url.Values{"_csrf": {csrf(t, page)}, "time_zone": {"Eastern Standard"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "unknown zone", `&#34;Eastern Standard&#34; is not an IANA time zone`, `aria-describedby="f-time_zone-error"`, `value="Eastern Standard"`)
	r = b.post(t, "/account/time-zone", url.Values{"_csrf": {csrf(t, page)}, "time_zone": {"Asia/Tokyo"}})
	wantRedirect(t, r, "saving Tokyo", "/account?done=time_zone_saved")
	wantPage(t, b.get(t, "/account?done=time_zone_saved"), http.StatusOK, "saved", "Time zone saved", "Pages show times in <strong>Asia/Tokyo</strong>")

	// The case page: its opening time on Tokyo's clock (UTC+9), with how long ago.
	opened := c.OpenedAt.In(time.FixedZone("JST", 9*3600))
	wantPage(t, b.get(t, "/cases/"+c.CaseID), http.StatusOK, "case page in Tokyo",
		`<time datetime="`+c.OpenedAt.UTC().Format(time.RFC3339)+`" title="`+opened.Format("Monday 2 January 2006, 15:04:05")+` JST (Asia/Tokyo)">`,
		`<small class="rel">just now</small>`)
}
