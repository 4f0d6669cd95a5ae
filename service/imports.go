package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows/kit"
)

// Release lists: the preview parses a broker's release list (CSV or JSON),
// checks every row and every port against the ports table, and reports what
// would be imported and every rejected row with its line number and reason,
// starting nothing; the import then opens a shipment per valid entry.

// ImportPreview is the answer: the shipments that would open, and the rows
// that would not.
type ImportPreview struct {
	Format    string              `json:"format"`
	Shipments []PreviewShipment   `json:"shipments"`
	Rejected  []manifest.RowError `json:"rejected"`
	// parsed are the shipments that would open, for the import to start.
	parsed []manifest.ShipmentInput
}

type PreviewShipment struct {
	ID          string `json:"id"`
	EntryNumber string `json:"entry_number"`
	Port        string `json:"port"`
	PortName    string `json:"port_name"`
	Containers  int    `json:"containers"`
	Lines       int    `json:"lines"`
}

// Preview parses the file and checks the ports. A file that cannot be
// read at all is a 422 on "file".
func (s *Shipments) Preview(ctx context.Context, user store.User, file io.Reader, format string) (ImportPreview, error) {
	if !user.Role.CanAct() {
		return ImportPreview{}, errf(Forbidden, "role %s may not import release lists", user.Role)
	}
	if format != "csv" && format != "json" {
		return ImportPreview{}, InvalidFields(map[string]string{"format": "must be csv or json"})
	}
	res, err := manifest.ParseReleaseList(file, format)
	if err != nil {
		return ImportPreview{}, InvalidFields(map[string]string{"file": err.Error()})
	}
	ports, err := s.cfg.Store.Ports(ctx)
	if err != nil {
		return ImportPreview{}, internal(err)
	}
	names := map[string]string{}
	for _, p := range ports {
		names[p.Code] = p.Name
	}
	out := ImportPreview{Format: format, Shipments: []PreviewShipment{}, Rejected: res.Rejected}
	now := time.Now()
	for _, sh := range res.Shipments {
		if fe := sh.CheckDates(now); fe != nil { // as an opening checks them
			out.Rejected = append(out.Rejected, manifest.RowError{Line: 0, Entry: sh.EntryNumber, Reason: fe.Error()})
			continue
		}
		if err := s.cfg.checkHTS(ctx, entryDay(sh), lineCodes(sh)); err != nil {
			var se *Error
			if !errors.As(err, &se) || se.Kind != Invalid {
				return ImportPreview{}, err
			}
			out.Rejected = append(out.Rejected, manifest.RowError{Line: 0, Entry: sh.EntryNumber, Reason: kit.FieldErrors(se.Fields).Error()})
			continue
		}
		name, ok := names[sh.Port]
		if !ok {
			out.Rejected = append(out.Rejected, manifest.RowError{Line: 0, Entry: sh.EntryNumber,
				Reason: fmt.Sprintf("port %s is not in the ports table: a manager adds it under Ports first", sh.Port)})
			continue
		}
		out.parsed = append(out.parsed, sh)
		out.Shipments = append(out.Shipments, PreviewShipment{ID: sh.ID(), EntryNumber: sh.EntryNumber, Port: sh.Port,
			PortName: name, Containers: len(sh.Containers), Lines: len(sh.Lines)})
	}
	if out.Rejected == nil {
		out.Rejected = []manifest.RowError{}
	}
	return out, nil
}

// ImportReport is what an import did: the shipments it opened, those that
// were already open with the same data, and every rejected row.
type ImportReport struct {
	Format   string              `json:"format"`
	Created  []string            `json:"created"`
	Existing []string            `json:"existing"`
	Rejected []manifest.RowError `json:"rejected"`
}

// Import opens a shipment for every valid entry of a release list.
// Rows are checked before anything starts; a shipment is all or nothing (its
// workflow starts with the whole entry or not at all); an entry already open
// with the same data is reported as existing, so importing the same file
// twice opens nothing new.
func (s *Shipments) Import(ctx context.Context, user store.User, file io.Reader, format string) (ImportReport, error) {
	p, err := s.Preview(ctx, user, file, format)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Format: format, Created: []string{}, Existing: []string{}, Rejected: p.Rejected}
	res := p.parsed
	for _, sh := range res {
		start, err := s.Open(ctx, user, sh, "import", nil)
		var se *Error
		switch {
		case err == nil && start.Created:
			rep.Created = append(rep.Created, start.ID)
		case err == nil:
			rep.Existing = append(rep.Existing, start.ID)
		case errors.As(err, &se) && (se.Kind == Conflict || se.Kind == Invalid):
			reason := se.Message
			for f, m := range se.Fields {
				reason += " " + f + ": " + m
			}
			rep.Rejected = append(rep.Rejected, manifest.RowError{Entry: sh.EntryNumber, Reason: strings.TrimSpace(reason)})
		default:
			return rep, err
		}
	}
	return rep, nil
}
