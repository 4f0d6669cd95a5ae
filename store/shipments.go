package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// ShipmentRow is a shipment in the read model: the columns lists and
// dashboards filter on, and the full state as JSON.
type ShipmentRow struct {
	SnapshotColumns
	Phase           string     `json:"phase"`
	EntryNumber     string     `json:"entry_number"`
	EntryType       string     `json:"entry_type"`
	EntryDate       time.Time  `json:"entry_date"`
	Port            string     `json:"port"`
	Terminal        string     `json:"terminal"`
	Carrier         string     `json:"carrier"`
	BLNumber        string     `gorm:"column:bl_number" json:"bl_number"`
	ReleaseDate     time.Time  `json:"release_date"`
	Incoterm        string     `json:"incoterm"`
	ContainerCount  int        `json:"container_count"`
	OpenTasks       int        `json:"open_tasks"`       // active tasks
	NextDueAt       *time.Time `json:"next_due_at"`      // earliest due of the active tasks
	EscalationLevel int        `json:"escalation_level"` // highest of the active tasks, 0 without any
	PickupBlocked   string     `json:"pickup_blocked"`   // why pickup may not happen yet; "" when it may
	LastFreeDay     *time.Time `json:"last_free_day"`
	FreeTimeEndAt   *time.Time `json:"free_time_end_at"`
	DemurrageTerms  string     `json:"-"` // domain.PortTerms as JSON
	ContainersOut   int        `json:"containers_out"`
	DepositDue      time.Time  `json:"deposit_due"`
	DepositPaidAt   *time.Time `json:"deposit_paid_at"`
	DeliveredAt     *time.Time `json:"delivered_at"`
	OpenedBy        string     `json:"opened_by"`
	Source          string     `json:"source"`
	OpenedAt        time.Time  `json:"opened_at"`
	UpdatedAt       time.Time  `gorm:"autoUpdateTime:false" json:"updated_at"`
	ClosedAt        *time.Time `json:"closed_at"`
}

func (ShipmentRow) TableName() string { return "shipments" }

// ShipmentState decodes the full snapshot. Lists omit it: only a row from
// GetShipment carries it.
func (r ShipmentRow) ShipmentState() (workflows.ShipmentState, error) {
	return decodeState[workflows.ShipmentState](r.SnapshotColumns, "shipment")
}

// ShipmentTaskRow is one task of a shipment in the read model.
type ShipmentTaskRow struct {
	ShipmentID      string     `gorm:"primaryKey" json:"shipment_id"`
	TaskID          string     `gorm:"primaryKey" json:"task_id"`
	Kind            string     `json:"kind"`
	Subject         string     `json:"subject"`
	Title           string     `json:"title"`
	Group           string     `gorm:"column:grp" json:"group"`
	Status          string     `json:"status"`
	OwnerRole       string     `json:"owner_role"`
	Assignee        string     `json:"assignee"`
	StartedAt       time.Time  `json:"started_at"`
	DueAt           time.Time  `json:"due_at"`
	EscalationLevel int        `json:"escalation_level"`
	CompletedAt     *time.Time `json:"completed_at"`
	CompletedBy     string     `json:"completed_by"`
	Outcome         string     `json:"outcome"`
}

func (ShipmentTaskRow) TableName() string { return "shipment_tasks" }

// ShipmentContainerRow is one container of a shipment and its gate-out.
type ShipmentContainerRow struct {
	ShipmentID string     `gorm:"primaryKey" json:"shipment_id"`
	Number     string     `gorm:"primaryKey" json:"number"`
	GateOutAt  *time.Time `json:"gate_out_at"`
}

func (ShipmentContainerRow) TableName() string { return "shipment_containers" }

