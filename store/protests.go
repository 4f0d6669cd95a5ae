package store

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/postrelease/postrelease/workflows"
)

// ProtestRow is a protest in the read model: the columns lists filter on,
// and the full state as JSON (migration 0011).
type ProtestRow struct {
	SnapshotColumns
	Status          string     `json:"status"`
	Step            string     `json:"step"`
	OwnerRole       string     `json:"owner_role"`
	Assignee        string     `json:"assignee"`
	DueAt           *time.Time `json:"due_at"`
	EscalationLevel int        `json:"escalation_level"`
	EntryNumber     string     `json:"entry_number"`
	Port            string     `json:"port"`
	Importer        string     `json:"importer"`
	ShipmentID      string     `json:"shipment_id"`
	LiquidationDate time.Time  `json:"liquidation_date"`
	FilingClosesAt  time.Time  `json:"filing_closes_at"`
	ProtestNumber   string     `json:"protest_number"`
	Bases           string     `json:"bases"`
	Decision        string     `json:"decision"`
	Resolution      string     `json:"resolution"`
	AmountClaimed   string     `json:"amount_claimed"`
	AmountAllowed   *string    `json:"amount_allowed"`
	CITClosesAt     *time.Time `gorm:"column:cit_closes_at" json:"cit_closes_at"`
	OpenedBy        string     `json:"opened_by"`
	OpenedAt        time.Time  `json:"opened_at"`
	UpdatedAt       time.Time  `gorm:"autoUpdateTime:false" json:"updated_at"`
	ClosedAt        *time.Time `json:"closed_at"`
}

func (ProtestRow) TableName() string { return "protests" }

// AfterFind writes the amounts with their cents however the database gave
// them back (PostgreSQL's NUMERIC(14,2) does; SQLite's TEXT as written).
func (r *ProtestRow) AfterFind(*gorm.DB) error {
	r.AmountClaimed = cents(r.AmountClaimed)
	if r.AmountAllowed != nil {
		v := cents(*r.AmountAllowed)
		r.AmountAllowed = &v
	}
	return nil
}

// Overdue reports whether the open step is past its due time at now.
func (r ProtestRow) Overdue(now time.Time) bool {
	return r.Status == workflows.StatusOpen && r.DueAt != nil && r.DueAt.Before(now)
}

// ProtestState decodes the row's snapshot.
func (r ProtestRow) ProtestState() (workflows.ProtestState, error) {
	return decodeState[workflows.ProtestState](r.SnapshotColumns, "protest")
}

// ProtestStepRow is one step of a protest in the read model: a step's
// columns under its protest.
type ProtestStepRow struct {
	ProtestID string `gorm:"primaryKey"`
	StepColumns
}

func (ProtestStepRow) TableName() string { return "protest_steps" }

func protestRowFrom(s workflows.ProtestState) (ProtestRow, error) {
	snap, err := snapshotColumns("protest", s.ProtestID, s.WorkflowID, s.Version, s)
	if err != nil {
		return ProtestRow{}, err
	}
	in := s.Protest
	bases := make([]string, len(s.Bases))
	for i, b := range s.Bases {
		bases[i] = string(b)
	}
	r := ProtestRow{
		SnapshotColumns: snap, Status: s.Status, Step: string(s.Step),
		EntryNumber: in.EntryNumber, Port: in.Port, Importer: in.ImporterOfRecord, ShipmentID: in.ShipmentID,
		LiquidationDate: utc(s.Window.Liquidation), FilingClosesAt: utc(s.Window.ClosesAt), Bases: strings.Join(bases, ","),
		Resolution: s.Resolution, AmountClaimed: s.AmountClaimed.StringFixed(2),
		OpenedBy: in.OpenedBy.Email, OpenedAt: utc(s.OpenedAt), UpdatedAt: utc(s.UpdatedAt), ClosedAt: utcPtr(s.ClosedAt),
	}
	if f := s.Filing; f != nil {
		r.ProtestNumber = f.ProtestNumber
	}
	if d := s.Decision; d != nil {
		allowed := d.Allowed.StringFixed(2)
		r.Decision, r.AmountAllowed = string(d.Decision), &allowed
	}
	if c := s.Court; c != nil {
		r.CITClosesAt = utcPtr(&c.ClosesAt)
	}
	r.DueAt, r.OwnerRole, r.Assignee, r.EscalationLevel = openStep(s.Current())
	return r, nil
}

