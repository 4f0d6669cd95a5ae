package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// The ports table: free time and tiered demurrage per port. Everyone reads
// it; managers change it.

func requireManager(u store.User) error {
	if u.Role != domain.RoleManager {
		return errf(CodeForbidden, "only a manager may change port terms")
	}
	return nil
}

// savePort validates and stores terms; a bad field is a 422 naming it.
func (s *Server) savePort(c echo.Context, t domain.PortTerms) (store.Port, error) {
	u := currentUser(c)
	if err := requireManager(u); err != nil {
		return store.Port{}, err
	}
	p, err := s.Store.SavePort(c.Request().Context(), t, u.Email)
	var fe *domain.FieldError
	if errors.As(err, &fe) {
		return p, errInvalid(map[string]string{fe.Field: fe.Message})
	}
	if err != nil {
		return p, errInternal(err)
	}
	return p, nil
}

func (s *Server) portOr404(c echo.Context, code string) (store.Port, error) {
	p, err := s.Store.Port(c.Request().Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return p, errf(CodeNotFound, "port %s is not in the ports table", code)
	}
	if err != nil {
		return p, errInternal(err)
	}
	return p, nil
}

func (s *Server) apiPorts(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	ports, err := s.Store.Ports(c.Request().Context())
	if err != nil {
		return errInternal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"ports": ports})
}

func (s *Server) apiPort(c echo.Context) error {
	p, err := s.portOr404(c, c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// apiSavePort is PUT /ports/{code}: the body holds the whole terms; the code
// comes from the path.
func (s *Server) apiSavePort(c echo.Context) error {
	if err := requireManager(currentUser(c)); err != nil {
		return err
	}
	var t domain.PortTerms
	if err := decodeStrict(c.Request().Body, &t); err != nil {
		return err
	}
	code := c.Param("code")
	if t.Code != "" && t.Code != code {
		return errInvalid(map[string]string{"code": fmt.Sprintf("%q differs from the port in the path, %s", t.Code, code)})
	}
	t.Code = code
	p, err := s.savePort(c, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// portForm is the web form's view of terms: tiers one per line as
// "from_day daily_rate".
type portForm map[string]string

func formOfPort(p domain.PortTerms) portForm {
	var lines []string
	for _, t := range p.Tiers {
		lines = append(lines, fmt.Sprintf("%d %s", t.FromDay, t.DailyRate.Text()))
	}
	f := portForm{"code": p.Code, "name": p.Name, "free_days": strconv.Itoa(p.FreeDays), "tiers": strings.Join(lines, "\n"),
		"daily_surcharge": p.DailySurcharge.Text(), "note": p.Note, "time_zone": p.TimeZone, "free_time_starts": string(p.FreeTimeStarts)}
	if p.WorkingDays {
		f["working_days"] = "on"
	}
	if p.PierPass {
		f["pierpass"] = "on"
	}
	return f
}

// terms parses the form, collecting an error per field.
func (f portForm) terms() (domain.PortTerms, map[string]string) {
	fe := map[string]string{}
	t := domain.PortTerms{Code: strings.TrimSpace(f["code"]), Name: strings.TrimSpace(f["name"]), Note: strings.TrimSpace(f["note"]),
		WorkingDays: f["working_days"] != "", PierPass: f["pierpass"] != "", TimeZone: strings.TrimSpace(f["time_zone"]),
		FreeTimeStarts: domain.FreeTimeStart(f["free_time_starts"])}
	var err error
	if t.FreeDays, err = strconv.Atoi(strings.TrimSpace(f["free_days"])); err != nil {
		fe["free_days"] = "must be a whole number of days"
	}
	surcharge := strings.TrimSpace(f["daily_surcharge"])
	if surcharge == "" {
		surcharge = "0"
	}
	if t.DailySurcharge, err = domain.ParseDailyAmount(surcharge); err != nil {
		fe["daily_surcharge"] = err.Error()
	}
	for i, line := range strings.Split(f["tiers"], "\n") {
		parts := strings.Fields(line)
		if len(parts) == 0 {
			continue
		}
		day, errDay := strconv.Atoi(parts[0])
		var rate domain.DailyAmount
		var errRate error
		if len(parts) == 2 {
			rate, errRate = domain.ParseDailyAmount(strings.TrimPrefix(parts[1], "$"))
		}
		if len(parts) != 2 || errDay != nil || errRate != nil {
			fe["tiers"] = fmt.Sprintf("line %d %q: write the first day of the tier and its daily rate, e.g. \"5 333.00\"", i+1, strings.TrimSpace(line))
			break
		}
		t.Tiers = append(t.Tiers, domain.DemurrageTier{FromDay: day, DailyRate: rate})
	}
	return t, fe
}

func (s *Server) webPorts(c echo.Context) error {
	ports, err := s.Store.Ports(c.Request().Context())
	if err != nil {
		return errInternal(err)
	}
	return s.render(c, http.StatusOK, "ports", page{Title: "Ports: free time and demurrage", Data: ports})
}

func (s *Server) webPortForm(c echo.Context) error {
	if err := requireManager(currentUser(c)); err != nil {
		return err
	}
	code := c.Param("code")
	if code == "" { // a new port
		return s.render(c, http.StatusOK, "port_form", page{Title: "Add a port",
			Form: portForm{"free_days": "4", "daily_surcharge": "0.00", "free_time_starts": string(domain.FreeTimeNextDay)}})
	}
	p, err := s.portOr404(c, code)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "port_form", page{Title: "Port " + p.Code + ", " + p.Name, Form: formOfPort(p.PortTerms), Data: p})
}

func (s *Server) webSavePort(c echo.Context) error {
	if err := requireManager(currentUser(c)); err != nil {
		return err
	}
	f := portForm{}
	for _, k := range []string{"code", "name", "time_zone", "free_days", "free_time_starts", "working_days", "tiers", "daily_surcharge", "pierpass", "note"} {
		f[k] = c.FormValue(k)
	}
	if code := c.Param("code"); code != "" {
		f["code"] = code // editing: the code is the one in the path
	}
	t, fe := f.terms()
	if len(fe) == 0 {
		if _, err := s.savePort(c, t); err != nil {
			ae := asError(err)
			if ae.Code != CodeInvalid {
				return err
			}
			fe = ae.Fields
		}
	}
	if len(fe) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "port_form", page{Title: "Port " + f["code"], Form: f, Errors: fe})
	}
	return c.Redirect(http.StatusSeeOther, "/ports?done=port_saved")
}
