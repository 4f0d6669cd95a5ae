package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/postrelease/postrelease/workflows"
)

// CaseRow is a case in the read model: the columns lists filter on, and the
// full state as JSON.
type CaseRow struct {
	SnapshotColumns
	Status          string     `json:"status"`
	Kind            string     `json:"kind"`        // the case's kind (see AfterFind for rows written without one)
	ShipmentID      string     `json:"shipment_id"` // the shipment that opened the case, if any
	Step            string     `json:"step"`
	OwnerRole       string     `json:"owner_role"`
	Assignee        string     `json:"assignee"`
	DueAt           *time.Time `json:"due_at"`
	EscalationLevel int        `json:"escalation_level"`
	EntryNumber     string     `json:"entry_number"`
	EntryDate       time.Time  `json:"entry_date"`
	Port            string     `json:"port"`
	Importer        string     `json:"importer"`
	SKU             string     `gorm:"column:sku" json:"sku"`
	Description     string     `json:"description"`
	DeclaredHTS     string     `gorm:"column:declared_hts" json:"declared_hts"`
	CorrectHTS      string     `gorm:"column:correct_hts" json:"correct_hts"`
	TotalDue        string     `json:"total_due"`
	OpenedBy        string     `json:"opened_by"`
	OpenedAt        time.Time  `json:"opened_at"`
	UpdatedAt       time.Time  `gorm:"autoUpdateTime:false" json:"updated_at"`
	ClosedAt        *time.Time `json:"closed_at"`
}

func (CaseRow) TableName() string { return "cases" }

// AfterFind puts what every row read says in the form the case itself says
// it: a row written before kinds existed, or by a projection that copied an
// HS misclassification's empty opening kind, has the effective kind
// (hs_misclassification, as CaseState.KindOrDefault says); a total due
// written without its cents gets them ("48210" → "48210.00").
func (r *CaseRow) AfterFind(*gorm.DB) error {
	if r.Kind == "" {
		r.Kind = string(workflows.KindHSMisclassification)
	}
	r.TotalDue = cents(r.TotalDue)
	return nil
}

// CaseState decodes the row's snapshot.
func (r CaseRow) CaseState() (workflows.CaseState, error) {
	return decodeState[workflows.CaseState](r.SnapshotColumns, "case")
}

// Overdue reports whether the open step is past its due time at now.
func (r CaseRow) Overdue(now time.Time) bool {
	return r.Status == workflows.StatusOpen && r.DueAt != nil && r.DueAt.Before(now)
}

// StepColumns are the columns of a step in the read model, the same for
// every kind's step table after the column naming the step's parent.
type StepColumns struct {
	Seq             int `gorm:"primaryKey"`
	Step            string
	Status          string
	OwnerRole       string
	Assignee        string
	StartedAt       time.Time
	DueAt           time.Time
	CompletedAt     *time.Time
	CompletedBy     string
	EscalationLevel int
	Outcome         string
}

// StepRow is one step of a case in the read model.
type StepRow struct {
	CaseID string `gorm:"primaryKey"`
	StepColumns
}

func (StepRow) TableName() string { return "case_steps" }

// openFirstByDue orders a list of cases or protests most urgent first: the
// open ones by their step's due time, then the closed ones, newest first.
var openFirstByDue = ordering{{expr: "CASE WHEN status = 'open' THEN 0 ELSE 1 END"}, {expr: "due_at", nullable: true},
	{expr: "opened_at", desc: true}, {expr: "id"}}

// stepRows is a state's steps as the rows of its kind's step table, which
// differ only in the column naming their parent: parent sets it.
func stepRows[T any](steps []workflows.StepRecord, parent func(StepColumns) T) []T {
	rows := make([]T, 0, len(steps))
	for _, sr := range steps {
		by := ""
		if sr.CompletedBy != nil {
			by = sr.CompletedBy.Email
		}
		rows = append(rows, parent(StepColumns{Seq: sr.Seq, Step: string(sr.Name), Status: sr.Status,
			OwnerRole: string(sr.OwnerRole), Assignee: sr.Assignee, StartedAt: utc(sr.StartedAt), DueAt: utc(sr.DueAt),
			CompletedAt: utcPtr(sr.CompletedAt), CompletedBy: by, EscalationLevel: sr.EscalationLevel, Outcome: sr.Outcome}))
	}
	return rows
}

