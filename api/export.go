package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

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
	v1.GET("/cases/:id/export", s.exportHandler(export.Case, s.Cases.Export))
	v1.GET("/shipments/:id/export", s.exportHandler(export.Shipment, s.Shipments.Export))
}

func (s *Server) webExportRoutes(auth *echo.Group) {
	auth.GET("/cases/:id/export.zip", s.exportHandler(export.Case, s.Cases.Export))
	auth.GET("/shipments/:id/export.zip", s.exportHandler(export.Shipment, s.Shipments.Export))
}

// exportHandler answers the zip of a case or shipment and records the export.
func (s *Server) exportHandler(kind string, build func(ctx context.Context, user store.User, id string, now time.Time) ([]byte, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, id, now := currentUser(c), c.Param("id"), time.Now().UTC()
		zipped, err := build(c.Request().Context(), u, id, now)
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
