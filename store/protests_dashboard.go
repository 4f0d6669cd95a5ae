package store

import (
	"context"
	"fmt"
)

// protestCounts adds the open protests by step to the dashboard.
func (s *Store) protestCounts(ctx context.Context, out *DashboardData) error {
	out.ProtestsByStep = []Count{}
	if err := s.db.WithContext(ctx).Raw("SELECT step AS label, COUNT(*) AS n FROM protests WHERE status = 'open' GROUP BY step").
		Scan(&out.ProtestsByStep).Error; err != nil {
		return fmt.Errorf("counting open protests by step: %w", err)
	}
	sortCounts(out.ProtestsByStep)
	return nil
}
