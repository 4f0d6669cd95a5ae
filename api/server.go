// Package api is the HTTP face of postrelease: a JSON API under /api/v1 and
// server-rendered web forms elsewhere, both on Echo v4. Handlers are thin:
// parse the request, call the application service (package service, through
// CaseService and ShipmentService) or the store, render JSON or a page.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
)

// Server holds the dependencies of every handler.
type Server struct {
	Store    *store.Store
	Temporal client.Client
	Policy   policy.Policy // given to each case when it opens
	Log      *slog.Logger
	// LegalTimeZone (POSTRELEASE_LEGAL_TIME_ZONE), when set, is the one IANA
	// zone whose days every legal window follows, whatever the port; empty
	// uses each port's own zone. Resolved when a case or shipment opens.
	LegalTimeZone string
	// OfficeTimeZone (POSTRELEASE_OFFICE_TIME_ZONE) is the IANA zone pages
	// show times in for a user who chose none; empty is UTC.
	OfficeTimeZone string
	// Inspection is the prior of the inspection estimate; zero is
	// inspection.DefaultPrior.
	Inspection inspection.Prior
	// SecureCookies marks cookies Secure; on whenever the site is served over HTTPS.
	SecureCookies bool
	SessionTTL    time.Duration // absolute lifetime of a web session, from sign-in
	// SessionIdle signs a web session out after this long unused; 0 takes
	// the default (1h), a negative value turns the idle limit off.
	SessionIdle   time.Duration
	ActionTimeout time.Duration // how long an action waits for the workflow's answer
	// Sign-in throttling (account.go); zero values take the defaults there.
	EmailThrottle, IPThrottle store.ThrottleLimits
	// IPExtractor finds the client address for throttling; nil uses the
	// connection's address and ignores X-Forwarded-For, which any client
	// can set (a proxy in front should be configured here).
	IPExtractor echo.IPExtractor
	// Cases and Shipments are the application services the handlers call;
	// nil builds them on the fields above (tests give fakes).
	Cases     CaseService
	Shipments ShipmentService
	Protests  ProtestService // protests.go
	HTS       *service.HTS   // hts.go: the tariff schedule
	Reviews   ReviewService  // reviews.go

	pages *pages
}

// New builds the Echo app. It fails when a template does not parse.
func New(s *Server) (*echo.Echo, error) {
	if s.SessionTTL == 0 {
		s.SessionTTL = 12 * time.Hour
	}
	switch {
	case s.SessionIdle == 0:
		s.SessionIdle = time.Hour
	case s.SessionIdle < 0:
		s.SessionIdle = 0
	}
	if s.LegalTimeZone != "" {
		if _, err := domain.LoadZone(s.LegalTimeZone); err != nil {
			return nil, fmt.Errorf("legal time zone: %w", err)
		}
	}
	if s.OfficeTimeZone == "" {
		s.OfficeTimeZone = "UTC"
	}
	if _, err := domain.LoadZone(s.OfficeTimeZone); err != nil {
		return nil, fmt.Errorf("office time zone: %w", err)
	}
	if s.ActionTimeout == 0 {
		s.ActionTimeout = 30 * time.Second
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.EmailThrottle.MaxFailures == 0 {
		s.EmailThrottle = defaultEmailThrottle
	}
	if s.IPThrottle.MaxFailures == 0 {
		s.IPThrottle = defaultIPThrottle
	}
	if s.IPExtractor == nil {
		s.IPExtractor = echo.ExtractIPDirect()
	}
	s.services()
	var err error
	if s.pages, err = parsePages(s.now); err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = s.IPExtractor
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RequestID())
	// The audit trail wraps everything after the request id, so a request
	// refused by a middleware below (body too large, an impossible id, a
	// panic) is recorded like one a handler refused.
	e.Use(s.audit) // audit.go
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.Log.Error("panic", "request_id", requestID(c), "error", err, "stack", string(stack))
		return err
	}}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY", ReferrerPolicy: "same-origin",
		ContentSecurityPolicy: "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
	}))
	// 1 MB for every request but release-list and document uploads (17 MB).
	// Applied here, before the CSRF check reads a form, so no route reads
	// more than its limit.
	e.Use(bodyLimits)
	e.Use(plainPathParams)
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			s.Log.Debug("http", "method", v.Method, "uri", v.URI, "status", v.Status, "latency", v.Latency, "request_id", v.RequestID)
			return nil
		},
	}))

	e.GET("/healthz", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := s.Store.Ping(ctx); err != nil {
			return &Error{Code: CodeUnavailable, Message: "store unreachable", err: err}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})

	v1 := e.Group("/api/v1", s.requireToken, requireJSON, checkIdempotencyKey) // input.go
	v1.GET("/me", s.apiMe)
	s.accountAPIRoutes(v1) // account_settings.go
	v1.POST("/cases", openHandler(func(c echo.Context, req service.OpenCaseRequest) (service.CaseView, bool, error) {
		return s.Cases.Open(c.Request().Context(), currentUser(c), req)
	}, func(r *service.OpenCaseRequest) *string { return &r.ClientRequestID },
		func(v service.CaseView) string { return "/api/v1/cases/" + v.CaseID }))
	v1.GET("/cases", withCSV(listHandler("cases", func(c echo.Context) (store.CaseFilter, error) { return caseFilter(c, currentUser(c)) },
		s.Cases.List, store.CaseFilter.Page), s.casesCSV()))
	v1.GET("/cases/:id", getHandler(s.Cases.Get))
	v1.POST("/cases/:id/actions/:action", actHandler(s.Cases.Act))
	v1.GET("/cases/:id/history", historyHandler("case_id", s.Cases.History, timeline.Case))
	s.notificationRoutes(v1) // notifications.go
	v1.GET("/ports", s.apiPorts)
	v1.GET("/ports/:code", s.apiPort)
	v1.PUT("/ports/:code", s.apiSavePort)
	v1.POST("/shipments/import/preview", s.apiPreviewImport)
	v1.POST("/shipments/import", s.apiImport)
	v1.POST("/shipments", s.apiOpenShipment)
	v1.GET("/shipments", withCSV(listHandler("shipments", shipmentFilterOf, s.Shipments.List, store.ShipmentFilter.Page), s.shipmentsCSV()))
	v1.GET("/shipments/:id", getHandler(s.Shipments.Get))
	v1.POST("/shipments/:id/actions/:action", actHandler(s.Shipments.Act))
	v1.POST("/shipments/:id/documents", s.apiUploadDocument)
	v1.GET("/shipments/:id/documents/:doc", s.apiGetDocument)
	v1.GET("/shipments/:id/history", s.apiShipmentHistory)
	v1.GET("/demurrage", s.apiDemurrage)
	v1.GET("/dashboard", jsonHandler(s.dashboardData))
	v1.GET("/inbox", withCSV(s.apiInbox, s.inboxCSV())) // inbox.go
	v1.POST("/inbox/bulk", s.apiBulk)                   // bulk.go
	v1.GET("/search", s.apiSearch)                      // search.go
	v1.GET("/find", s.apiFind)                          // find.go
	s.exportRoutes(v1)                                  // export.go
	s.protestRoutes(v1)                                 // protests.go
	s.htsRoutes(v1)                                     // hts.go
	s.reviewRoutes(v1)                                  // reviews.go

	v1.GET("/audit", s.apiAudit) // audit.go
	s.webRoutes(e)
	return e, nil
}

