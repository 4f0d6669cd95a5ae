package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/postrelease/postrelease/workflows"
)

// Product is a SKU in the catalog with the HTS code it is declared under.
type Product struct {
	SKU         string    `gorm:"column:sku;primaryKey" json:"sku"`
	Description string    `json:"description"`
	HTSCode     string    `gorm:"column:hts_code" json:"hts_code"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false" json:"updated_at"`
	UpdatedBy   string    `json:"updated_by"`
}

func (Product) TableName() string { return "products" }

// RuleChange is a coding-rule change approved through a case.
type RuleChange struct {
	CaseID     string    `gorm:"primaryKey" json:"case_id"`
	SKU        string    `gorm:"column:sku" json:"sku"`
	OldHTS     string    `gorm:"column:old_hts" json:"old_hts"`
	NewHTS     string    `gorm:"column:new_hts" json:"new_hts"`
	Rule       string    `json:"rule"`
	ProposedBy string    `json:"proposed_by"`
	ApprovedBy string    `json:"approved_by"`
	ApprovedAt time.Time `json:"approved_at"`
}

func (RuleChange) TableName() string { return "code_rule_changes" }

// UpsertProduct adds or replaces a catalog entry.
func (s *Store) UpsertProduct(ctx context.Context, p Product) error {
	p.UpdatedAt = utc(p.UpdatedAt)
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&p).Error
}

// Product looks up a SKU.
func (s *Store) Product(ctx context.Context, sku string) (Product, error) {
	return takeRow[Product](s.db.WithContext(ctx).Where("sku = ?", sku), "product "+sku)
}

// RuleChangeForCase returns the rule change a case made.
func (s *Store) RuleChangeForCase(ctx context.Context, caseID string) (RuleChange, error) {
	return takeRow[RuleChange](s.db.WithContext(ctx).Where("case_id = ?", caseID), "the rule change of case "+caseID)
}

// ApplyCodeFix records the rule change of a case and sets the SKU's HTS code,
// in one transaction. Applying the same case's fix again changes nothing, so a
// retried activity is harmless.
func (s *Store) ApplyCodeFix(ctx context.Context, in workflows.ApplyCodeFixInput) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rc := RuleChange{CaseID: in.CaseID, SKU: in.SKU, OldHTS: string(in.OldHTS), NewHTS: string(in.NewHTS), Rule: in.Rule,
			ProposedBy: in.ProposedBy, ApprovedBy: in.ApprovedBy, ApprovedAt: utc(in.ApprovedAt)}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rc)
		if res.Error != nil {
			return fmt.Errorf("recording rule change of case %s: %w", in.CaseID, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // applied before
		}
		p := Product{SKU: in.SKU, Description: in.Description, HTSCode: string(in.NewHTS), UpdatedAt: utc(in.ApprovedAt), UpdatedBy: in.ApprovedBy}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "sku"}},
			DoUpdates: clause.AssignmentColumns([]string{"hts_code", "updated_at", "updated_by"}),
		}).Create(&p).Error
		if err != nil {
			return fmt.Errorf("updating product %s: %w", in.SKU, err)
		}
		return nil
	})
}
