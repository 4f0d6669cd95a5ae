package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/postrelease/postrelease/workflows"
)

// The search box's index (migration 0012): each case, shipment and protest
// keeps its searchable values in search_terms, written by its projection in
// the same transaction as its row, and found by prefix (search.go).

// The kinds of item the search finds.
const (
	SearchCase     = "case"
	SearchShipment = "shipment"
	SearchProtest  = "protest"
	SearchReview   = workflows.ReviewKind
)

// SearchKinds lists them in the order results show them.
var SearchKinds = []string{SearchCase, SearchShipment, SearchProtest, SearchReview}

// The fields a value comes from, as search_terms.field names them.
const (
	FieldID            = "id"
	FieldEntryNumber   = "entry_number"
	FieldBLNumber      = "bl_number"
	FieldContainer     = "container"
	FieldSKU           = "sku"
	FieldImporter      = "importer"
	FieldPSCReference  = "psc_reference"
	FieldProtestNumber = "protest_number"
	FieldShipmentID    = "shipment_id"
	FieldReconEntry    = "recon_entry_number"
)

// maxTermLength bounds a stored term: longer ones are cut, and a query
// longer than that is cut the same way, so they still meet.
const maxTermLength = 64

// SearchTermRow is one term of an item.
type SearchTermRow struct {
	Kind   string `gorm:"primaryKey"`
	ItemID string `gorm:"primaryKey"`
	Field  string `gorm:"primaryKey"`
	Term   string `gorm:"primaryKey"`
	Value  string
}

func (SearchTermRow) TableName() string { return "search_terms" }

// searchValue is one searchable value of an item and the field it is.
type searchValue struct{ Field, Value string }

// searchKey folds text the way terms are stored: lower case, letters and
// digits only ("ABC-2633700-1" → "abc26337001").
func searchKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return cut(b.String())
}

// cut shortens a key to maxTermLength bytes without splitting a character.
func cut(key string) string {
	if len(key) <= maxTermLength {
		return key
	}
	n := maxTermLength
	for n > 0 && !utf8.RuneStart(key[n]) {
		n--
	}
	return key[:n]
}

// termsOf is a value's terms: its key from the start of each word, where a
// word starts after a separator or where letters turn to digits or back
// ("MSCU3002805" → "mscu3002805", "3002805"; "Acme Tools Inc." →
// "acmetoolsinc", "toolsinc", "inc"). A prefix of any of them is a match,
// so a search finds a value by its start or by the start of any word in it.
func termsOf(value string) []string {
	runes := []rune(strings.ToLower(value))
	var terms []string
	for i, r := range runes {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		if i > 0 {
			p := runes[i-1]
			sameClass := (unicode.IsLetter(p) && unicode.IsLetter(r)) || (unicode.IsDigit(p) && unicode.IsDigit(r))
			if sameClass {
				continue
			}
		}
		if t := searchKey(string(runes[i:])); t != "" && !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
	}
	return terms
}

// termRows are the rows of an item's values, each term once per field (the
// first value of the field that gives it names it).
func termRows(kind, id string, values []searchValue) []SearchTermRow {
	var rows []SearchTermRow
	seen := map[string]bool{}
	for _, v := range values {
		for _, t := range termsOf(v.Value) {
			if !seen[v.Field+" "+t] {
				seen[v.Field+" "+t] = true
				rows = append(rows, SearchTermRow{Kind: kind, ItemID: id, Term: t, Field: v.Field, Value: v.Value})
			}
		}
	}
	return rows
}

// replaceSearchTerms puts an item's terms in place of those it had, in the
// projection's transaction.
func replaceSearchTerms(tx *gorm.DB, kind, id string, values []searchValue) error {
	if err := tx.Where("kind = ? AND item_id = ?", kind, id).Delete(&SearchTermRow{}).Error; err != nil {
		return fmt.Errorf("replacing search terms of %s %s: %w", kind, id, err)
	}
	return insertSearchTerms(tx, termRows(kind, id, values))
}

// insertSearchTerms writes rows; a row already there (the same term of the
// same field) stays as it is.
func insertSearchTerms(tx *gorm.DB, rows []SearchTermRow) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&rows, 500).Error; err != nil {
		return fmt.Errorf("writing search terms: %w", err)
	}
	return nil
}

// values appends v for each non-empty value.
func values(out []searchValue, field string, vs ...string) []searchValue {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, searchValue{field, v})
		}
	}
	return out
}

func caseSearchValues(st workflows.CaseState) []searchValue {
	in := st.Case
	v := values(nil, FieldID, st.CaseID)
	v = values(v, FieldEntryNumber, in.EntryNumber)
	v = values(v, FieldImporter, in.ImporterOfRecord)
	v = values(v, FieldSKU, in.SKU)
	for _, f := range st.PSCFilings {
		v = values(v, FieldPSCReference, f.Reference)
	}
	if r := st.Reconciliation; r != nil {
		v = values(v, FieldReconEntry, r.ReconEntryNumber)
	}
	return values(v, FieldShipmentID, in.ShipmentID)
}

