package api

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// The audit trail: audit is an Echo middleware that records every
// state-changing request (POST, PUT, PATCH, DELETE) on the JSON API and the
// web forms in the append-only audit_log, after the handler ran, so the entry
// holds the status that was sent, refusals (4xx) included: a refused action
// changes nothing in a case but is still an attempt someone made. Reads (GET,
// HEAD, OPTIONS) are not audited: they change nothing, and every page view
// would drown the actions.
//
// The entry says who (the authenticated user, or "anonymous"), when, from
// which address, what (an action name such as "case.file_psc" derived from
// the route), on what (the case, shipment or port id), the outcome (the HTTP
// status) and the request id. Its detail never holds a password or a
// document's bytes: only the Idempotency-Key, a refusal's message, the
// e-mail a sign-in was tried with and a document's kind, each read from a
// form only when the handler already parsed it.

// auditTimeout bounds writing one entry.
const auditTimeout = 5 * time.Second

// auditMessageMax bounds a refusal's message kept in the detail.
const auditMessageMax = 500

// audit records state-changing requests. It runs right inside the request
// id middleware and outside every other, the body limit and the routes' own
// (CSRF, session, token) included: it sees the user those set on the
// context, and records a request refused before them too, naming the user
// its credentials belong to (claimedUser).
func (s *Server) audit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return next(c)
		}
		err := next(c)
		if err != nil {
			// Answer the error here, as RequestLogger's HandleError does, so
			// the status is known; outer middlewares then see it answered.
			c.Error(err)
		}
		s.recordRequest(c, err)
		return nil
	}
}

func (s *Server) recordRequest(c echo.Context, handlerErr error) {
	req := c.Request()
	entry := store.AuditEntry{
		At: time.Now(), ActorRole: store.AuditAnonymous, ClientIP: clientIP(c),
		Method: req.Method, Path: req.URL.Path, Outcome: c.Response().Status, RequestID: requestID(c),
	}
	entry.Action, entry.TargetID = auditAction(c)
	u := currentUser(c)
	if u.ID == "" && entry.Action != "login" && entry.Action != "login_failed" {
		u = s.claimedUser(c)
	}
	if u.ID != "" {
		entry.ActorID, entry.ActorEmail, entry.ActorRole = u.ID, u.Email, string(u.Role)
	}

	detail := map[string]string{}
	if k := req.Header.Get("Idempotency-Key"); k != "" {
		detail["idempotency_key"] = k
	} else if k := parsedFormValue(req, "idem"); k != "" {
		detail["idempotency_key"] = k
	}
	if handlerErr != nil && entry.Outcome >= 400 {
		msg := answerOf(c, handlerErr).Message
		if len(msg) > auditMessageMax {
			msg = msg[:auditMessageMax] + "…"
		}
		detail["message"] = msg
	}
	switch entry.Action {
	case "login", "login_failed":
		// Who tried: the e-mail as typed; never the password.
		email := parsedFormValue(req, "email")
		detail["email"] = email
		if entry.ActorEmail == "" {
			entry.ActorEmail = email
		}
		if entry.Action == "login" && entry.ActorID == "" {
			if u, err := s.Store.UserByEmail(req.Context(), email); err == nil {
				entry.ActorID, entry.ActorEmail, entry.ActorRole = u.ID, u.Email, string(u.Role)
			}
		}
	case "shipment.document_upload":
		if k := parsedFormValue(req, "kind"); k != "" {
			detail["kind"] = k
		}
	}
	if len(detail) > 0 {
		entry.Detail, _ = json.Marshal(detail)
	}

	// The action already happened (or was refused) and was answered; a lost
	// entry is logged loudly (by writeAudit) rather than turned into an error.
	_ = s.writeAudit(req, entry)
}

// claimedUser is the user whose API token or live web session a request
// carried when it was refused before authentication ran (body too large,
// an impossible id, a failed CSRF check); the zero User when there is none
// or it is not valid. A sign-in is never attributed this way: who tried is
// the e-mail typed.
func (s *Server) claimedUser(c echo.Context) store.User {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), auditTimeout)
	defer cancel()
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if len(h) > len(bearerPrefix) && strings.EqualFold(h[:len(bearerPrefix)], bearerPrefix) {
		if u, err := s.Store.UserByToken(ctx, h[len(bearerPrefix):]); err == nil {
			return u
		}
		return store.User{}
	}
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if u, err := s.Store.PeekSession(ctx, ck.Value, s.SessionIdle); err == nil {
			return u
		}
	}
	return store.User{}
}

