package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// Inbox kinds: what an inbox item belongs to.
const (
	InboxCase     = "case"
	InboxShipment = "shipment"
	InboxProtest  = "protest"
	InboxReview   = workflows.ReviewKind
)

// TopEscalationLevel is the highest level the dashboard tells apart: its
// "Level 2" counts level 2 and above.
const TopEscalationLevel = 2

// Why an item is in a user's inbox.
const (
	InboxAssigned  = "assigned"  // assigned to the user
	InboxRole      = "role"      // unassigned, owned by the user's role: theirs to claim
	InboxEscalated = "escalated" // a manager's: escalated, whoever has it
)

// InboxQuery selects the open steps and tasks one user may act on.
//
// The rule: an item is in the inbox of a user when it is open (a case step or
// shipment task with status active) and
//   - it is assigned to the user, or
//   - nobody has it and it is owned by the user's role (an officer sees every
//     unassigned officer step; a manager every unassigned manager step), or
//   - the user is a manager and it is escalated (level 1 or more), whoever has
//     it: escalations go to managers.
//
// A manager may act on officer steps too, but does not get every officer step
// in their inbox: the all-cases list and the search are for that. An auditor
// acts on nothing and has an empty inbox.
type InboxQuery struct {
	Email     string
	Role      domain.Role
	Kind      string // InboxCase, InboxShipment, InboxProtest or "" for all
	Overdue   bool   // only items past due at Now
	Escalated bool   // only items escalated (level 1 or more)
	Port      string // only items of this port code
	// Attention: only items escalated or past due at Now (either, each
	// listed once: the managers' escalations page).
	Attention bool
	// Level: only items at this escalation level; TopEscalationLevel
	// takes that level and above (the dashboard's "Level 2").
	Level int
	// Team lists every open item whoever has it (the managers' view of the
	// whole team's work) instead of the user's own inbox.
	Team bool
	// Sort is one of InboxSorts; zero: the earliest due first.
	Sort Sort
	// After, when set, starts the page after this item in Sort's order
	// (keyset paging, the export's), whatever Offset says.
	After  *InboxItem
	Limit  int // PageSize applies
	Offset int
	Now    time.Time // for Overdue and the overdue mark; defaults to the current time
}

// InboxItem is one open step of a case or task of a shipment.
type InboxItem struct {
	Kind            string    `json:"kind"` // InboxCase, InboxShipment or InboxProtest
	ID              string    `json:"id"`   // the case or shipment id
	Task            string    `json:"task"` // the case's step, or the shipment task's id
	Title           string    `json:"title"`
	DueAt           time.Time `json:"due_at"`
	Overdue         bool      `json:"overdue"`
	EscalationLevel int       `json:"escalation_level"`
	Assignee        string    `json:"assignee"`
	OwnerRole       string    `json:"owner_role"`
	EntryNumber     string    `json:"entry_number"`
	Port            string    `json:"port"`
	Importer        string    `json:"importer"` // a case's or protest's importer of record; "" for a shipment (not in its read model)
	Reason          string    `json:"reason"`   // InboxAssigned, InboxRole or InboxEscalated
}

// inboxRow is what one branch of the inbox query returns. due_at is read
// through scanTime: SQLite loses the column's declared type in a UNION and
// hands back text.
type inboxRow struct {
	Kind            string
	ID              string
	Task            string
	Title           string
	Sub             string
	DueAt           scanTime
	EscalationLevel int
	Assignee        string
	OwnerRole       string
	EntryNumber     string
	Port            string
	Importer        string
}