func shipmentSearchValues(st workflows.ShipmentState) []searchValue {
	in := st.Shipment
	v := values(nil, FieldID, st.ShipmentID)
	v = values(v, FieldEntryNumber, in.EntryNumber)
	v = values(v, FieldBLNumber, in.BLNumber, in.ISFBLNumber, st.ISFBLNumber)
	for _, c := range st.Containers {
		v = values(v, FieldContainer, c.Number)
	}
	for _, l := range in.Lines {
		v = values(v, FieldSKU, l.SKU)
	}
	return v
}

func protestSearchValues(st workflows.ProtestState) []searchValue {
	in := st.Protest
	v := values(nil, FieldID, st.ProtestID)
	if f := st.Filing; f != nil {
		v = values(v, FieldProtestNumber, f.ProtestNumber)
	}
	v = values(v, FieldEntryNumber, in.EntryNumber)
	v = values(v, FieldImporter, in.ImporterOfRecord)
	return values(v, FieldShipmentID, in.ShipmentID)
}

// backfillBatch is how many rows BackfillSearchTerms indexes per transaction.
const backfillBatch = 1000

// backfillRead, when set (tests only), runs after BackfillSearchTerms has
// chosen a batch and before it indexes it: where a projection may write.
var backfillRead func(kind string, ids []string)

// searchIndexed is one kind of item the search indexes: its table and how
// its stored state gives its values.
type searchIndexed struct {
	kind, table string
	values      func(SnapshotColumns) ([]searchValue, error)
}

var searchIndexedKinds = []searchIndexed{
	{SearchCase, "cases", func(c SnapshotColumns) ([]searchValue, error) {
		st, err := decodeState[workflows.CaseState](c, "case")
		return caseSearchValues(st), err
	}},
	{SearchShipment, "shipments", func(c SnapshotColumns) ([]searchValue, error) {
		st, err := decodeState[workflows.ShipmentState](c, "shipment")
		return shipmentSearchValues(st), err
	}},
	{SearchProtest, "protests", func(c SnapshotColumns) ([]searchValue, error) {
		st, err := decodeState[workflows.ProtestState](c, "protest")
		return protestSearchValues(st), err
	}},
}

// BackfillSearchTerms indexes the cases, shipments and protests that have no
// search terms yet: those written before migration 0012. It runs after
// every migration (MigrateReport) and finds nothing to do once they are
// indexed. It returns how many items it indexed.
//
// A projection may write an item while this runs. So each batch is indexed
// in one transaction that first locks the items' rows (PostgreSQL: FOR
// UPDATE; SQLite has one writer) and reads their state again, then replaces
// their terms as the projection does (replaceSearchTerms): whichever of the
// two commits last, the item's terms are those of its latest state, whole
// and once.
func (s *Store) BackfillSearchTerms(ctx context.Context) (int, error) {
	total := 0
	for _, t := range searchIndexedKinds {
		after := ""
		for {
			var ids []string
			err := s.db.WithContext(ctx).Table(t.table).
				Where("id > ? AND NOT EXISTS (SELECT 1 FROM search_terms st WHERE st.kind = ? AND st.item_id = "+t.table+".id)", after, t.kind).
				Order("id").Limit(backfillBatch).Pluck("id", &ids).Error
			if err != nil {
				return total, fmt.Errorf("reading %s to index for the search: %w", t.table, err)
			}
			if len(ids) == 0 {
				break
			}
			if backfillRead != nil {
				backfillRead(t.kind, ids)
			}
			if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.indexBatch(tx, t, ids) }); err != nil {
				return total, fmt.Errorf("indexing %s for the search: %w", t.table, err)
			}
			total += len(ids)
			after = ids[len(ids)-1]
		}
	}
	return total, nil
}

// indexBatch locks the rows of ids, reads their state and puts their terms
// in place of any they have (see BackfillSearchTerms).
func (s *Store) indexBatch(tx *gorm.DB, t searchIndexed, ids []string) error {
	q := tx.Table(t.table).Select("id, state").Where("id IN ?", ids).Order("id")
	if s.dialect == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []SnapshotColumns
	if err := q.Find(&rows).Error; err != nil {
		return fmt.Errorf("locking %s: %w", t.table, err)
	}
	var terms []SearchTermRow
	for _, r := range rows {
		vs, err := t.values(r)
		if err != nil { // a state we cannot read is still found by its id
			vs = []searchValue{{FieldID, r.ID}}
		}
		terms = append(terms, termRows(t.kind, r.ID, vs)...)
	}
	if err := tx.Where("kind = ? AND item_id IN ?", t.kind, ids).Delete(&SearchTermRow{}).Error; err != nil {
		return fmt.Errorf("clearing search terms: %w", err)
	}
	return insertSearchTerms(tx, terms)
}
