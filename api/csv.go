package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
)

// CSV export of a list: every row the list's filters select, in its sort,
// not only the page, written page by page as the store reads them (each
// page after the last row of the one before, not at an offset, so rows
// that change meanwhile shift no later page). Money is a
// plain decimal, times RFC 3339 in UTC, words as the page shows them.

// csvColumn is one column of an export: its header and its cell of a row.
type csvColumn[R any] struct {
	Header string
	Cell   func(R) string
}

// exportFunc hands every row of a list's filter to each, a page at a time.
type exportFunc[F, R any] func(ctx context.Context, f F, each func([]R) error) error

// sendCSV streams the rows export gives for f (setPage sets its page size),
// as an attachment named name.
func sendCSV[F, R any](c echo.Context, name string, f F, setPage func(f *F, limit, offset int), export exportFunc[F, R], cols []csvColumn[R]) error {
	setPage(&f, store.MaxPage, 0)
	w := csv.NewWriter(c.Response())
	started, gone := false, false
	err := export(c.Request().Context(), f, func(rows []R) error {
		// The headers with the first page: a failure before it is still an error page.
		if !started {
			started = true
			h := c.Response().Header()
			h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
			h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-%s.csv"`, name, time.Now().UTC().Format("2006-01-02")))
			c.Response().WriteHeader(http.StatusOK)
			head := make([]string, len(cols))
			for i, col := range cols {
				head[i] = col.Header
			}
			if err := w.Write(head); err != nil {
				gone = true
				return err
			}
		}
		for _, r := range rows {
			line := make([]string, len(cols))
			for i, col := range cols {
				line[i] = csvSafe(col.Cell(r))
			}
			if err := w.Write(line); err != nil {
				gone = true
				return err
			}
		}
		w.Flush()
		c.Response().Flush()
		return w.Error()
	})
	switch {
	case err != nil && !started:
		return err
	case err != nil && !gone:
		// Too late for an error page: the file ends short and the log says why.
		c.Logger().Errorf("exporting %s: %v", name, err)
	}
	return nil
}

// csvSafe guards a cell against formula injection: a spreadsheet runs a
// cell that starts with = + - @ (or a tab or carriage return) as a formula,
// so such a cell gets a leading apostrophe. A plain number ("-12.50") is
// left as it is.
func csvSafe(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return v
	}
	if _, err := decimal.NewFromString(v); err == nil {
		return v
	}
	return "'" + v
}