// Inbox returns one page of the open steps and tasks q's user may act on,
// the earliest due first, and how many there are in all.
//
// The query is a UNION ALL of one branch per table and reason (assigned,
// the role's, escalated), each disjoint from the others, each reading its
// partial index (migration 0006) in due order with LIMIT offset+limit, so no
// branch reads more than the page needs; the union is sorted and cut to the
// page. The total is a count per branch over the same indexes.
func (s *Store) Inbox(ctx context.Context, q InboxQuery) ([]InboxItem, int64, error) {
	now := utc(nowOr(q.Now))
	limit := PageSize(q.Limit)
	offset := max(q.Offset, 0)
	if q.Kind != "" && q.Kind != InboxCase && q.Kind != InboxShipment && q.Kind != InboxProtest && q.Kind != InboxReview {
		return nil, 0, fmt.Errorf("inbox kind %q is not %q, %q, %q or %q", q.Kind, InboxCase, InboxShipment, InboxProtest, InboxReview)
	}
	if !q.Role.CanAct() || q.Email == "" {
		return []InboxItem{}, 0, nil
	}

	// Who: disjoint conditions on the step or task (alias x).
	type who struct {
		sql  string
		args []any
	}
	whos := []who{
		{"x.assignee = ?", []any{q.Email}},
		{"x.assignee = '' AND x.owner_role = ?", []any{string(q.Role)}},
	}
	if q.Team {
		whos = []who{{"1 = 1", nil}}
	} else if q.Role == domain.RoleManager {
		whos = append(whos, who{"x.escalation_level > 0 AND x.assignee <> ? AND NOT (x.assignee = '' AND x.owner_role = ?)",
			[]any{q.Email, string(q.Role)}})
	}
	// Filters common to every branch.
	var filter strings.Builder
	var filterArgs []any
	if q.Overdue {
		filter.WriteString(" AND x.due_at < ?")
		filterArgs = append(filterArgs, now)
	}
	if q.Escalated {
		filter.WriteString(" AND x.escalation_level > 0")
	}
	if q.Attention {
		filter.WriteString(" AND (x.escalation_level > 0 OR x.due_at < ?)")
		filterArgs = append(filterArgs, now)
	}
	switch {
	case q.Level >= TopEscalationLevel:
		filter.WriteString(" AND x.escalation_level >= ?")
		filterArgs = append(filterArgs, TopEscalationLevel)
	case q.Level > 0:
		filter.WriteString(" AND x.escalation_level = ?")
		filterArgs = append(filterArgs, q.Level)
	}
	if q.Port != "" {
		filter.WriteString(" AND p.port = ?")
		filterArgs = append(filterArgs, q.Port)
	}

	// A sort other than the inbox's own, or a page after an item, reads
	// each branch with its parent (the entry and importer are theirs) under
	// the names the order uses; the inbox's own order reads the due-time
	// indexes a page at a time.
	o, err := InboxSorts.orderingThen(q.Sort, nil, inboxTie)
	if err != nil {
		return nil, 0, err
	}
	sorted, after, afterArgs := "", "1 = 1", []any(nil)
	if q.Sort.Key != "" || q.After != nil {
		sorted = o.sql()
	}
	if q.After != nil {
		after, afterArgs = o.after(q.After.sortValues(q.Sort.Key))
		offset = 0
	}

	type table struct {
		kind, from, parent, cols, order string
		// sortCols are the parent's columns a sorted page reads.
		sortCols string
	}
	var tables []table
	parentSortCols := func(importer string) string {
		return "p.entry_number AS entry_number, p.port AS port, " + importer + " AS importer"
	}
	if q.Kind == "" || q.Kind == InboxCase {
		tables = append(tables, table{InboxCase, "case_steps x", " JOIN cases p ON p.id = x.case_id",
			"'case' AS kind, x.case_id AS id, x.step AS task", "x.due_at, x.case_id, x.step", parentSortCols("p.importer")})
	}
	if q.Kind == "" || q.Kind == InboxShipment {
		tables = append(tables, table{InboxShipment, "shipment_tasks x", " JOIN shipments p ON p.id = x.shipment_id",
			"'shipment' AS kind, x.shipment_id AS id, x.task_id AS task", "x.due_at, x.shipment_id, x.task_id", parentSortCols("CAST(NULL AS TEXT)")})
	}
	if q.Kind == "" || q.Kind == InboxProtest {
		tables = append(tables, table{InboxProtest, "protest_steps x", " JOIN protests p ON p.id = x.protest_id",
			"'protest' AS kind, x.protest_id AS id, x.step AS task", "x.due_at, x.protest_id, x.step", parentSortCols("p.importer")})
	}
	// A review has no port: filtering by one leaves it out.
	if (q.Kind == "" || q.Kind == InboxReview) && q.Port == "" {
		tables = append(tables, table{InboxReview, "compliance_review_steps x", "",
			"'" + InboxReview + "' AS kind, x.review_id AS id, x.step AS task", "x.due_at, x.review_id, x.step",
			"CAST(NULL AS TEXT) AS entry_number, CAST(NULL AS TEXT) AS port, CAST(NULL AS TEXT) AS importer"})
	}

	var page, count []string
	var pageArgs, countArgs []any
	for _, t := range tables {
		// The parent only to filter by port, or for the page to sort by its
		// columns; the page joins it after the cut. The count never sorts.
		from, countFrom := t.from, t.from
		if q.Port != "" {
			countFrom += t.parent
		}
		if q.Port != "" || sorted != "" {
			from += t.parent
		}
		for _, w := range whos {
			where := "x.status = 'active' AND " + w.sql + filter.String()
			args := append(append([]any{}, w.args...), filterArgs...)
			if sorted == "" {
				page = append(page, fmt.Sprintf(`SELECT * FROM (SELECT %s, x.due_at AS due_at, x.escalation_level AS escalation_level,
	x.assignee AS assignee, x.owner_role AS owner_role
	FROM %s WHERE %s ORDER BY %s LIMIT ?) b%d`, t.cols, from, where, t.order, len(page)))
			} else {
				page = append(page, fmt.Sprintf(`SELECT * FROM (SELECT * FROM (SELECT %s, x.due_at AS due_at, x.escalation_level AS escalation_level,
	x.assignee AS assignee, x.owner_role AS owner_role, %s
	FROM %s WHERE %s) i%[5]d WHERE %[7]s ORDER BY %[6]s LIMIT ?) b%[5]d`, t.cols, t.sortCols, from, where, len(page), sorted, after))
			}
			pageArgs = append(pageArgs, args...)
			if sorted != "" {
				pageArgs = append(pageArgs, afterArgs...)
			}
			pageArgs = append(pageArgs, offset+limit)
			count = append(count, fmt.Sprintf("SELECT COUNT(*) AS n FROM %s WHERE %s", countFrom, where))
			countArgs = append(countArgs, args...)
		}
	}

	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Raw("SELECT COALESCE(SUM(n), 0) FROM ("+strings.Join(count, " UNION ALL ")+") c", countArgs...).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("counting the inbox of %s: %w", q.Email, err)
	}
	items := []InboxItem{}
	if total == 0 || int64(offset) >= total {
		return items, total, nil
	}
	// The union is cut to the page first; only the page's rows are then
	// looked up in their cases and shipments (a deferred join, by primary key).
	sqlText := strings.Join(page, "\nUNION ALL\n") + "\nORDER BY due_at, kind, id, task LIMIT ? OFFSET ?"
	if sorted != "" { // a union is sorted by its columns alone: expressions need it wrapped
		sqlText = "SELECT * FROM (" + strings.Join(page, "\nUNION ALL\n") + ") u\nORDER BY " + sorted + " LIMIT ? OFFSET ?"
	}
	var rows []inboxRow
	if err := db.Raw(sqlText, append(pageArgs, limit, offset)...).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("reading the inbox of %s: %w", q.Email, err)
	}
	if err := s.decorateInbox(ctx, rows); err != nil {
		return nil, 0, err
	}
	for _, r := range rows {
		due := time.Time(r.DueAt).UTC()
		it := InboxItem{Kind: r.Kind, ID: r.ID, Task: r.Task, Title: r.Title, DueAt: due, Overdue: due.Before(now),
			EscalationLevel: r.EscalationLevel, Assignee: r.Assignee, OwnerRole: r.OwnerRole, EntryNumber: r.EntryNumber, Port: r.Port, Importer: r.Importer}
		switch {
		case strings.EqualFold(r.Assignee, q.Email):
			it.Reason = InboxAssigned
		case r.Assignee == "" && r.OwnerRole == string(q.Role):
			it.Reason = InboxRole
		default:
			it.Reason = InboxEscalated
		}
		it.Title = inboxTitle(r)
		items = append(items, it)
	}
	return items, total, nil
}

