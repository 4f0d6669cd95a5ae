package api

// Each user's notification preferences: per kind (assignment, reminder,
// escalation), how it reaches them: e-mail at once, a daily digest, the
// notifications page only, or not at all.
//
//	GET /api/v1/account/notifications, GET /account/notifications
//	PUT /api/v1/account/notifications, POST /account/notifications

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

func init() {
	pageNames = append(pageNames, "account_notifications")
}

// deliveryLabels say what each delivery means, on the page.
var deliveryLabels = map[string]string{
	store.DeliveryEmail:  "E-mail at once (and on the notifications page)",
	store.DeliveryDigest: "One e-mail a day, the digest (and on the notifications page)",
	store.DeliveryInApp:  "Only on the notifications page",
	store.DeliveryOff:    "Not at all",
}

// kindHelp says what each kind of notification is about.
var kindHelp = map[string]string{
	workflows.NotifyAssignment: "Work given to you or to everyone in your role: a step or task opened, reassigned or unassigned.",
	workflows.NotifyReminder:   "Work of yours coming due, and legal dates coming up or passed.",
	workflows.NotifyEscalation: "Work past its due time (managers): the team's overdue steps and tasks.",
}

// preferencesView is what the API answers and the page shows.
type preferencesView struct {
	Preferences store.NotificationPreferences `json:"preferences"`
	Kinds       []string                      `json:"kinds"`
	Deliveries  []string                      `json:"deliveries"`
}

func viewPreferences(p store.NotificationPreferences) preferencesView {
	return preferencesView{Preferences: p, Kinds: store.NotificationKinds, Deliveries: store.Deliveries}
}

// setPreferences checks and stores p for the signed-in user: an unknown
// kind or delivery is a 422 naming it, and changes nothing.
func (s *Server) setPreferences(c echo.Context, p store.NotificationPreferences) (store.NotificationPreferences, error) {
	if len(p) == 0 {
		return nil, errInvalid(map[string]string{"preferences": "name at least one kind: " + strings.Join(store.NotificationKinds, ", ")})
	}
	if fe := store.CheckNotificationPreferences(p); fe != nil {
		return nil, errInvalid(fe)
	}
	out, err := s.Store.SetNotificationPreferences(c.Request().Context(), currentUser(c).ID, p)
	if err != nil {
		return nil, errInternal(err)
	}
	return out, nil
}

func (s *Server) apiPreferences(c echo.Context) error {
	p, err := s.Store.NotificationPreferencesOf(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return errInternal(err)
	}
	return c.JSON(http.StatusOK, viewPreferences(p))
}

func (s *Server) apiSetPreferences(c echo.Context) error {
	var body struct {
		Preferences store.NotificationPreferences `json:"preferences"`
	}
	if err := decodeStrict(c.Request().Body, &body); err != nil {
		return err
	}
	p, err := s.setPreferences(c, body.Preferences)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewPreferences(p))
}

// preferencesPage is the data of account_notifications.html.
type preferencesPage struct {
	preferencesView
	Labels map[string]string
	Help   map[string]string
}

func (s *Server) webPreferences(c echo.Context) error {
	p, err := s.Store.NotificationPreferencesOf(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return errInternal(err)
	}
	pg := page{Title: "Notification settings", Data: preferencesPage{viewPreferences(p), deliveryLabels, kindHelp}}
	if c.QueryParam("done") == "preferences" {
		pg.Flash = "Saved: new notifications follow these settings"
	}
	return s.render(c, http.StatusOK, "account_notifications", pg)
}

// webSetPreferences takes one radio group per kind; a refused form comes
// back with what was chosen and the message beside its group.
func (s *Server) webSetPreferences(c echo.Context) error {
	p := store.NotificationPreferences{}
	for _, k := range store.NotificationKinds {
		if v := c.FormValue(k); v != "" {
			p[k] = v
		}
	}
	if _, err := s.setPreferences(c, p); err != nil {
		ae, ok := err.(*Error)
		if !ok || ae.Code != CodeInvalid {
			return err
		}
		shown, perr := s.Store.NotificationPreferencesOf(c.Request().Context(), currentUser(c).ID)
		if perr != nil {
			return errInternal(perr)
		}
		for k, v := range p {
			if slices.Contains(store.Deliveries, v) {
				shown[k] = v
			}
		}
		return s.render(c, http.StatusUnprocessableEntity, "account_notifications", page{Title: "Notification settings",
			Data: preferencesPage{viewPreferences(shown), deliveryLabels, kindHelp}, Errors: ae.Fields})
	}
	return c.Redirect(http.StatusSeeOther, "/account/notifications?done=preferences")
}