func shipmentRowFrom(s workflows.ShipmentState) (ShipmentRow, error) {
	snap, err := snapshotColumns("shipment", s.ShipmentID, s.WorkflowID, s.Version, s)
	if err != nil {
		return ShipmentRow{}, err
	}
	terms, err := json.Marshal(s.Demurrage.Terms)
	if err != nil {
		return ShipmentRow{}, fmt.Errorf("encoding demurrage terms of shipment %s: %w", s.ShipmentID, err)
	}
	in := s.Shipment
	r := ShipmentRow{
		SnapshotColumns: snap, Phase: s.Phase,
		EntryNumber: in.EntryNumber, EntryType: in.EntryType, EntryDate: utc(s.EntryDate), Port: in.Port,
		Terminal: in.Terminal, Carrier: in.Carrier, BLNumber: in.BLNumber, ReleaseDate: utc(in.ReleaseDate),
		Incoterm: in.Incoterm, ContainerCount: len(s.Containers), PickupBlocked: s.PickupBlocked,
		LastFreeDay: utcPtr(s.Demurrage.LastFreeDay), FreeTimeEndAt: utcPtr(s.Demurrage.FreeTimeEndAt),
		DemurrageTerms: string(terms), DepositDue: utc(s.Deposit.DueDate), DepositPaidAt: utcPtr(s.Deposit.PaidAt),
		DeliveredAt: utcPtr(s.DeliveredAt), OpenedBy: s.OpenedBy.Email, Source: s.Source,
		OpenedAt: utc(s.OpenedAt), UpdatedAt: utc(s.UpdatedAt), ClosedAt: utcPtr(s.ClosedAt),
	}
	for _, t := range s.Tasks {
		if t.Status != workflows.StepActive {
			continue
		}
		r.OpenTasks++
		r.EscalationLevel = max(r.EscalationLevel, t.EscalationLevel)
		if due := utc(t.DueAt); r.NextDueAt == nil || due.Before(*r.NextDueAt) {
			r.NextDueAt = &due
		}
	}
	for _, c := range s.Containers {
		if c.GateOutAt != nil {
			r.ContainersOut++
		}
	}
	return r, nil
}

// UpsertShipment writes a snapshot of a shipment, with its tasks and
// containers, unless the store already holds the same or a newer version. It
// reports whether this call wrote it.
func (s *Store) UpsertShipment(ctx context.Context, st workflows.ShipmentState) (bool, error) {
	row, err := shipmentRowFrom(st)
	if err != nil {
		return false, err
	}
	// A task that reopens (free time recomputed, a hold after release, a
	// second not-applicable request) keeps its id: the row is its latest
	// instance, the earlier ones stay in the state's JSON.
	latest := map[string]int{}
	for i, t := range st.Tasks {
		latest[t.ID] = i
	}
	tasks := make([]ShipmentTaskRow, 0, len(latest))
	for i, t := range st.Tasks {
		if latest[t.ID] != i {
			continue
		}
		by := ""
		if t.CompletedBy != nil {
			by = t.CompletedBy.Email
		}
		tasks = append(tasks, ShipmentTaskRow{ShipmentID: st.ShipmentID, TaskID: t.ID, Kind: string(t.Kind), Subject: t.Subject, Title: t.Title,
			Group: t.Group, Status: t.Status, OwnerRole: string(t.OwnerRole), Assignee: t.Assignee, StartedAt: utc(t.StartedAt),
			DueAt: utc(t.DueAt), EscalationLevel: t.EscalationLevel, CompletedAt: utcPtr(t.CompletedAt), CompletedBy: by, Outcome: t.Outcome})
	}
	containers := make([]ShipmentContainerRow, 0, len(st.Containers))
	for _, c := range st.Containers {
		containers = append(containers, ShipmentContainerRow{ShipmentID: st.ShipmentID, Number: c.Number, GateOutAt: utcPtr(c.GateOutAt)})
	}
	// Every instance of a task counts for its notifications, the earlier
	// ones too; a closed shipment (record retention over) settles them all.
	finished := map[string]time.Time{}
	for _, t := range st.Tasks {
		finishedAt(finished, t.ID, t.Work)
	}
	if st.ClosedAt != nil {
		finished[""] = *st.ClosedAt
	}
	return s.upsertSnapshot(ctx, "shipments", &row, func(tx *gorm.DB) error {
		if err := replaceChildren(tx, "shipment_id", st.ShipmentID, "tasks", tasks); err != nil {
			return err
		}
		if err := workFinished(tx, st.ShipmentID, finished, utc(s.Now())); err != nil {
			return err
		}
		if err := replaceChildren(tx, "shipment_id", st.ShipmentID, "containers", containers); err != nil {
			return err
		}
		if err := replaceChildren(tx, "shipment_id", st.ShipmentID, "chapters", shipmentChapters(st)); err != nil {
			return err
		}
		return replaceSearchTerms(tx, SearchShipment, st.ShipmentID, shipmentSearchValues(st))
	})
}