// inboxTie orders the inbox's items that sort alike: the earliest due
// first, then by kind, id and task, which make an item unique.
var inboxTie = ordering{{expr: "due_at"}, {expr: "kind"}, {expr: "id"}, {expr: "task"}}

// sortValues are it's values of the terms of the inbox's ordering under
// the sort key (InboxSorts; "" for the inbox's own), for After.
func (it InboxItem) sortValues(key string) []any {
	tie := []any{it.DueAt.UTC(), it.Kind, it.ID, it.Task}
	var v any
	switch key {
	case "":
		return tie
	case "what":
		v = it.Task
	case "item":
		v = it.ID
	case "kind":
		v = it.Kind
	case "entry":
		v = it.EntryNumber
	case "importer":
		if it.Kind != InboxShipment { // a shipment has none
			v = it.Importer
		}
	case "port":
		v = it.Port
	case "due":
		v = it.DueAt.UTC()
	case "assignee":
		v = it.Assignee
	case "escalation":
		v = it.EscalationLevel
	}
	return append([]any{v}, tie...)
}

// ExportInbox hands every item of q's inbox to each, q.Limit at a time in
// q.Sort's order, each page after the last item of the one before.
func (s *Store) ExportInbox(ctx context.Context, q InboxQuery, each func([]InboxItem) error) error {
	q.After, q.Offset = nil, 0
	for {
		items, _, err := s.Inbox(ctx, q)
		if err != nil {
			return err
		}
		if err := each(items); err != nil || len(items) < PageSize(q.Limit) {
			return err
		}
		q.After = &items[len(items)-1]
	}
}

