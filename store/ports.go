package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"

	"github.com/postrelease/postrelease/domain"
)

// portRow is a ports table row; PortTerms is what the rest of the code uses.
type portRow struct {
	Code           string `gorm:"primaryKey"`
	Name           string
	FreeDays       int
	WorkingDays    bool
	FreeTimeStarts string
	Tiers          string
	DailySurcharge string
	Pierpass       bool `gorm:"column:pierpass"`
	Note           string
	TimeZone       string
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy      string
}

func (portRow) TableName() string { return "ports" }

// Port is a port's terms with who changed them last.
type Port struct {
	domain.PortTerms
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

func (r portRow) port() (Port, error) {
	p := Port{PortTerms: domain.PortTerms{Code: r.Code, Name: r.Name, FreeDays: r.FreeDays, WorkingDays: r.WorkingDays,
		FreeTimeStarts: domain.FreeTimeStart(r.FreeTimeStarts), PierPass: r.Pierpass, Note: r.Note, TimeZone: r.TimeZone},
		UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
	if err := json.Unmarshal([]byte(r.Tiers), &p.Tiers); err != nil {
		return Port{}, fmt.Errorf("port %s: stored tiers are not valid JSON: %w", r.Code, err)
	}
	var err error
	if p.DailySurcharge.Decimal, err = decimal.NewFromString(r.DailySurcharge); err != nil {
		return Port{}, fmt.Errorf("port %s: stored surcharge %q: %w", r.Code, r.DailySurcharge, err)
	}
	return p, nil
}

// Ports lists every port by code.
func (s *Store) Ports(ctx context.Context) ([]Port, error) {
	var rows []portRow
	if err := s.db.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing ports: %w", err)
	}
	out := make([]Port, 0, len(rows))
	for _, r := range rows {
		p, err := r.port()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Port returns one port's terms.
func (s *Store) Port(ctx context.Context, code string) (Port, error) {
	r, err := takeRow[portRow](s.db.WithContext(ctx).Where("code = ?", code), "port "+code)
	if err != nil {
		return Port{}, err
	}
	return r.port()
}

// SavePort validates terms (a time zone and when free time starts among
// them) and adds or replaces the port.
func (s *Store) SavePort(ctx context.Context, t domain.PortTerms, by string) (Port, error) {
	if err := t.Validate(); err != nil {
		return Port{}, err
	}
	tiers, err := json.Marshal(t.Tiers)
	if err != nil {
		return Port{}, err
	}
	r := portRow{Code: t.Code, Name: t.Name, FreeDays: t.FreeDays, WorkingDays: t.WorkingDays, FreeTimeStarts: string(t.FreeTimeStarts),
		Tiers: string(tiers), DailySurcharge: t.DailySurcharge.String(), Pierpass: t.PierPass, Note: t.Note, TimeZone: t.TimeZone,
		UpdatedAt: utc(time.Now()), UpdatedBy: by}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&r).Error; err != nil {
		return Port{}, fmt.Errorf("saving port %s: %w", t.Code, err)
	}
	return r.port()
}