// GetShipment returns one shipment row with its state.
func (s *Store) GetShipment(ctx context.Context, id string) (ShipmentRow, error) {
	return takeRow[ShipmentRow](s.db.WithContext(ctx).Where("id = ?", id), "shipment "+id)
}

// ShipmentFilter selects shipments for lists. Empty fields do not filter.
type ShipmentFilter struct {
	Phase       string
	Port        string
	EntryNumber string // any spelling ParseEntryNumber accepts
	Escalated   bool   // an active task is escalated
	Overdue     bool   // an active task is past due at Now
	Blocked     bool   // pickup is blocked
	Now         time.Time
	Sort        Sort // ShipmentSorts; zero: the earliest next due first
	Limit       int
	Offset      int
}

// Page is the page the filter asks for: its size (PageSize) and offset.
func (f ShipmentFilter) Page() (limit, offset int) { return PageSize(f.Limit), f.Offset }

// ListShipments returns one page of shipments, the earliest next due first
// (those with no open task last), and the total count.
func (s *Store) ListShipments(ctx context.Context, f ShipmentFilter) ([]ShipmentRow, int64, error) {
	q, o, err := s.shipmentsQuery(ctx, f)
	return listOrdered[ShipmentRow](q, o, err, "shipments", f.Limit, f.Offset)
}

// earliestDueFirst is the shipment list's own order: the earliest next due
// first, those with no open task last.
var earliestDueFirst = ordering{{expr: "next_due_at", nullable: true}, {expr: "id"}}

// ExportShipments hands every shipment f selects to each, a page at a time.
func (s *Store) ExportShipments(ctx context.Context, f ShipmentFilter, each func([]ShipmentRow) error) error {
	q, o, err := s.shipmentsQuery(ctx, f)
	return exportPages(q, o, err, "shipments", f.Limit, each)
}

// shipmentsQuery is what ListShipments selects and in what order.
func (s *Store) shipmentsQuery(ctx context.Context, f ShipmentFilter) (*gorm.DB, ordering, error) {
	q := s.db.WithContext(ctx).Model(&ShipmentRow{})
	q = whereEq(q, "phase", f.Phase)
	q = whereEq(q, "port", f.Port)
	if f.EntryNumber != "" {
		n, err := domain.ParseEntryNumber(f.EntryNumber)
		if err != nil {
			n = strings.TrimSpace(f.EntryNumber) // match nothing rather than fail a search box
		}
		q = q.Where("entry_number = ?", n)
	}
	// next_due_at and escalation_level only count active tasks, so neither
	// filter needs the phase.
	if f.Escalated {
		q = q.Where("escalation_level > 0")
	}
	if f.Overdue {
		q = q.Where("next_due_at < ?", utc(nowOr(f.Now)))
	}
	if f.Blocked {
		q = q.Where("pickup_blocked <> ''")
	}
	o, err := ShipmentSorts.ordering(f.Sort, earliestDueFirst)
	return q, o, err
}

// ShipmentTasks returns a shipment's tasks: the active ones first, by due time.
func (s *Store) ShipmentTasks(ctx context.Context, id string) ([]ShipmentTaskRow, error) {
	return childRows[ShipmentTaskRow](s.db.WithContext(ctx), "shipment_id", id,
		"CASE WHEN status = '"+workflows.StepActive+"' THEN 0 ELSE 1 END, due_at, task_id", "tasks of shipment "+id)
}

// ShipmentContainers returns a shipment's containers by number.
func (s *Store) ShipmentContainers(ctx context.Context, id string) ([]ShipmentContainerRow, error) {
	return childRows[ShipmentContainerRow](s.db.WithContext(ctx), "shipment_id", id, "number", "containers of shipment "+id)
}

// CasesOfShipment returns the detention cases a shipment opened, oldest
// first, without their state.
func (s *Store) CasesOfShipment(ctx context.Context, shipmentID string) ([]CaseRow, error) {
	return childRows[CaseRow](s.db.WithContext(ctx).Omit("state"), "shipment_id", shipmentID, "opened_at, id", "cases of shipment "+shipmentID)
}

// DemurrageLine is the demurrage one shipment has run up.
type DemurrageLine struct {
	ShipmentID   string     `json:"shipment_id"`
	EntryNumber  string     `json:"entry_number"`
	Port         string     `json:"port"`
	LastFreeDay  time.Time  `json:"last_free_day"`
	Containers   int        `json:"containers"`
	ContainersIn int        `json:"containers_in"` // still at the terminal
	Amount       domain.USD `json:"amount"`
}

