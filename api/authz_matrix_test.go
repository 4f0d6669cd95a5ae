package api_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/api"
)

// Who may call a route.
type authzRule int

const (
	public      authzRule = iota // no sign-in needed
	anyone                       // every signed-in role, reading
	self                         // every signed-in role, about their own session or account
	actors                       // officers and managers; auditors get 403
	managerOnly                  // managers; officers and auditors get 403
	overseers                    // managers and auditors; officers get 403 (the audit trail)
)

func (r authzRule) String() string {
	return [...]string{"public", "anyone", "self", "actors", "managerOnly", "overseers"}[r]
}

// authzTable classifies EVERY route of api.New by "METHOD path" as Echo
// registers it. A route missing here fails TestAuthorizationMatrix: whoever
// adds a route says who may call it.
var authzTable = map[string]authzRule{
	"GET /healthz":            public,
	"GET /static/*":           public,
	"GET /favicon.ico":        public,
	"GET /login":              public,
	"POST /login":             public,
	"POST /logout":            self,
	"GET /":                   anyone,
	"GET /account":            self,
	"POST /account/time-zone": self,
	"GET /account/password":   self,
	"POST /account/password":  self,

	"GET /api/v1/me":                             anyone,
	"GET /api/v1/me/settings":                    self,
	"PUT /api/v1/me/settings":                    self,
	"GET /api/v1/cases":                          anyone,
	"GET /api/v1/cases/:id":                      anyone,
	"GET /api/v1/cases/:id/history":              anyone,
	"POST /api/v1/cases":                         actors,
	"POST /api/v1/cases/:id/actions/:action":     actors,
	"GET /api/v1/notifications":                  anyone,
	"GET /api/v1/notifications/groups":           anyone,
	"GET /api/v1/account/notifications":          self,
	"PUT /api/v1/account/notifications":          self,
	"GET /account/notifications":                 self,
	"POST /account/notifications":                self,
	"GET /api/v1/ports":                          anyone,
	"GET /api/v1/ports/:code":                    anyone,
	"PUT /api/v1/ports/:code":                    managerOnly,
	"GET /api/v1/shipments":                      anyone,
	"GET /api/v1/shipments/:id":                  anyone,
	"GET /api/v1/shipments/:id/history":          anyone,
	"GET /api/v1/shipments/:id/documents/:doc":   anyone,
	"POST /api/v1/shipments":                     actors,
	"POST /api/v1/shipments/:id/actions/:action": actors,
	"POST /api/v1/shipments/:id/documents":       actors,
	"POST /api/v1/shipments/import":              actors,
	"POST /api/v1/shipments/import/preview":      actors,
	"GET /api/v1/demurrage":                      managerOnly,
	"GET /api/v1/audit":                          overseers,
	"GET /api/v1/inbox":                          anyone, // an auditor's is empty
	"POST /api/v1/inbox/bulk":                    actors, // bulk.go
	"GET /api/v1/dashboard":                      managerOnly,
	"GET /api/v1/search":                         overseers,
	"GET /api/v1/find":                           anyone,
	"GET /api/v1/cases/:id/export":               overseers, // export.go: the audit trail is in the zip
	"GET /api/v1/shipments/:id/export":           overseers,
	"GET /api/v1/protests":                       anyone,
	"GET /api/v1/protests/:id":                   anyone,
	"GET /api/v1/protests/:id/history":           anyone,
	"GET /api/v1/protests/:id/export":            overseers,
	"POST /api/v1/protests":                      actors,
	"POST /api/v1/shipments/:id/protests":        actors,
	"POST /api/v1/protests/:id/actions/:action":  actors,
	"POST /api/v1/hts/revisions":                 managerOnly, // hts.go
	"GET /api/v1/hts/revisions":                  anyone,
	"GET /api/v1/hts/revisions/changes":          managerOnly,
	"GET /api/v1/hts":                            anyone,
	"GET /api/v1/hts/:code":                      anyone,

	"GET /cases":                          anyone,
	"GET /cases/new":                      actors,
	"POST /cases":                         actors,
	"GET /cases/:id":                      anyone,
	"POST /cases/:id/actions/:action":     actors,
	"GET /cases/:id/actions/:action":      anyone, // back to the case page's form
	"GET /cases/:id/history":              anyone,
	"GET /cases/:id/history.json":         anyone,
	"GET /manage":                         managerOnly,
	"GET /inbox":                          anyone, // an auditor's is empty
	"GET /search":                         overseers,
	"GET /find":                           anyone,
	"GET /cases/:id/export.zip":           overseers,
	"GET /shipments/:id/export.zip":       overseers,
	"GET /shipments":                      anyone,
	"GET /shipments/new":                  actors,
	"POST /shipments":                     actors,
	"GET /shipments/import":               actors,
	"POST /shipments/import":              actors,
	"GET /shipments/:id":                  anyone,
	"POST /shipments/:id/actions/:action": actors,
	"GET /shipments/:id/actions/:action":  anyone,
	"GET /shipments/:id/documents":        anyone, // back to the shipment page
	"POST /shipments/:id/documents":       actors,
	"GET /shipments/:id/documents/:doc":   anyone,
	"GET /shipments/:id/history":          anyone,
	"POST /inbox/bulk":                    actors, // bulk.go
	"GET /inbox/bulk":                     anyone, // a redirect to the inbox
	"GET /protests":                       anyone,
	"GET /protests/new":                   actors,
	"POST /protests":                      actors,
	"GET /shipments/:id/protests/new":     actors,
	"POST /shipments/:id/protests":        actors,
	"GET /protests/:id":                   anyone,
	"POST /protests/:id/actions/:action":  actors,
	"GET /protests/:id/actions/:action":   anyone,
	"GET /protests/:id/history":           anyone,
	"GET /protests/:id/export.zip":        overseers,
	"GET /demurrage":                      managerOnly,
	"GET /dashboard":                      managerOnly,
	"GET /ports":                          anyone,
	"GET /ports/new":                      managerOnly,
	"POST /ports":                         managerOnly,
	"GET /ports/:code":                    managerOnly, // the edit form; the list and the API read ports for everyone
	"POST /ports/:code":                   managerOnly,
	"GET /hts":                            anyone, // hts.go: the lookup
	"GET /hts/revisions":                  managerOnly,
	"POST /hts/revisions":                 managerOnly,
	"GET /hts/revisions/changes":          managerOnly,

	// reviews.go: everyone reads the reviews and the checklist; officers and
	// managers work a review; managers start one now and edit the checklist.
	"GET /api/v1/compliance-reviews":                      anyone,
	"POST /api/v1/compliance-reviews":                     managerOnly,
	"GET /api/v1/compliance-reviews/:id":                  anyone,
	"POST /api/v1/compliance-reviews/:id/actions/:action": actors,
	"GET /api/v1/compliance-reviews/:id/history":          anyone,
	"GET /api/v1/compliance-reviews/:id/export":           overseers,
	"GET /api/v1/compliance-review-template":              anyone,
	"POST /api/v1/compliance-review-template":             managerOnly,
	"PUT /api/v1/compliance-review-template/:key":         managerOnly,
	"DELETE /api/v1/compliance-review-template/:key":      managerOnly,
	"GET /compliance-reviews":                             anyone,
	"POST /compliance-reviews":                            managerOnly,
	"GET /compliance-reviews/:id":                         anyone,
	"POST /compliance-reviews/:id/actions/:action":        actors,
	"GET /compliance-reviews/:id/actions/:action":         anyone,
	"GET /compliance-reviews/:id/history":                 anyone,
	"GET /compliance-reviews/:id/export.zip":              overseers,
	"GET /manage/review-checklist":                        managerOnly,
	"POST /manage/review-checklist":                       managerOnly,
	"POST /manage/review-checklist/:key":                  managerOnly,
	"POST /manage/review-checklist/:key/delete":           managerOnly,

	// notifications.go: everyone reads and marks their own; the outbox is the managers'.
	"GET /notifications":                          anyone,
	"POST /notifications/read":                    self,
	"GET /notifications/read":                     anyone, // a redirect to the list
	"GET /notifications/outbox":                   managerOnly,
	"POST /notifications/outbox/:id/retry":        managerOnly,
	"POST /api/v1/notifications/read":             self,
	"GET /api/v1/notifications/outbox":            managerOnly,
	"POST /api/v1/notifications/outbox/:id/retry": managerOnly,
}

