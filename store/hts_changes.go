package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/postrelease/postrelease/hts"
)

// The difference of a revision from the one before it and the products it
// affects (migration 0020), computed and written in the transaction that
// loads the revision, so a revision is never stored without them.

// HTSChange is a stored change of a revision.
type HTSChange struct {
	Revision string `json:"-"`
	Seq      int    `json:"seq"`
	hts.Change
}

// htsChangeRow is an hts_changes row.
type htsChangeRow struct {
	Revision   string `gorm:"primaryKey"`
	Seq        int    `gorm:"primaryKey"`
	Kind       string
	Code       string
	Digits     string
	Field      string
	BeforeText string
	AfterText  string
	Names      string
}

func (htsChangeRow) TableName() string { return "hts_changes" }

// HTSAffected is a product whose declared code a revision's changes touch.
type HTSAffected struct {
	Revision    string `gorm:"primaryKey" json:"revision"`
	SKU         string `gorm:"column:sku;primaryKey" json:"sku"`
	HTSCode     string `gorm:"column:hts_code" json:"hts_code"`
	Description string `json:"description"`
	InCatalog   bool   `json:"in_catalog"`
	// Shipments are the open shipments with a line of the SKU under an
	// affected code; Changes the seq of the changes that touch it.
	Shipments []string `gorm:"serializer:json" json:"shipments"`
	Changes   []int    `gorm:"serializer:json" json:"changes"`
}

func (HTSAffected) TableName() string { return "hts_affected" }

// declared is a SKU and the code it is declared under somewhere.
type declared struct {
	sku, code, description string
	catalog                bool
	shipment               string
}

// writeHTSDifference compares the lines of rev (being loaded in tx) with
// the revision before it, and writes the changes and the affected products;
// it fills rev's ComparedWith, Changes and Affected.
func (s *Store) writeHTSDifference(tx *gorm.DB, rev *HTSRevision, lines []hts.Line) error {
	var prev []HTSRevision
	if err := tx.Where("effective < ?", rev.Effective).Order("effective DESC").Limit(1).Find(&prev).Error; err != nil {
		return fmt.Errorf("reading the revision before %s: %w", rev.Name, err)
	}
	if len(prev) == 0 {
		return nil // the first revision: nothing to compare it with
	}
	rev.ComparedWith = prev[0].Name
	// Only what Diff compares of the earlier lines: their paths, units and
	// footnotes are not read.
	before, err := s.htsLines(tx.Select("revision, digits, code, description, general, special, other, rate_from").
		Where("revision = ?", prev[0].Name).Order("digits"))
	if err != nil {
		return err
	}
	old := make([]hts.Line, len(before))
	for i, l := range before {
		old[i] = l.Line
	}
	// The file's order is the schedule's; the walk needs key order.
	cur := slices.Clone(lines)
	slices.SortFunc(cur, func(a, b hts.Line) int { return strings.Compare(a.Digits, b.Digits) })
	changes := hts.Diff(old, cur)
	rev.Changes = len(changes)
	if len(changes) == 0 {
		return nil
	}
	rows := make([]htsChangeRow, len(changes))
	for i, c := range changes {
		names, _ := json.Marshal(orEmpty(c.Names)) // []string always encodes
		rows[i] = htsChangeRow{Revision: rev.Name, Seq: i + 1, Kind: string(c.Kind), Code: c.Code, Digits: c.Digits, Field: c.Field,
			BeforeText: c.Before, AfterText: c.After, Names: string(names)}
	}
	if err := tx.CreateInBatches(&rows, 100).Error; err != nil {
		return fmt.Errorf("writing the changes of HTS revision %s: %w", rev.Name, err)
	}
	decl, err := declaredCodes(tx, hts.Chapters(changes))
	if err != nil {
		return err
	}
	affected := affectedBy(rev.Name, changes, decl)
	rev.Affected = len(affected)
	if len(affected) > 0 {
		if err := tx.CreateInBatches(&affected, 100).Error; err != nil {
			return fmt.Errorf("writing the products HTS revision %s affects: %w", rev.Name, err)
		}
	}
	return nil
}

