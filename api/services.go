package api

import (
	"context"
	"encoding/json"
	"io"
	"time"

	historypb "go.temporal.io/api/history/v1"

	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// The handlers call the application services through these interfaces
// (implemented by service.Cases and service.Shipments), so their tests can
// give them a fake without Temporal or a database.

// CaseService is what the case handlers need.
type CaseService interface {
	Open(ctx context.Context, user store.User, req service.OpenCaseRequest) (service.CaseView, bool, error)
	Get(ctx context.Context, user store.User, id string) (service.CaseView, error)
	Act(ctx context.Context, user store.User, id, action string, input json.RawMessage, idemKey string) (service.CaseView, error)
	List(ctx context.Context, f store.CaseFilter) ([]service.ListedCase, int64, error)
	ExportList(ctx context.Context, f store.CaseFilter, each func([]service.ListedCase) error) error
	History(ctx context.Context, id string) ([]*historypb.HistoryEvent, error)
	Export(ctx context.Context, user store.User, id string, now time.Time) ([]byte, error)
}

// ShipmentService is what the shipment handlers need.
type ShipmentService interface {
	Open(ctx context.Context, user store.User, in manifest.ShipmentInput, source string, parsed map[string]string) (service.Opened, error)
	Get(ctx context.Context, user store.User, id string) (service.ShipmentView, error)
	Act(ctx context.Context, user store.User, id, action string, input json.RawMessage, idemKey string) (service.ShipmentView, error)
	List(ctx context.Context, f store.ShipmentFilter) ([]store.ShipmentRow, int64, error)
	ExportList(ctx context.Context, f store.ShipmentFilter, each func([]store.ShipmentRow) error) error
	History(ctx context.Context, id, run string) ([]*historypb.HistoryEvent, error)
	Attach(ctx context.Context, user store.User, id string, up service.Upload, idemKey string) (service.ShipmentView, workflows.DocumentRef, error)
	Preview(ctx context.Context, user store.User, file io.Reader, format string) (service.ImportPreview, error)
	Import(ctx context.Context, user store.User, file io.Reader, format string) (service.ImportReport, error)
	Export(ctx context.Context, user store.User, id string, now time.Time) ([]byte, error)
	// InspectionEstimates are the inspection estimates of every HTS chapter
	// and port with history (the dashboard's).
	InspectionEstimates(ctx context.Context) ([]inspection.Estimate, error)
}

var (
	_ CaseService     = (*service.Cases)(nil)
	_ ShipmentService = (*service.Shipments)(nil)
)

// services fills in the services the Server was not given.
func (s *Server) services() {
	if s.Cases != nil && s.Shipments != nil && s.Protests != nil && s.HTS != nil && s.Reviews != nil {
		return
	}
	all := service.New(service.Config{Store: s.Store, Temporal: s.Temporal, Policy: s.Policy, LegalTimeZone: s.LegalTimeZone, ActionTimeout: s.ActionTimeout,
		Inspection: s.Inspection})
	if s.Cases == nil {
		s.Cases = all.Cases
	}
	if s.Shipments == nil {
		s.Shipments = all.Shipments
	}
	if s.Protests == nil {
		s.Protests = all.Protests
	}
	if s.HTS == nil {
		s.HTS = all.HTS
	}
	if s.Reviews == nil {
		s.Reviews = all.Reviews
	}
}

// maxDocumentUpload bounds what is read of an upload; the store's own limit
// (smaller) says what went wrong in words.
const maxDocumentUpload = 16 << 20
