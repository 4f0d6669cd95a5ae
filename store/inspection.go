package store

import (
	"context"
	"fmt"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/workflows"
)

// ShipmentChapterRow is one HTS chapter of a shipment's lines, with what the
// inspection estimate counts (migration 0018): the port, whether CBP has
// decided the shipment and whether it inspected it (1 or 0, so SQL sums
// them).
type ShipmentChapterRow struct {
	ShipmentID string `gorm:"primaryKey"`
	Chapter    string `gorm:"primaryKey"`
	Port       string
	Decided    int
	Inspected  int
}

func (ShipmentChapterRow) TableName() string { return "shipment_chapters" }

// shipmentChapters are the chapters of st's lines, each once, judged by
// st's own release rules (the defaults for a state without them).
func shipmentChapters(st workflows.ShipmentState) []ShipmentChapterRow {
	holds := st.ReleaseRules.HoldCodes
	if len(holds) == 0 {
		holds = domain.DefaultReleaseRules().HoldCodes
	}
	decided, inspected := inspection.Inspected(st.Dispositions, holds)
	var out []ShipmentChapterRow
	seen := map[string]bool{}
	for _, l := range st.Shipment.Lines {
		if len(l.HTS) < 2 || seen[l.HTS.Chapter()] {
			continue
		}
		seen[l.HTS.Chapter()] = true
		out = append(out, ShipmentChapterRow{ShipmentID: st.ShipmentID, Chapter: l.HTS.Chapter(), Port: st.Shipment.Port,
			Decided: bit(decided), Inspected: bit(inspected)})
	}
	return out
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// InspectionCount is how many shipments of an HTS chapter at a port CBP has
// decided (at least one disposition received) and how many of them it
// inspected. A shipment with lines in two chapters counts once in each.
type InspectionCount struct {
	Chapter   string `json:"chapter"`
	Port      string `json:"port"`
	Shipments int64  `json:"shipments"`
	Inspected int64  `json:"inspected"`
}

// InspectionFilter narrows the counts; empty fields do not filter.
type InspectionFilter struct {
	Port     string
	Chapters []string // two-digit HTS chapters
}

// InspectionCounts counts, by chapter and port, the shipments CBP has
// decided and those it inspected; a shipment without any disposition yet
// counts neither way. The most shipments first.
func (s *Store) InspectionCounts(ctx context.Context, f InspectionFilter) ([]InspectionCount, error) {
	q := s.db.WithContext(ctx).Model(&ShipmentChapterRow{}).
		Select("chapter, port, COUNT(*) AS shipments, SUM(inspected) AS inspected").Where("decided = 1")
	q = whereEq(q, "port", f.Port)
	if len(f.Chapters) > 0 {
		q = q.Where("chapter IN ?", f.Chapters)
	}
	var out []InspectionCount
	if err := q.Group("chapter, port").Order("shipments DESC, chapter, port").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("counting inspections by chapter and port: %w", err)
	}
	if out == nil {
		out = []InspectionCount{}
	}
	return out, nil
}