// declaredCodes are the catalog's products and the lines of open shipments
// with a line in one of chapters (shipment_chapters, so that only those
// states are read), the catalog first, shipments in id order.
func declaredCodes(tx *gorm.DB, chapters []string) ([]declared, error) {
	var products []Product
	if err := tx.Order("sku").Find(&products).Error; err != nil {
		return nil, fmt.Errorf("reading the catalog: %w", err)
	}
	var out []declared
	for _, p := range products {
		out = append(out, declared{sku: p.SKU, code: p.HTSCode, description: p.Description, catalog: true})
	}
	if len(chapters) == 0 {
		return out, nil
	}
	var open []SnapshotColumns
	if err := tx.Table("shipments").Select("id, state").Where("closed_at IS NULL").
		Where("id IN (?)", tx.Table("shipment_chapters").Select("shipment_id").Where("chapter IN ?", chapters)).
		Order("id").Find(&open).Error; err != nil {
		return nil, fmt.Errorf("reading open shipments: %w", err)
	}
	for _, r := range open {
		var st struct {
			Shipment struct {
				Lines []struct {
					SKU         string `json:"sku"`
					Description string `json:"description"`
					HTS         string `json:"hts"`
				} `json:"lines"`
			} `json:"shipment"`
		}
		if err := json.Unmarshal([]byte(r.State), &st); err != nil {
			return nil, fmt.Errorf("shipment %s: stored state is not valid JSON: %w", r.ID, err)
		}
		for _, l := range st.Shipment.Lines {
			out = append(out, declared{sku: l.SKU, code: l.HTS, description: l.Description, shipment: r.ID})
		}
	}
	return out, nil
}

// affectedBy is one row per SKU whose declared code any change touches, in
// SKU order: the catalog's code when the catalog has the SKU, else the code
// of its first open shipment's line.
func affectedBy(revision string, changes []hts.Change, decl []declared) []HTSAffected {
	bySKU := map[string]*HTSAffected{}
	for _, d := range decl {
		var seqs []int
		for i, c := range changes {
			if c.Affects(d.code) {
				seqs = append(seqs, i+1)
			}
		}
		if len(seqs) == 0 {
			continue
		}
		a := bySKU[d.sku]
		if a == nil {
			a = &HTSAffected{Revision: revision, SKU: d.sku, HTSCode: d.code, Description: d.description, Shipments: []string{}, Changes: []int{}}
			bySKU[d.sku] = a
		}
		a.InCatalog = a.InCatalog || d.catalog
		if d.shipment != "" && !slices.Contains(a.Shipments, d.shipment) {
			a.Shipments = append(a.Shipments, d.shipment)
		}
		for _, q := range seqs {
			if !slices.Contains(a.Changes, q) {
				a.Changes = append(a.Changes, q)
			}
		}
	}
	out := make([]HTSAffected, 0, len(bySKU))
	for _, a := range bySKU {
		slices.Sort(a.Changes)
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b HTSAffected) int { return strings.Compare(a.SKU, b.SKU) })
	return out
}

// HTSChanges are the changes of revision from the one before it, in code order.
func (s *Store) HTSChanges(ctx context.Context, revision string) ([]HTSChange, error) {
	var rows []htsChangeRow
	if err := s.db.WithContext(ctx).Where("revision = ?", revision).Order("seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the changes of HTS revision %s: %w", revision, err)
	}
	out := make([]HTSChange, len(rows))
	for i, r := range rows {
		out[i] = HTSChange{Revision: r.Revision, Seq: r.Seq, Change: hts.Change{Kind: hts.ChangeKind(r.Kind), Code: r.Code, Digits: r.Digits,
			Field: r.Field, Before: r.BeforeText, After: r.AfterText}}
		_ = json.Unmarshal([]byte(r.Names), &out[i].Names) // written above from []string
	}
	return out, nil
}

// HTSAffectedBy are the products revision's changes affect, in SKU order.
func (s *Store) HTSAffectedBy(ctx context.Context, revision string) ([]HTSAffected, error) {
	var out []HTSAffected
	if err := s.db.WithContext(ctx).Where("revision = ?", revision).Order("sku").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("reading the products HTS revision %s affects: %w", revision, err)
	}
	return out, nil
}

func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