// writeAudit appends entry to the audit trail, even when the request's
// client has gone; a failure is logged and returned.
func (s *Server) writeAudit(req *http.Request, entry store.AuditEntry) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), auditTimeout)
	defer cancel()
	if _, err := s.Store.RecordAudit(ctx, entry); err != nil {
		s.Log.Error("writing the audit trail", "request_id", entry.RequestID, "action", entry.Action, "error", err)
		return err
	}
	return nil
}

// clientIP is the address the request came from. Echo's RealIP trusts
// X-Forwarded-For and X-Real-IP when no IPExtractor is set, and any client
// can send those; so without an extractor the connection's own address is
// used. Behind a reverse proxy, set an extractor (echo.ExtractIPFromXFFHeader
// with the proxy's addresses trusted) to record the client rather than the
// proxy: X-Forwarded-For is only trustworthy when a proxy we run wrote it.
func clientIP(c echo.Context) string {
	if c.Echo().IPExtractor != nil {
		return c.RealIP()
	}
	return echo.ExtractIPDirect()(c.Request())
}

// parsedFormValue reads a form field only if the handler already parsed the
// form: the middleware never reads a body itself (a refused upload's body
// stays unread).
func parsedFormValue(r *http.Request, name string) string {
	if r.MultipartForm != nil {
		if v := r.MultipartForm.Value[name]; len(v) > 0 {
			return v[0]
		}
	}
	if r.PostForm != nil {
		return r.PostForm.Get(name)
	}
	return ""
}

// openedAt finds the id of what an open or import created, in the Location
// the handler answered with (/api/v1/cases/<id>, /shipments/<id>?done=...).
var openedAt = regexp.MustCompile(`^(?:/api/v1)?/(?:cases|shipments|protests)/([^/?]+)`)

// auditAction names a request's action and its target from the route.
func auditAction(c echo.Context) (action, target string) {
	route := strings.TrimPrefix(c.Path(), "/api/v1")
	id := c.Param("id")
	switch route {
	case "/login":
		if c.Response().Status == http.StatusSeeOther {
			return "login", ""
		}
		return "login_failed", ""
	case "/logout":
		return "logout", ""
	case "/cases", "/shipments":
		kind := strings.TrimSuffix(strings.TrimPrefix(route, "/"), "s")
		if m := openedAt.FindStringSubmatch(c.Response().Header().Get(echo.HeaderLocation)); m != nil && m[1] != "new" {
			target = m[1]
		}
		return kind + ".open", target
	case "/protests", "/shipments/:id/protests":
		if m := openedAt.FindStringSubmatch(c.Response().Header().Get(echo.HeaderLocation)); m != nil && m[1] != "new" {
			target = m[1]
		}
		return "protest.open", target
	case "/protests/:id/actions/:action":
		return "protest." + c.Param("action"), id
	case "/cases/:id/actions/:action":
		return "case." + c.Param("action"), id
	case "/shipments/:id/actions/:action":
		return "shipment." + c.Param("action"), id
	case "/shipments/:id/documents":
		return "shipment.document_upload", id
	case "/shipments/import":
		return "import", ""
	case "/shipments/import/preview":
		return "import.preview", ""
	case "/ports", "/ports/:code":
		code := c.Param("code")
		if code == "" {
			code = parsedFormValue(c.Request(), "code")
		}
		return "port.save", strings.ToUpper(code)
	case "":
		return "unrouted", ""
	}
	// A route added later without a name here is still recorded.
	return strings.ToLower(c.Request().Method) + " " + c.Path(), id
}

// apiAudit lists the audit trail, of one target or all, oldest first:
// GET /api/v1/audit?target=<id>&limit=&offset=. Managers and auditors only.
func (s *Server) apiAudit(c echo.Context) error {
	u := currentUser(c)
	if u.Role != domain.RoleManager && u.Role != domain.RoleAuditor {
		return errf(CodeForbidden, "only managers and auditors may read the audit trail")
	}
	f := store.AuditFilter{TargetID: strings.TrimSpace(c.QueryParam("target"))}
	fields := map[string]string{}
	unknownParams(c, fields, "target", "limit", "offset") // input.go
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := c.QueryParam(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || name == "limit" && n > 1000 {
				fields[name] = "must be a whole number" + map[bool]string{true: " from 0 to 1000", false: " of 0 or more"}[name == "limit"]
				continue
			}
			*dst = n
		}
	}
	if len(fields) > 0 {
		return &Error{Code: CodeInvalid, Message: "invalid audit query", Fields: fields}
	}
	rows, total, err := s.Store.ListAudit(c.Request().Context(), f)
	if err != nil {
		return errInternal(err)
	}
	if rows == nil {
		rows = []store.AuditEntry{}
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": rows, "total": total})
}