// upsertWithSteps writes a snapshot row (upsertSnapshot) with its steps and
// search terms (of kind, from search) in place of those it had, and
// resolves the notifications about the steps that have finished (all of
// them once closedAt is set): child makes a step's row under its parent.
func upsertWithSteps[T any](ctx context.Context, s *Store, table string, row any, parent, id string, steps []workflows.StepRecord, closedAt *time.Time,
	child func(StepColumns) T, kind string, search []searchValue) (bool, error) {
	rows := stepRows(steps, child)
	return s.upsertSnapshot(ctx, table, row, func(tx *gorm.DB) error {
		if err := replaceChildren(tx, parent, id, "steps", rows); err != nil {
			return err
		}
		if err := workFinished(tx, id, finishedSteps(steps, closedAt), utc(s.Now())); err != nil {
			return err
		}
		return replaceSearchTerms(tx, kind, id, search)
	})
}

// openStep is the columns of a row that name its open step: when it is due,
// who owns it, and how far it has escalated; zero with no open step.
func openStep(cur *workflows.StepRecord) (due *time.Time, ownerRole, assignee string, level int) {
	if cur == nil {
		return nil, "", "", 0
	}
	at := utc(cur.DueAt)
	return &at, string(cur.OwnerRole), cur.Assignee, cur.EscalationLevel
}

func caseRowFrom(s workflows.CaseState) (CaseRow, error) {
	snap, err := snapshotColumns("case", s.CaseID, s.WorkflowID, s.Version, s)
	if err != nil {
		return CaseRow{}, err
	}
	in := s.Case
	r := CaseRow{
		SnapshotColumns: snap, Status: s.Status, Step: string(s.Step),
		Kind: string(s.KindOrDefault()), ShipmentID: in.ShipmentID,
		EntryNumber: in.EntryNumber, EntryDate: utc(in.EntryDate), Port: in.Port, Importer: in.ImporterOfRecord,
		SKU: in.SKU, Description: in.ProductDescription, DeclaredHTS: string(in.DeclaredHTS), CorrectHTS: string(in.CorrectHTS),
		TotalDue: s.Amounts.Total.StringFixed(2), OpenedBy: in.OpenedBy.Email, OpenedAt: utc(s.OpenedAt),
		UpdatedAt: utc(s.UpdatedAt), ClosedAt: utcPtr(s.ClosedAt),
	}
	r.DueAt, r.OwnerRole, r.Assignee, r.EscalationLevel = openStep(s.Current())
	return r, nil
}

// UpsertCase writes a snapshot of a case unless the store already holds the
// same or a newer version. It reports whether this call wrote it.
func (s *Store) UpsertCase(ctx context.Context, st workflows.CaseState) (bool, error) {
	row, err := caseRowFrom(st)
	if err != nil {
		return false, err
	}
	return upsertWithSteps(ctx, s, "cases", &row, "case_id", st.CaseID, st.Steps, st.ClosedAt,
		func(c StepColumns) StepRow { return StepRow{CaseID: st.CaseID, StepColumns: c} }, SearchCase, caseSearchValues(st))
}

// CaseFilter selects cases for lists and inboxes. Empty fields do not filter.
type CaseFilter struct {
	Status    string
	Step      string
	Assignee  string // e-mail
	Inbox     *InboxOf
	Overdue   bool
	Escalated bool
	Now       time.Time // for Overdue; defaults to the current time
	// Importer matches as the search box does: the start of any word of
	// the importer's name, any case ("acme", "tools inc").
	Importer string
	Port     string
	Kind     string // a workflows.CaseKind
	// OpenedFrom and OpenedBefore bound when the case opened: from
	// included, before not. Zero does not bound.
	OpenedFrom   time.Time
	OpenedBefore time.Time
	// ClosedFrom and ClosedBefore bound when the case closed, the same way;
	// either one leaves out the cases not closed.
	ClosedFrom   time.Time
	ClosedBefore time.Time
	Sort         Sort // CaseSorts; zero: most urgent first
	Limit        int
	Offset       int
}