// TestAuthorizationMatrix sends every registered route as anonymous, officer,
// manager and auditor and checks the class of the answer: anonymous gets 401
// from the API and a redirect to /login from the web (public routes aside);
// a role the rule excludes gets 403; a role it admits gets anything but 401,
// 403, a redirect to /login or a 5xx (a 404 for a made-up id, or a 422 for an
// empty form, is an admitted caller). Bodies are empty, so nothing changes.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	caseID := e.open(t, "officer", wrenchSet("authz-"+randomSuffix(), false)).CaseID
	shipID := e.openShipment(t, "officer", shipmentBody("GHI-2600009-1")).ShipmentID
	params := strings.NewReplacer(":id/actions/:action", ":id/actions/add_note", ":doc", "DOC-NONE", ":code", "2704", "*", "app.css")

	// The routes of a server built as the product builds it.
	h, err := api.New(&api.Server{Store: e.store, Temporal: e.temporal, Policy: longPolicy(t), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	seen := map[string]bool{}
	for _, r := range h.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		k := r.Method + " " + r.Path
		if _, ok := authzTable[k]; !ok {
			t.Errorf("route %s is not in authzTable: classify it (who may call it?)", k)
		}
		if !seen[k] {
			routes = append(routes, k)
			seen[k] = true
		}
	}
	for k := range authzTable {
		if !seen[k] {
			t.Errorf("authzTable lists %s, which is not a route any more", k)
		}
	}
	sort.Strings(routes)
	if t.Failed() {
		t.FailNow()
	}

	browsers := map[string]*browser{"": e.browser(t)}
	signedIn := func(role string) *browser {
		b := e.signedIn(t, role, "/")
		return b
	}
	for _, role := range []string{"officer", "manager", "auditor"} {
		browsers[role] = signedIn(role)
	}
	tokens := map[string]string{}
	for who, b := range browsers {
		tokens[who] = csrf(t, b.get(t, "/login"))
	}

	send := func(who, method, path string, b *browser, token string) response {
		if strings.HasPrefix(path, "/api/") {
			var body any
			if method != http.MethodGet {
				body = "{}"
			}
			return e.call(t, who, method, path, body)
		}
		if method == http.MethodGet {
			return b.get(t, path)
		}
		return b.post(t, path, url.Values{"_csrf": {token}})
	}

	for _, k := range routes {
		method, pattern, _ := strings.Cut(k, " ")
		rule := authzTable[k]
		path := strings.ReplaceAll(strings.ReplaceAll(params.Replace(pattern), "/:id", "/"+caseID), "/shipments/"+caseID, "/shipments/"+shipID)
		api := strings.HasPrefix(path, "/api/")
		for _, who := range []string{"", "officer", "manager", "auditor"} {
			b, token := browsers[who], tokens[who]
			if path == "/logout" && who != "" {
				b = signedIn(who) // signing out must not end the session the other routes use
				token = csrf(t, b.get(t, "/login"))
			}
			r := send(who, method, path, b, token)
			name := who
			if name == "" {
				name = "anonymous"
			}
			what := k + " (" + path + ") as " + name + ", rule " + rule.String()
			loc := r.header.Get("Location")
			// requireSession sends the visitor to /login?next=...; signing
			// out (admitted) ends on plain /login.
			toLogin := (r.status == http.StatusSeeOther || r.status == http.StatusFound) && strings.HasPrefix(loc, "/login?next=")
			refused := who == "" && rule != public ||
				who == "officer" && (rule == managerOnly || rule == overseers) ||
				who == "auditor" && (rule == actors || rule == managerOnly)
			switch {
			case who == "" && refused && api:
				if r.status != http.StatusUnauthorized {
					t.Errorf("%s: want 401, got %s", what, r)
				}
			case who == "" && refused:
				if !toLogin {
					t.Errorf("%s: want a redirect to /login, got %s (Location %q)", what, r, loc)
				}
			case refused:
				if r.status != http.StatusForbidden {
					t.Errorf("%s: want 403, got %s", what, r)
				}
			default:
				// POST /login with no e-mail is a failed sign-in: 401 is its admitted answer.
				wrongPassword := k == "POST /login" && r.status == http.StatusUnauthorized
				if r.status == http.StatusUnauthorized && !wrongPassword || r.status == http.StatusForbidden || toLogin || r.status >= 500 {
					t.Errorf("%s: want an admitted answer, got %s (Location %q)", what, r, loc)
				}
			}
		}
	}
}