// UpsertProtest writes a snapshot of a protest, with its steps, unless the
// store already holds the same or a newer version. It reports whether this
// call wrote it.
func (s *Store) UpsertProtest(ctx context.Context, st workflows.ProtestState) (bool, error) {
	row, err := protestRowFrom(st)
	if err != nil {
		return false, err
	}
	return upsertWithSteps(ctx, s, "protests", &row, "protest_id", st.ProtestID, st.Steps, st.ClosedAt,
		func(c StepColumns) ProtestStepRow { return ProtestStepRow{ProtestID: st.ProtestID, StepColumns: c} }, SearchProtest, protestSearchValues(st))
}

// ProtestFilter selects protests for lists. Empty fields do not filter.
type ProtestFilter struct {
	Status      string
	Step        string
	Assignee    string // e-mail
	EntryNumber string
	Port        string
	ShipmentID  string
	Decision    string
	Overdue     bool
	Escalated   bool
	Now         time.Time // for Overdue; defaults to the current time
	Sort        Sort      // ProtestSorts; zero: most urgent first
	Limit       int
	Offset      int
}

// Page is the page the filter asks for: its size (PageSize) and offset.
func (f ProtestFilter) Page() (limit, offset int) { return PageSize(f.Limit), f.Offset }

// ListProtests returns one page of protests, most urgent first, and the
// total count.
func (s *Store) ListProtests(ctx context.Context, f ProtestFilter) ([]ProtestRow, int64, error) {
	q, o, err := s.protestsQuery(ctx, f)
	return listOrdered[ProtestRow](q, o, err, "protests", f.Limit, f.Offset)
}

// ExportProtests hands every protest f selects to each, a page at a time.
func (s *Store) ExportProtests(ctx context.Context, f ProtestFilter, each func([]ProtestRow) error) error {
	q, o, err := s.protestsQuery(ctx, f)
	return exportPages(q, o, err, "protests", f.Limit, each)
}

// protestsQuery is what ListProtests selects and in what order.
func (s *Store) protestsQuery(ctx context.Context, f ProtestFilter) (*gorm.DB, ordering, error) {
	q := s.db.WithContext(ctx).Model(&ProtestRow{})
	for _, w := range [][2]string{{"status", f.Status}, {"step", f.Step}, {"assignee", f.Assignee}, {"entry_number", f.EntryNumber},
		{"port", f.Port}, {"shipment_id", f.ShipmentID}, {"decision", f.Decision}} {
		q = whereEq(q, w[0], w[1])
	}
	q = whereOpenStep(q, f.Overdue, f.Escalated, f.Now)
	o, err := ProtestSorts.ordering(f.Sort, openFirstByDue)
	return q, o, err
}

// GetProtest returns one protest row with its state.
func (s *Store) GetProtest(ctx context.Context, id string) (ProtestRow, error) {
	return takeRow[ProtestRow](s.db.WithContext(ctx).Where("id = ?", id), "protest "+id)
}

// ProtestSteps returns a protest's steps in order.
func (s *Store) ProtestSteps(ctx context.Context, id string) ([]ProtestStepRow, error) {
	return childRows[ProtestStepRow](s.db.WithContext(ctx), "protest_id", id, "seq", "steps of protest "+id)
}

// cents writes a stored amount with two decimals ("1200" → "1200.00").
func cents(v string) string {
	if d, err := decimal.NewFromString(v); err == nil {
		return d.StringFixed(2)
	}
	return v
}
