package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

// The JSON API's shipment handlers: bind, call the service (service.Shipments), answer.

func (s *Server) apiOpenShipment(c echo.Context) error {
	var js manifest.ShipmentJSON // dates as YYYY-MM-DD, like a release list
	if err := decodeStrict(c.Request().Body, &js); err != nil {
		return err
	}
	in, fe := js.Input()
	opened, err := s.Shipments.Open(c.Request().Context(), currentUser(c), in, "api", fe)
	if err != nil {
		return err
	}
	v, err := s.Shipments.Get(c.Request().Context(), currentUser(c), opened.ID)
	if err != nil {
		return err
	}
	return sendOpened(c, opened.Created, "/api/v1/shipments/"+opened.ID, v)
}

func shipmentFilterOf(c echo.Context) (store.ShipmentFilter, error) {
	f := store.ShipmentFilter{Phase: c.QueryParam("phase"), Port: c.QueryParam("port"), EntryNumber: c.QueryParam("entry_number"),
		Escalated: c.QueryParam("escalated") == "true", Overdue: c.QueryParam("overdue") == "true", Blocked: c.QueryParam("blocked") == "true"}
	fe := map[string]string{}
	unknownParams(c, fe, "phase", "port", "entry_number", "overdue", "escalated", "blocked", "sort", "format", "limit", "offset")
	if f.Phase != "" && f.Phase != workflows.PhaseActive && f.Phase != workflows.PhaseLegal && f.Phase != workflows.PhaseClosed {
		fe["phase"] = "must be active, legal or closed"
	}
	f.Sort = sortParam(c, store.ShipmentSorts, fe)
	formatParam(c, fe)
	if f.Limit, f.Offset = paging(c.QueryParams(), fe); len(fe) > 0 {
		return f, errInvalid(fe)
	}
	return f, nil
}

// apiUploadDocument: multipart with "kind", "file" and, for a delivery
// order, "containers" (JSON: [{"number": ..., "seals": [...]}]).
func (s *Server) apiUploadDocument(c echo.Context) error {
	if u := currentUser(c); !u.Role.CanAct() { // before reading the upload: who may comes before what is wrong
		return errf(CodeForbidden, "role %s may not attach documents", u.Role)
	}
	if err := mediaType(c, mediaMultipart); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	up, err := readUpload(c)
	if err != nil {
		return err
	}
	v, ref, err := s.Shipments.Attach(c.Request().Context(), currentUser(c), c.Param("id"), up, key)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"document": ref, "shipment": v})
}

// readUpload reads the multipart fields of a document upload.
func readUpload(c echo.Context) (service.Upload, error) {
	up := service.Upload{Kind: c.FormValue("kind")}
	fh, err := c.FormFile("file")
	if err != nil {
		return up, errInvalid(map[string]string{"file": "attach the document as the multipart field \"file\""})
	}
	f, err := fh.Open()
	if err != nil {
		return up, errInternal(err)
	}
	defer f.Close()
	if up.Content, err = io.ReadAll(io.LimitReader(f, maxDocumentUpload+1)); err != nil {
		return up, errInternal(err)
	}
	up.Filename = fh.Filename
	if raw := strings.TrimSpace(c.FormValue("containers")); raw != "" {
		if err := json.Unmarshal([]byte(raw), &up.Containers); err != nil {
			return up, errInvalid(map[string]string{"containers": "must be a JSON list like [{\"number\":\"CSQU3054383\",\"seals\":[\"ML123\"]}]"})
		}
	}
	return up, nil
}

func (s *Server) apiGetDocument(c echo.Context) error {
	return s.sendDocument(c)
}

// sendDocument answers a stored document's bytes, after checking its SHA-256.
func (s *Server) sendDocument(c echo.Context) error {
	row, content, err := s.Store.GetDocument(c.Request().Context(), c.Param("doc"))
	if errors.Is(err, store.ErrNotFound) || err == nil && row.ShipmentID != c.Param("id") {
		return errf(CodeNotFound, "document %s does not exist on shipment %s", c.Param("doc"), c.Param("id"))
	}
	if errors.Is(err, store.ErrDocumentAltered) {
		return &Error{Code: CodeConflict, Message: "the stored document no longer matches its SHA-256: it was altered or damaged", err: err}
	}
	if err != nil {
		return errInternal(err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename=%q`, row.Filename))
	c.Response().Header().Set("Digest", "sha-256="+row.SHA256)
	return c.Blob(http.StatusOK, row.ContentType, content)
}

// apiShipmentHistory: the business timeline covers every run; the raw
// history is one run's (?run=<run id>, the latest by default), since only a
// single run's history replays.
func (s *Server) apiShipmentHistory(c echo.Context) error {
	if err := onlyParams(c, "format", "run"); err != nil {
		return err
	}
	id := c.Param("id")
	run := c.QueryParam("run")
	if run == "" && c.QueryParam("format") == "raw" {
		run = "latest"
	}
	events, err := s.Shipments.History(c.Request().Context(), id, run)
	if err != nil {
		return err
	}
	return sendHistory(c, "shipment_id", id, events, timeline.Shipment)
}

// apiDemurrage: the managers' demurrage exposure over active shipments.
func (s *Server) apiDemurrage(c echo.Context) error {
	if currentUser(c).Role != domain.RoleManager {
		return errf(CodeForbidden, "the demurrage total is for managers")
	}
	if err := onlyParams(c); err != nil {
		return err
	}
	t, err := s.Store.DemurrageExposure(c.Request().Context(), time.Now())
	if err != nil {
		return errInternal(err)
	}
	return c.JSON(http.StatusOK, t)
}