// handleError answers every error: JSON under /api, an HTML page elsewhere.
// Internal errors are logged with the request id and shown as a plain message.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae := answerOf(c, err)
	switch {
	case shuttingDown(c.Request().Context()):
		// Expected while stopping; serveHTTP said so once for all of them.
		s.Log.Debug("request cancelled by the shutdown", "request_id", requestID(c), "method", c.Request().Method, "path", c.Path(), "error", err)
	case ae.Code == CodeInternal || ae.Code == CodeUnavailable:
		s.Log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method, "path", c.Path(), "error", err)
	}
	if isAPI(c) {
		body := struct {
			*Error
			RequestID string `json:"request_id,omitempty"`
		}{ae, requestID(c)}
		if err := c.JSON(ae.Status(), body); err != nil {
			s.Log.Error("writing error response", "error", err)
		}
		return
	}
	if ae.Code == CodeUnauthorized {
		_ = c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	s.renderError(c, ae)
}

// Body limits: uploads get a little over the parser's or the store's own
// limit (which says what went wrong in words); everything else 1 MB.
var (
	uploadBodyLimit  = middleware.BodyLimit("17M")
	defaultBodyLimit = middleware.BodyLimit("1M")
	// The full tariff schedule's export is about 15 MB; service.MaxHTSFile says it in words.
	htsBodyLimit = middleware.BodyLimit("65M")
)

func bodyLimits(next echo.HandlerFunc) echo.HandlerFunc {
	upload, hts, other := uploadBodyLimit(next), htsBodyLimit(next), defaultBodyLimit(next)
	return func(c echo.Context) error {
		if isHTSUpload(c) {
			return hts(c)
		}
		if isUploadPath(c) {
			return upload(c)
		}
		return other(c)
	}
}

// isUploadPath: routes that take a file (release lists and documents).
func isUploadPath(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == "/shipments/import" || p == "/api/v1/shipments/import/preview" || p == "/api/v1/shipments/import" ||
		strings.HasPrefix(p, "/api/v1/shipments/") && strings.HasSuffix(p, "/documents") ||
		strings.HasPrefix(p, "/shipments/") && strings.HasSuffix(p, "/documents")
}

func isAPI(c echo.Context) bool {
	p := c.Request().URL.Path
	return len(p) >= 4 && p[:4] == "/api"
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

const userKey = "user"

// currentUser is the authenticated user a middleware put on the context.
func currentUser(c echo.Context) store.User {
	u, _ := c.Get(userKey).(store.User)
	return u
}

// bearerPrefix starts an API token's Authorization header; the scheme is
// case-insensitive (RFC 9110 §11.1).
const bearerPrefix = "bearer "

// requireToken authenticates API calls by bearer token.
func (s *Server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if len(h) <= len(bearerPrefix) || !strings.EqualFold(h[:len(bearerPrefix)], bearerPrefix) {
			return errf(CodeUnauthorized, "send an API token as 'Authorization: Bearer <token>' (postrelease token create --email ...)")
		}
		u, err := s.Store.UserByToken(c.Request().Context(), h[len(bearerPrefix):])
		if errors.Is(err, store.ErrNotFound) {
			return errf(CodeUnauthorized, "the API token is not valid")
		}
		if err != nil {
			return errInternal(fmt.Errorf("resolving token: %w", err))
		}
		c.Set(userKey, u)
		return next(c)
	}
}

// maxIDLength bounds any id taken from a path or a body: ours are far shorter.
const maxIDLength = 200

// plainText reports whether s is valid UTF-8 of at most max bytes without
// control characters: what any id of ours is. Anything else must not reach
// the database or Temporal, which refuse it with errors of their own.
func plainText(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// plainPathParams answers 404 for a path whose id (or port code, action...)
// could not name anything of ours, before a handler looks it up.
func plainPathParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for i, v := range c.ParamValues() {
			if i < len(c.ParamNames()) && c.ParamNames()[i] != "*" && !plainText(v, maxIDLength) {
				return errf(CodeNotFound, "no such %s", c.ParamNames()[i])
			}
		}
		return next(c)
	}
}
