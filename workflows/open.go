package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
)

// Normalize checks an opening request field by field and puts every value in
// its canonical form (HTS codes dotted, entry number with dashes, dates at
// 00:00 UTC). It returns nil when the case may open. An HS misclassification
// (the default kind) needs the product, both HTS codes and the rates; the
// kinds a shipment opens need the entry and a reason instead (see
// normalizeShipmentCase).
func (in *OpenCaseInput) Normalize() FieldErrors {
	if in.Kind != "" && in.Kind != KindHSMisclassification {
		return in.normalizeShipmentCase()
	}
	fe := FieldErrors{}
	var err error
	in.normalizeEntry(fe)
	in.ImporterOfRecord = strings.TrimSpace(in.ImporterOfRecord)
	if in.ImporterOfRecord == "" {
		fe["importer_of_record"] = "is required"
	}
	in.SKU = strings.TrimSpace(in.SKU)
	if in.SKU == "" {
		fe["sku"] = "is required"
	} else if len(in.SKU) > 64 {
		fe["sku"] = "is longer than 64 characters"
	}
	in.ProductDescription = strings.TrimSpace(in.ProductDescription)
	if in.ProductDescription == "" {
		fe["product_description"] = "is required"
	}
	if in.DeclaredHTS, err = domain.ParseHTS(string(in.DeclaredHTS)); err != nil {
		fe["declared_hts"] = err.Error()
	}
	if in.CorrectHTS, err = domain.ParseHTS(string(in.CorrectHTS)); err != nil {
		fe["correct_hts"] = err.Error()
	}
	if fe["declared_hts"] == "" && fe["correct_hts"] == "" && in.DeclaredHTS == in.CorrectHTS {
		fe["correct_hts"] = "is the same as the declared code: there is no misclassification to correct"
	}
	if err := domain.ValidateMoney(in.EnteredValue.Decimal); err != nil {
		fe["entered_value"] = err.Error()
	}
	rates := []struct {
		name string
		v    decimal.Decimal
	}{{"declared_rate", in.DeclaredRate}, {"correct_rate", in.CorrectRate}, {"penalty_rate", in.PenaltyRate}}
	for _, r := range rates {
		if err := domain.ValidateRate(r.v); err != nil {
			fe[r.name] = err.Error()
		}
	}
	if in.ScheduledLiquidation != nil {
		d := domain.Date(*in.ScheduledLiquidation)
		in.ScheduledLiquidation = &d
		if !in.EntryDate.IsZero() && !d.After(in.EntryDate) {
			fe["scheduled_liquidation"] = "must be after the entry date"
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// normalizeShipmentCase checks a seal mismatch, ISF discrepancy or CBP hold
// case: the entry, where it is, and why the shipment opened it. It has no
// product, HTS codes or rates: whatever is there is ignored by the workflow.
func (in *OpenCaseInput) normalizeShipmentCase() FieldErrors {
	fe := FieldErrors{}
	if _, ok := KindSteps[in.Kind]; !ok {
		names := make([]string, len(CaseKinds))
		for i, k := range CaseKinds {
			names[i] = string(k)
		}
		fe["kind"] = fmt.Sprintf("%q is not a kind of case; kinds are %s", in.Kind, strings.Join(names, ", "))
	}
	in.normalizeEntry(fe)
	in.ImporterOfRecord = strings.TrimSpace(in.ImporterOfRecord)
	in.ShipmentID = strings.TrimSpace(in.ShipmentID)
	in.ParentWorkflowID = strings.TrimSpace(in.ParentWorkflowID)
	if in.ParentWorkflowID != "" && in.ShipmentID == "" {
		fe["shipment_id"] = "is required when a parent workflow opens the case"
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		fe["reason"] = "is required: what the shipment found"
	} else if len(in.Reason) > MaxText {
		fe["reason"] = fmt.Sprintf("is longer than %d characters", MaxText)
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// ComputeDeadlines derives the case's legal dates from its entry, with legal
// days ending in loc. A nil loc is the rule of cases started before legal
// zones (ChangeLegalTimeZone): days end at 00:00 UTC and the reconciliation
// step is due at the start of its due day.
func ComputeDeadlines(in OpenCaseInput, loc *time.Location) Deadlines {
	d := Deadlines{Liquidation: domain.DefaultLiquidation(in.EntryDate), LiquidationEstimated: true}
	if in.ScheduledLiquidation != nil {
		d.Liquidation, d.LiquidationEstimated = *in.ScheduledLiquidation, false
	}
	d.PSCLastDay = domain.PSCLastDay(in.EntryDate, d.Liquidation)
	d.PSCWindowClosesAt = domain.PSCWindowClosesAt(in.EntryDate, d.Liquidation, loc)
	d.ReconDue = domain.ReconDue(in.EntryDate)
	if loc != nil {
		d.ReconDueAt = domain.EndOfDay(d.ReconDue, loc)
		d.LegalTimeZone = in.LegalTimeZone
	}
	return d
}

// ClosedOn says when a window closed: "on 2026-03-10", and the zone when the
// case has one ("on 2026-03-10 (America/Los_Angeles)"). A case opened before
// legal zones keeps the words it always had.
func (d Deadlines) ClosedOn(last time.Time) string {
	s := "on " + last.Format(time.DateOnly)
	if d.LegalTimeZone != "" {
		s += " (" + d.LegalTimeZone + ")"
	}
	return s
}

// normalizeEntry checks and normalises what every kind of case needs: the
// entry number, its date and the port.
func (in *OpenCaseInput) normalizeEntry(fe FieldErrors) {
	normalizeEntryPort(fe, &in.EntryNumber, &in.Port)
	if in.EntryDate.IsZero() {
		fe["entry_date"] = "is required (YYYY-MM-DD)"
	} else {
		in.EntryDate = domain.Date(in.EntryDate)
	}
	checkZone(fe, in.LegalTimeZone)
}

// The checks every opening (a case's, a protest's) makes the same way.

// normalizeEntryPort puts the entry number and the port in their canonical
// form.
func normalizeEntryPort(fe FieldErrors, entry, port *string) {
	var err error
	if *entry, err = domain.ParseEntryNumber(*entry); err != nil {
		fe["entry_number"] = err.Error()
	}
	if *port, err = domain.ParsePort(*port); err != nil {
		fe["port"] = err.Error()
	}
}

// checkZone: a legal zone, when given, must be one the tz database knows.
func checkZone(fe FieldErrors, zone string) {
	if zone != "" {
		if _, err := domain.LoadZone(zone); err != nil {
			fe["legal_time_zone"] = err.Error()
		}
	}
}

// checkRequestID: a client request id, when given, is an Idempotency-Key.
func checkRequestID(fe FieldErrors, id string) {
	if id != "" {
		if err := domain.CheckIdempotencyKey(id); err != nil {
			fe["client_request_id"] = err.Error()
		}
	}
}

// CheckText checks the opening's free text against the text rules of
// domain/text.go: the importer of record (one line, 200 characters), the SKU
// (one line, 64), the product description (500, lines allowed), the reason
// (4000, lines allowed) and the client request id (an Idempotency-Key). It
// is kept apart from Normalize, which a shipment's update handler also runs
// (on replay too) for a reported misclassification: new, stricter rules
// belong here, called by the API and by validators only.
func (in *OpenCaseInput) CheckText() FieldErrors {
	fe := FieldErrors{}
	for _, f := range []struct {
		name, value string
		rule        domain.TextRule
	}{
		{"importer_of_record", in.ImporterOfRecord, domain.NameText},
		{"sku", in.SKU, domain.SKUText},
		{"product_description", in.ProductDescription, domain.DescriptionText},
		{"reason", in.Reason, domain.LongText},
	} {
		if err := f.rule.Check(f.value); err != nil {
			fe[f.name] = err.Error()
		}
	}
	checkRequestID(fe, in.ClientRequestID)
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// Remedy is what the entry's status still allows for this misclassification
// (domain.RouteRemedy): a PSC (a refund PSC for an overpayment) while its
// window is open, a prior disclosure for an underpayment after it, a protest
// once liquidated, or none. liquidated is CBP's posted liquidation date, nil
// while the entry is not liquidated; loc is the legal zone (nil: UTC).
func (in OpenCaseInput) Remedy(liquidated *time.Time, now time.Time, loc *time.Location) domain.RemedyRoute {
	f := domain.RemedyFacts{EntryDate: in.EntryDate, Payment: domain.NoChange, Now: now, Loc: loc}
	switch {
	case in.CorrectRate.GreaterThan(in.DeclaredRate):
		f.Payment = domain.Underpaid
	case in.CorrectRate.LessThan(in.DeclaredRate):
		f.Payment = domain.Overpaid
	}
	if in.ScheduledLiquidation != nil {
		f.LiquidationDate = *in.ScheduledLiquidation
	}
	if liquidated != nil {
		f.Liquidated, f.LiquidationDate = true, *liquidated
	}
	return domain.RouteRemedy(f) // it checks the facts first
}