// decorateInbox fills in what a page's rows show from their cases and
// shipments: titles, entry numbers and ports.
func (s *Store) decorateInbox(ctx context.Context, rows []inboxRow) error {
	var caseIDs, shipIDs []string
	for _, r := range rows {
		switch r.Kind {
		case InboxCase:
			caseIDs = append(caseIDs, r.ID)
		case InboxShipment:
			shipIDs = append(shipIDs, r.ID)
		}
	}
	db := s.db.WithContext(ctx)
	type parent struct {
		ID, Description, Kind, EntryNumber, Port, Importer string
	}
	id := func(p parent) string { return p.ID }
	cases, err := rowsByKey(db, "SELECT id, description, kind, entry_number, port, importer FROM cases WHERE id IN ?", caseIDs, id, "the inbox's cases")
	if err != nil {
		return err
	}
	ships, err := rowsByKey(db, "SELECT id, entry_number, port FROM shipments WHERE id IN ?", shipIDs, id, "the inbox's shipments")
	if err != nil {
		return err
	}
	type task struct{ ShipmentID, TaskID, Title, Kind string }
	tasks, err := rowsByKey(db, "SELECT shipment_id, task_id, title, kind FROM shipment_tasks WHERE shipment_id IN ? AND status = 'active'", shipIDs,
		func(t task) [2]string { return [2]string{t.ShipmentID, t.TaskID} }, "the inbox's tasks")
	if err != nil {
		return err
	}
	if err := s.decorateProtestInbox(ctx, rows); err != nil {
		return err
	}
	if err := s.decorateReviewInbox(ctx, rows); err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		if r.Kind == InboxProtest || r.Kind == InboxReview {
			continue
		}
		if r.Kind == InboxCase {
			p := cases[r.ID]
			r.Title, r.Sub, r.EntryNumber, r.Port, r.Importer = p.Description, p.Kind, p.EntryNumber, p.Port, p.Importer
		} else {
			p, t := ships[r.ID], tasks[[2]string{r.ID, r.Task}]
			r.Title, r.Sub, r.EntryNumber, r.Port = t.Title, t.Kind, p.EntryNumber, p.Port
		}
	}
	return nil
}

// inboxTitle says what an item is about: a case's kind and product, a
// task's title (its id for a row written before migration 0006).
func inboxTitle(r inboxRow) string {
	if r.Kind == InboxProtest || r.Kind == InboxReview {
		return r.Title
	}
	if r.Kind == InboxShipment {
		if r.Title == "" {
			return r.Task
		}
		return r.Title
	}
	// The default kind needs no label: an HS misclassification shows its
	// product (rows written before kinds, or by a case opened without one,
	// have '').
	kind := r.Sub
	if kind == string(workflows.KindHSMisclassification) {
		kind = ""
	}
	kind = strings.ReplaceAll(kind, "_", " ")
	switch {
	case kind == "":
		return r.Title
	case r.Title == "":
		return kind
	}
	return kind + ": " + r.Title
}

// scanTime reads a timestamp as the driver gives it: a time.Time, or the
// text SQLite stores (its own layout, or RFC 3339).
type scanTime time.Time

var sqliteLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// Scan implements sql.Scanner.
func (t *scanTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*t = scanTime(x)
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	case nil:
		*t = scanTime(time.Time{})
		return nil
	}
	return fmt.Errorf("cannot read %T as a time", v)
}

func (t *scanTime) parse(s string) error {
	for _, l := range sqliteLayouts {
		if v, err := time.Parse(l, s); err == nil {
			*t = scanTime(v)
			return nil
		}
	}
	return fmt.Errorf("cannot read %q as a time", s)
}

// Value implements driver.Valuer (unused, for symmetry).
func (t scanTime) Value() (driver.Value, error) { return time.Time(t), nil }
