package domain

import "time"

// RecordRetentionMonths: entry records are kept 5 years from the date of entry
// (19 CFR 163.4(a)). DESIGN.md §3 marks this "from memory: verify".
const RecordRetentionMonths = 60

// RecordRetentionEnd is the last day entry records must be kept. 5 years are
// counted in months so 29 Feb lands on 28 Feb (AddMonths clamps).
func RecordRetentionEnd(entry time.Time) time.Time {
	return AddMonths(entry, RecordRetentionMonths)
}

// LegalDates are an entry's deadlines after delivery, as the shipment page
// shows them.
type LegalDates struct {
	PSCLastDay time.Time `json:"psc_last_day"`
	// Liquidation is CBP's posted date, or entry + 314 days while none is
	// posted, in which case LiquidationEstimated is set.
	Liquidation          time.Time `json:"liquidation"`
	LiquidationEstimated bool      `json:"liquidation_estimated"`
	ProtestLastDay       time.Time `json:"protest_last_day"`
	RetentionEnd         time.Time `json:"retention_end"`
}

// EntryLegalDates computes the legal clock from the entry date and, once CBP
// has posted it, the liquidation date (nil while unknown). Recording the
// posted date moves both the PSC limit (15 days before liquidation) and the
// protest window (180 days after).
func EntryLegalDates(entry time.Time, liquidation *time.Time) LegalDates {
	liq, estimated := DefaultLiquidation(entry), true
	if liquidation != nil {
		liq, estimated = Date(*liquidation), false
	}
	return LegalDates{
		PSCLastDay:           PSCLastDay(entry, liq),
		Liquidation:          liq,
		LiquidationEstimated: estimated,
		ProtestLastDay:       ProtestLastDay(liq),
		RetentionEnd:         RecordRetentionEnd(entry),
	}
}
