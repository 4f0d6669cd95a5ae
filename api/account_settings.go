package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// A user's own settings: the time zone pages show times in (issue 11).

// commonZones are offered on the account page (any IANA name is accepted):
// the US ports' zones first, then where goods and brokers often are.
var commonZones = []string{"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
	"America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "UTC", "America/Toronto", "America/Mexico_City",
	"Europe/London", "Europe/Berlin", "Asia/Shanghai", "Asia/Ho_Chi_Minh", "Asia/Kolkata", "Asia/Tokyo"}

// Settings is a user's own settings as the API shows them.
type Settings struct {
	// TimeZone is the zone the user chose; "" follows the office's.
	TimeZone string `json:"time_zone"`
	// EffectiveTimeZone is the zone pages show them times in.
	EffectiveTimeZone string `json:"effective_time_zone"`
	// OfficeTimeZone is the office's (POSTRELEASE_OFFICE_TIME_ZONE).
	OfficeTimeZone string `json:"office_time_zone"`
}

// settingsInput is the body of PUT /api/v1/me/settings.
type settingsInput struct {
	TimeZone *string `json:"time_zone"`
}

func (s *Server) accountAPIRoutes(v1 *echo.Group) {
	v1.GET("/me/settings", s.apiSettings)
	v1.PUT("/me/settings", s.apiPutSettings)
}

// now is the store's clock (tests may set it), time.Now without a store.
func (s *Server) now() time.Time {
	if s.Store == nil {
		return time.Now()
	}
	return s.Store.Now()
}

// readerZone is the zone u reads times in: their own, else the office's.
func (s *Server) readerZone(u store.User) *time.Location {
	if u.TimeZone != "" {
		return domain.ZoneOrUTC(u.TimeZone)
	}
	return domain.ZoneOrUTC(s.OfficeTimeZone)
}

func (s *Server) settingsOf(u store.User) Settings {
	return Settings{TimeZone: u.TimeZone, EffectiveTimeZone: s.readerZone(u).String(), OfficeTimeZone: s.OfficeTimeZone}
}

func (s *Server) apiSettings(c echo.Context) error {
	return c.JSON(http.StatusOK, s.settingsOf(currentUser(c)))
}

// apiPutSettings sets the caller's own settings; a zone that is not an IANA
// name is 422 on time_zone and changes nothing. Setting the same zone twice
// answers the same, so a retry is harmless.
func (s *Server) apiPutSettings(c echo.Context) error {
	var in settingsInput
	if err := decodeStrict(c.Request().Body, &in); err != nil {
		return err
	}
	if in.TimeZone == nil {
		return errInvalid(map[string]string{"time_zone": "is required: an IANA zone such as America/Chicago, or \"\" for the office's"})
	}
	u, err := s.setTimeZone(c, *in.TimeZone)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.settingsOf(u))
}

// setTimeZone stores the signed-in user's zone ("" is the office's).
func (s *Server) setTimeZone(c echo.Context, zone string) (store.User, error) {
	u, err := s.Store.SetUserTimeZone(c.Request().Context(), currentUser(c).ID, strings.TrimSpace(zone))
	var fe domain.FieldErrors
	switch {
	case errors.As(err, &fe):
		return u, errInvalid(fe)
	case err != nil:
		return u, errInternal(err)
	}
	c.Set(userKey, u) // the page rendered next reads in the new zone
	return u, nil
}

// accountPage is the account page's data.
type accountPage struct {
	Settings
	Zones []string
	Now   time.Time
}

func (s *Server) webAccount(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, nil, currentUser(c).TimeZone)
}

func (s *Server) renderAccount(c echo.Context, status int, errs map[string]string, value string) error {
	return s.render(c, status, "account", page{Title: "Your account", Errors: errs, Form: map[string]string{"time_zone": value},
		Data: accountPage{Settings: s.settingsOf(currentUser(c)), Zones: commonZones, Now: s.now()}})
}

// webSetTimeZone is the account page's form: POST, then redirect to the
// page, which now shows times in the new zone.
func (s *Server) webSetTimeZone(c echo.Context) error {
	zone := c.FormValue("time_zone")
	_, err := s.setTimeZone(c, zone)
	var ae *Error
	if errors.As(err, &ae) && ae.Code == CodeInvalid {
		return s.renderAccount(c, http.StatusUnprocessableEntity, ae.Fields, zone)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?done=time_zone_saved")
}