// Page is the page the filter asks for: its size (PageSize) and offset.
func (f CaseFilter) Page() (limit, offset int) { return PageSize(f.Limit), f.Offset }

// InboxOf selects the open steps a user may work: assigned to them, or to
// nobody in particular and owned by their role.
type InboxOf struct {
	Email string
	Role  string
}

// MaxPage bounds one page of a list; DefaultPage is its size when not asked.
const (
	MaxPage     = 200
	DefaultPage = 50
)

// PageSize is the page size a list uses for a requested limit.
func PageSize(limit int) int {
	if limit <= 0 || limit > MaxPage {
		return DefaultPage
	}
	return limit
}

// ListCases returns one page of cases, most urgent first unless f.Sort
// says otherwise, and the total count.
func (s *Store) ListCases(ctx context.Context, f CaseFilter) ([]CaseRow, int64, error) {
	q, o, err := s.casesQuery(ctx, f)
	return listOrdered[CaseRow](q, o, err, "cases", f.Limit, f.Offset)
}

// ExportCases hands every case f selects to each, f.Limit rows at a time
// in f's order, whatever f.Offset (exportPages).
func (s *Store) ExportCases(ctx context.Context, f CaseFilter, each func([]CaseRow) error) error {
	q, o, err := s.casesQuery(ctx, f)
	return exportPages(q, o, err, "cases", f.Limit, each)
}

// casesQuery is what ListCases selects and in what order.
func (s *Store) casesQuery(ctx context.Context, f CaseFilter) (*gorm.DB, ordering, error) {
	q := s.db.WithContext(ctx).Model(&CaseRow{})
	q = whereEq(q, "status", f.Status)
	q = whereEq(q, "step", f.Step)
	q = whereEq(q, "assignee", f.Assignee)
	if f.Inbox != nil {
		q = q.Where("status = ? AND (assignee = ? OR (assignee = '' AND owner_role = ?))", workflows.StatusOpen, f.Inbox.Email, f.Inbox.Role)
	}
	q = whereOpenStep(q, f.Overdue, f.Escalated, f.Now)
	q = whereEq(q, "port", f.Port)
	switch f.Kind {
	case "":
	case string(workflows.KindHSMisclassification): // rows from before kinds have none
		q = q.Where("kind IN ?", []string{f.Kind, ""})
	default:
		q = q.Where("kind = ?", f.Kind)
	}
	if k := searchKey(f.Importer); k != "" {
		q = q.Where("id IN (SELECT item_id FROM search_terms WHERE kind = ? AND field = ? AND term >= ? AND term < ?)",
			SearchCase, FieldImporter, k, prefixEnd(k))
	}
	if !f.OpenedFrom.IsZero() {
		q = q.Where("opened_at >= ?", utc(f.OpenedFrom))
	}
	if !f.OpenedBefore.IsZero() {
		q = q.Where("opened_at < ?", utc(f.OpenedBefore))
	}
	if !f.ClosedFrom.IsZero() {
		q = q.Where("closed_at IS NOT NULL AND closed_at >= ?", utc(f.ClosedFrom))
	}
	if !f.ClosedBefore.IsZero() {
		q = q.Where("closed_at IS NOT NULL AND closed_at < ?", utc(f.ClosedBefore))
	}
	o, err := CaseSorts.ordering(f.Sort, openFirstByDue)
	return q, o, err
}

// GetCase returns one case row with its state.
func (s *Store) GetCase(ctx context.Context, id string) (CaseRow, error) {
	return takeRow[CaseRow](s.db.WithContext(ctx).Where("id = ?", id), "case "+id)
}

// CaseSteps returns a case's steps in order.
func (s *Store) CaseSteps(ctx context.Context, id string) ([]StepRow, error) {
	return childRows[StepRow](s.db.WithContext(ctx), "case_id", id, "seq", "steps of case "+id)
}