// rfc3339 is a time for a CSV cell; "" for none.
func rfc3339(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func at(t time.Time) *time.Time { return &t }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// whoHas is who has an item's open step: its assignee, or any user of its role.
func whoHas(assignee, role string) string {
	switch {
	case assignee != "":
		return assignee
	case role != "":
		return "any " + role
	}
	return ""
}

var caseCSV = []csvColumn[service.ListedCase]{
	{"Case", func(r service.ListedCase) string { return r.ID }},
	{"Entry", func(r service.ListedCase) string { return r.EntryNumber }},
	{"Port", func(r service.ListedCase) string { return r.Port }},
	{"Importer", func(r service.ListedCase) string { return r.Importer }},
	{"SKU", func(r service.ListedCase) string { return r.SKU }},
	{"Product", func(r service.ListedCase) string { return r.Description }},
	{"Kind", func(r service.ListedCase) string { return inWords(r.Kind) }},
	{"Status", func(r service.ListedCase) string { return r.Status }},
	{"Step", func(r service.ListedCase) string { return inWords(r.Step) }},
	{"Assignee", func(r service.ListedCase) string { return whoHas(r.Assignee, r.OwnerRole) }},
	{"Due", func(r service.ListedCase) string { return rfc3339(r.DueAt) }},
	{"Overdue", func(r service.ListedCase) string { return yesNo(r.Overdue) }},
	{"Escalation level", func(r service.ListedCase) string { return strconv.Itoa(r.EscalationLevel) }},
	{"Total due", func(r service.ListedCase) string { return r.TotalDue }},
	{"Opened", func(r service.ListedCase) string { return rfc3339(at(r.OpenedAt)) }},
}

var shipmentCSV = []csvColumn[store.ShipmentRow]{
	{"Shipment", func(r store.ShipmentRow) string { return r.ID }},
	{"Entry", func(r store.ShipmentRow) string { return r.EntryNumber }},
	{"B/L", func(r store.ShipmentRow) string { return r.BLNumber }},
	{"Port", func(r store.ShipmentRow) string { return r.Port }},
	{"Terminal", func(r store.ShipmentRow) string { return r.Terminal }},
	{"Phase", func(r store.ShipmentRow) string { return r.Phase }},
	{"Containers", func(r store.ShipmentRow) string { return strconv.Itoa(r.ContainerCount) }},
	{"Open tasks", func(r store.ShipmentRow) string { return strconv.Itoa(r.OpenTasks) }},
	{"Next due", func(r store.ShipmentRow) string { return rfc3339(r.NextDueAt) }},
	{"Escalation level", func(r store.ShipmentRow) string { return strconv.Itoa(r.EscalationLevel) }},
	{"Pickup blocked", func(r store.ShipmentRow) string { return r.PickupBlocked }},
	{"Last free day", func(r store.ShipmentRow) string { return rfc3339(r.LastFreeDay) }},
}

var protestCSV = []csvColumn[service.ListedProtest]{
	{"Protest", func(r service.ListedProtest) string { return r.ID }},
	{"Protest number", func(r service.ListedProtest) string { return r.ProtestNumber }},
	{"Entry", func(r service.ListedProtest) string { return r.EntryNumber }},
	{"Port", func(r service.ListedProtest) string { return r.Port }},
	{"Importer", func(r service.ListedProtest) string { return r.Importer }},
	{"Liquidated", func(r service.ListedProtest) string { return r.LiquidationDate.UTC().Format(time.DateOnly) }},
	{"Status", func(r service.ListedProtest) string { return r.Status }},
	{"Step", func(r service.ListedProtest) string { return inWords(r.Step) }},
	{"Assignee", func(r service.ListedProtest) string { return whoHas(r.Assignee, r.OwnerRole) }},
	{"Due", func(r service.ListedProtest) string { return rfc3339(r.DueAt) }},
	{"Overdue", func(r service.ListedProtest) string { return yesNo(r.Overdue) }},
	{"Escalation level", func(r service.ListedProtest) string { return strconv.Itoa(r.EscalationLevel) }},
	{"Claimed", func(r service.ListedProtest) string { return r.AmountClaimed }},
	{"Allowed", func(r service.ListedProtest) string {
		if r.AmountAllowed == nil {
			return ""
		}
		return *r.AmountAllowed
	}},
}

var inboxCSV = []csvColumn[store.InboxItem]{
	{"Due", func(r store.InboxItem) string { return rfc3339(at(r.DueAt)) }},
	{"Overdue", func(r store.InboxItem) string { return yesNo(r.Overdue) }},
	{"Escalation level", func(r store.InboxItem) string { return strconv.Itoa(r.EscalationLevel) }},
	{"What", func(r store.InboxItem) string { return inWords(r.Task) }},
	{"About", func(r store.InboxItem) string { return r.Title }},
	{"Kind", func(r store.InboxItem) string { return r.Kind }},
	{"Id", func(r store.InboxItem) string { return r.ID }},
	{"Entry", func(r store.InboxItem) string { return r.EntryNumber }},
	{"Port", func(r store.InboxItem) string { return r.Port }},
	{"Assignee", func(r store.InboxItem) string { return whoHas(r.Assignee, r.OwnerRole) }},
}

// The setPage of each list's filter.
func caseFilterPage(f *store.CaseFilter, limit, offset int) { f.Limit, f.Offset = limit, offset }
func shipmentFilterPage(f *store.ShipmentFilter, limit, offset int) {
	f.Limit, f.Offset = limit, offset
}
func protestFilterPage(f *store.ProtestFilter, limit, offset int) { f.Limit, f.Offset = limit, offset }
func inboxQueryPage(q *store.InboxQuery, limit, offset int)       { q.Limit, q.Offset = limit, offset }

// csvHandler answers a list's CSV: its filter read from the query as the
// list reads it (a bad one is the list's 422), then every row.
func csvHandler[F, R any](name string, filter func(echo.Context) (F, error), export exportFunc[F, R],
	setPage func(f *F, limit, offset int), cols []csvColumn[R]) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := filter(c)
		if err != nil {
			return err
		}
		return sendCSV(c, name, f, setPage, export, cols)
	}
}

// withCSV serves a list with h, or as CSV with csvH when ?format=csv.
func withCSV(h, csvH echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.QueryParam("format") == "csv" {
			return csvH(c)
		}
		return h(c)
	}
}

// The CSV of each list, for its web page and its JSON route alike.

func (s *Server) casesCSV() echo.HandlerFunc {
	return csvHandler("cases", func(c echo.Context) (store.CaseFilter, error) { return caseFilter(c, currentUser(c)) },
		s.Cases.ExportList, caseFilterPage, caseCSV)
}

func (s *Server) shipmentsCSV() echo.HandlerFunc {
	return csvHandler("shipments", shipmentFilterOf, s.Shipments.ExportList, shipmentFilterPage, shipmentCSV)
}

func (s *Server) protestsCSV() echo.HandlerFunc {
	return csvHandler("protests", protestFilter, s.Protests.ExportList, protestFilterPage, protestCSV)
}

func (s *Server) inboxCSV() echo.HandlerFunc {
	return csvHandler("inbox", func(c echo.Context) (store.InboxQuery, error) { return inboxQuery(c, currentUser(c)) },
		func(ctx context.Context, q store.InboxQuery, each func([]store.InboxItem) error) error {
			if err := s.Store.ExportInbox(ctx, q, each); err != nil {
				return errInternal(err)
			}
			return nil
		}, inboxQueryPage, inboxCSV)
}
