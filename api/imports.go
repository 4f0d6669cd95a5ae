package api

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/store"
)

// Release list import through the JSON API (the service checks and opens:
// service/imports.go).

// formatOf picks csv or json from an explicit value, a file name or a content type.
func formatOf(explicit, filename, contentType string) string {
	switch f := strings.ToLower(strings.TrimSpace(explicit)); f {
	case "csv", "json":
		return f
	case "":
	default:
		return f // refused by the service's Preview with its name
	}
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".csv":
		return "csv"
	case ".json":
		return "json"
	}
	if strings.Contains(contentType, "json") {
		return "json"
	}
	return "csv"
}

// apiPreviewImport: POST /api/v1/shipments/import/preview with the file as
// the body.
func (s *Server) apiPreviewImport(c echo.Context) error {
	return importBody(s, c, s.Shipments.Preview)
}

// apiImport: POST /api/v1/shipments/import with the release list as the body.
func (s *Server) apiImport(c echo.Context) error {
	return importBody(s, c, s.Shipments.Import)
}

// importBody checks the request (mayImport), runs step (the service's Preview
// or Import) on the release list in the body (?format=csv|json, or from the
// Content-Type) and answers what step gives.
func importBody[R any](s *Server, c echo.Context, step func(context.Context, store.User, io.Reader, string) (R, error)) error {
	if err := s.mayImport(c); err != nil {
		return err
	}
	format := formatOf(c.QueryParam("format"), "", c.Request().Header.Get(echo.HeaderContentType))
	r, err := step(c.Request().Context(), currentUser(c), c.Request().Body, format)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// mayImport checks, before the file is read, that the user may import and
// that the body is a release list: CSV or JSON (415 naming both).
func (s *Server) mayImport(c echo.Context) error {
	if u := currentUser(c); !u.Role.CanAct() {
		return errf(CodeForbidden, "role %s may not import release lists", u.Role)
	}
	return mediaType(c, mediaCSV, mediaJSON)
}

func (s *Server) webImportForm(c echo.Context) error {
	if !currentUser(c).Role.CanAct() {
		return errf(CodeForbidden, "role %s may not import release lists", currentUser(c).Role)
	}
	return s.render(c, http.StatusOK, "import", page{Title: "Import a release list"})
}
