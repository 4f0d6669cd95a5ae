package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/store"
)

// Release list import, first half: the preview. It parses a broker's release
// list (CSV or JSON), checks every row and every port against the ports table,
// and reports what would be imported and every rejected row with its line
// number and reason. It starts nothing: opening the shipments comes with the
// shipment workflow.

// importPreview is the answer: the shipments that would open, and the rows
// that would not.
type importPreview struct {
	Format    string              `json:"format"`
	Shipments []previewShipment   `json:"shipments"`
	Rejected  []manifest.RowError `json:"rejected"`
	// parsed are the shipments that would open, for the import to start.
	parsed []manifest.ShipmentInput
}

type previewShipment struct {
	ID          string `json:"id"`
	EntryNumber string `json:"entry_number"`
	Port        string `json:"port"`
	PortName    string `json:"port_name"`
	Containers  int    `json:"containers"`
	Lines       int    `json:"lines"`
}

// previewImport parses the file and checks the ports. A file that cannot be
// read at all is a 422 on "file".
func (s *Server) previewImport(ctx context.Context, user store.User, file io.Reader, format string) (importPreview, error) {
	if !user.Role.CanAct() {
		return importPreview{}, errf(CodeForbidden, "role %s may not import release lists", user.Role)
	}
	if format != "csv" && format != "json" {
		return importPreview{}, errInvalid(map[string]string{"format": "must be csv or json"})
	}
	res, err := manifest.ParseReleaseList(file, format)
	if err != nil {
		return importPreview{}, errInvalid(map[string]string{"file": err.Error()})
	}
	ports, err := s.Store.Ports(ctx)
	if err != nil {
		return importPreview{}, errInternal(err)
	}
	names := map[string]string{}
	for _, p := range ports {
		names[p.Code] = p.Name
	}
	out := importPreview{Format: format, Shipments: []previewShipment{}, Rejected: res.Rejected}
	now := time.Now()
	for i, sh := range res.Shipments {
		if fe := sh.CheckDates(now); fe != nil { // as an opening checks them
			out.Rejected = append(out.Rejected, manifest.RowError{Line: 0, Entry: sh.EntryNumber, Reason: fe.Error()})
			continue
		}
		name, ok := names[sh.Port]
		if !ok {
			out.Rejected = append(out.Rejected, manifest.RowError{Line: 0, Entry: sh.EntryNumber,
				Reason: fmt.Sprintf("port %s is not in the ports table: a manager adds it under Ports first", sh.Port)})
			continue
		}
		out.parsed = append(out.parsed, sh)
		out.Shipments = append(out.Shipments, previewShipment{ID: res.Shipments[i].ID(), EntryNumber: sh.EntryNumber, Port: sh.Port,
			PortName: name, Containers: len(sh.Containers), Lines: len(sh.Lines)})
	}
	if out.Rejected == nil {
		out.Rejected = []manifest.RowError{}
	}
	return out, nil
}

// formatOf picks csv or json from an explicit value, a file name or a content type.
func formatOf(explicit, filename, contentType string) string {
	switch f := strings.ToLower(strings.TrimSpace(explicit)); f {
	case "csv", "json":
		return f
	case "":
	default:
		return f // refused by previewImport with its name
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
// the body (?format=csv|json, or from the Content-Type).
func (s *Server) apiPreviewImport(c echo.Context) error {
	if err := s.mayImport(c); err != nil {
		return err
	}
	format := formatOf(c.QueryParam("format"), "", c.Request().Header.Get(echo.HeaderContentType))
	p, err := s.previewImport(c.Request().Context(), currentUser(c), c.Request().Body, format)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
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
