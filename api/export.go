package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/store"
)

// The CBP audit export (package export builds the zip): for managers and
// auditors, since the audit trail in it carries client addresses, so officers
// may not take it. The zip is built in memory before anything is sent: a
// failure half-way (a document whose hash no longer matches: 409) answers an
// error, never a 200 with a truncated zip. Each export, and each refused
// attempt, is written to the audit trail: the audit middleware only sees
// state-changing methods, and this GET hands out evidence.

func (s *Server) exportRoutes(v1 *echo.Group) {
	v1.GET("/cases/:id/export", s.exportHandler(export.Case))
	v1.GET("/shipments/:id/export", s.exportHandler(export.Shipment))
}

func (s *Server) webExportRoutes(auth *echo.Group) {
	auth.GET("/cases/:id/export.zip", s.exportHandler(export.Case))
	auth.GET("/shipments/:id/export.zip", s.exportHandler(export.Shipment))
}

// mayExport: managers and auditors, the readers of the audit trail.
func mayExport(u store.User) bool {
	return u.Role == domain.RoleManager || u.Role == domain.RoleAuditor
}

// exportHandler answers the zip of a case or shipment and records the export.
func (s *Server) exportHandler(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, id, now := currentUser(c), c.Param("id"), time.Now().UTC()
		var zipped []byte
		var err error
		if !mayExport(u) { // who may comes before whether the target exists
			err = errf(CodeForbidden, "only managers and auditors may export the CBP audit file")
		} else {
			x := export.Exporter{Temporal: s.Temporal, Store: s.Store}
			zipped, err = x.Build(c.Request().Context(), kind, id, u, now)
			err = fromExport(err)
		}
		if err != nil {
			c.Error(err) // answered here so the recorded outcome is the status sent
			msg := asError(err).Message
			if len(msg) > auditMessageMax {
				msg = msg[:auditMessageMax] + "…"
			}
			_ = s.recordExport(c, kind, id, c.Response().Status, map[string]any{"message": msg})
			return nil
		}
		sum := sha256.Sum256(zipped)
		digest := hex.EncodeToString(sum[:])
		// Evidence that leaves no trace is not handed out: record first.
		if rerr := s.recordExport(c, kind, id, http.StatusOK, map[string]any{"zip_sha256": digest, "bytes": len(zipped)}); rerr != nil {
			return errInternal(rerr)
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-cbp-audit-%s.zip"`, id, now.Format("20060102")))
		h.Set("Digest", "sha-256="+digest)
		h.Set("Cache-Control", "no-store")
		return c.Blob(http.StatusOK, "application/zip", zipped)
	}
}

// fromExport maps an export's failure to an API error: a target neither
// Temporal nor the store has is 404, an altered document 409, Temporal's
// errors as everywhere else, anything else internal.
func fromExport(err error) error {
	if err == nil {
		return nil
	}
	var nf *export.NotFoundError
	var alt *export.AlteredError
	var te *export.TemporalError
	switch {
	case errors.As(err, &nf):
		return errf(CodeNotFound, "%s", nf.Message)
	case errors.As(err, &alt):
		return &Error{Code: CodeConflict, Message: alt.Message, err: alt.Err}
	case errors.As(err, &te):
		return fromWorkflow(te.Err, te.TargetID)
	}
	return errInternal(err)
}

// recordExport writes an export (or a refused attempt) to the audit trail as
// action "<kind>.export". A failure is logged and returned.
func (s *Server) recordExport(c echo.Context, kind, id string, status int, detail map[string]any) error {
	u, req := currentUser(c), c.Request()
	entry := store.AuditEntry{At: time.Now(), ActorID: u.ID, ActorEmail: u.Email, ActorRole: string(u.Role), ClientIP: clientIP(c),
		Method: req.Method, Path: req.URL.Path, Action: kind + ".export", TargetID: id, Outcome: status, RequestID: requestID(c)}
	if len(detail) > 0 {
		entry.Detail, _ = json.Marshal(detail)
	}
	return s.writeAudit(req, entry)
}