// DemurrageTotal is the managers' view of demurrage: every active shipment
// that owes some, the largest first.
type DemurrageTotal struct {
	AsOf               time.Time       `json:"as_of"`
	Lines              []DemurrageLine `json:"lines"`
	Total              domain.USD      `json:"total"`
	ContainersAccruing int             `json:"containers_accruing"` // in the terminal after the last free day
}

// DemurrageExposure prices, as of now, the demurrage of every active shipment
// with a last free day: each container from the day after the last free day
// through its gate-out day, or through today while it is still in. Legal and
// closed shipments are delivered, their bills final, so they are history
// rather than exposure. Shipments owing nothing are left out.
func (s *Store) DemurrageExposure(ctx context.Context, now time.Time) (DemurrageTotal, error) {
	var rows []struct {
		ID             string
		EntryNumber    string
		Port           string
		LastFreeDay    time.Time
		DemurrageTerms string
		GateOutAt      *time.Time
	}
	err := s.db.WithContext(ctx).Table("shipments").
		Select("shipments.id, shipments.entry_number, shipments.port, shipments.last_free_day, shipments.demurrage_terms, shipment_containers.gate_out_at").
		Joins("JOIN shipment_containers ON shipment_containers.shipment_id = shipments.id").
		Where("shipments.phase = ? AND shipments.last_free_day IS NOT NULL", workflows.PhaseActive).
		Order("shipments.id, shipment_containers.number").Scan(&rows).Error
	if err != nil {
		return DemurrageTotal{}, fmt.Errorf("reading containers for demurrage: %w", err)
	}
	out := DemurrageTotal{AsOf: utc(now), Lines: []DemurrageLine{}}
	total := decimal.Zero
	var line *DemurrageLine
	var terms domain.PortTerms
	flush := func() {
		if line != nil && line.Amount.IsPositive() {
			out.Lines = append(out.Lines, *line)
			total = total.Add(line.Amount.Decimal)
		}
	}
	for _, r := range rows {
		if line == nil || line.ShipmentID != r.ID {
			flush()
			terms = domain.PortTerms{}
			if err := json.Unmarshal([]byte(r.DemurrageTerms), &terms); err != nil {
				return DemurrageTotal{}, fmt.Errorf("shipment %s: stored demurrage terms are not valid JSON: %w", r.ID, err)
			}
			line = &DemurrageLine{ShipmentID: r.ID, EntryNumber: r.EntryNumber, Port: r.Port, LastFreeDay: r.LastFreeDay.UTC(),
				Amount: domain.USD{Decimal: decimal.Zero}}
		}
		line.Containers++
		through := now
		if r.GateOutAt != nil && r.GateOutAt.Before(now) {
			through = *r.GateOutAt
		} else {
			line.ContainersIn++
			if domain.LocalDate(now, terms.Location()).After(domain.Date(r.LastFreeDay)) { // the port's today, as Demurrage counts it
				out.ContainersAccruing++
			}
		}
		_, amount := domain.Demurrage(terms, r.LastFreeDay, through)
		line.Amount = domain.USD{Decimal: line.Amount.Add(amount.Decimal)}
	}
	flush()
	slices.SortStableFunc(out.Lines, func(a, b DemurrageLine) int {
		if c := b.Amount.Cmp(a.Amount.Decimal); c != 0 {
			return c
		}
		return strings.Compare(a.ShipmentID, b.ShipmentID)
	})
	out.Total = domain.USD{Decimal: total}
	return out, nil
}

// ShipmentClock is a shipment's escalation level and next due time, as the
// benchmark watches them.
type ShipmentClock struct {
	ID              string
	EscalationLevel int
	NextDueAt       *time.Time
}

// ShipmentClocks lists the clocks of the shipments whose entry number starts
// with prefix, in one query.
func (s *Store) ShipmentClocks(ctx context.Context, prefix string) ([]ShipmentClock, error) {
	var out []ShipmentClock
	err := s.db.WithContext(ctx).Model(&ShipmentRow{}).Select("id, escalation_level, next_due_at").
		Where("entry_number LIKE ?", prefix+"%").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("reading shipment clocks: %w", err)
	}
	return out, nil
}
