package protests

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// The checks of the protest's actions, in the order of ProtestSpecs: each
// reads and normalises an input against the protest as it is. They run in
// the validator and again in the handler (on replay too), so a stricter
// rule later is a Field rule or versioned.

// ParseAmount reads an amount of a protest: USD in plain decimal notation
// (domain.ParseMoney), where zero is allowed when zeroOK (a claim that
// changes no duty, a denial's allowance, no interest). Empty is zero when
// zeroOK.
func ParseAmount(text domain.NumberText, zeroOK bool) (domain.USD, error) {
	t := strings.TrimSpace(string(text))
	if t == "" && zeroOK {
		return domain.USD{}, nil
	}
	d, err := domain.ParseMoney(t)
	if err != nil && zeroOK {
		// ParseMoney refuses zero only after every rule of the notation
		// passed: "0", "0.00" come back as "must be greater than zero".
		if z, zerr := decimal.NewFromString(t); zerr == nil && z.IsZero() && !strings.ContainsAny(t, "eE+-") {
			return domain.USD{}, nil
		}
	}
	if err != nil {
		return domain.USD{}, err
	}
	return domain.USD{Decimal: d}, nil
}

// amount is an amount its check already accepted.
func amount(text domain.NumberText, zeroOK bool) domain.USD {
	u, _ := ParseAmount(text, zeroOK)
	return u
}

// checkDate normalises an action's date: empty is today in the legal zone;
// never after today there.
func (p *protest) checkDate(fe kit.FieldErrors, field string, d *domain.Day, now time.Time) {
	today := domain.LocalDate(now, p.loc)
	if d.IsZero() {
		d.Time = today
		return
	}
	d.Time = domain.Date(d.Time)
	if d.After(today) {
		fe[field] = fmt.Sprintf("%s is in the future", d.Format(time.DateOnly))
	}
}

func checkPrepare(_ *protest, in *workflows.PrepareProtestInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	bases, msg := workflows.NormalizeBases(in.Bases)
	if msg != "" {
		fe["bases"] = msg
	}
	in.Bases = bases
	in.Grounds = kit.Required(fe, "grounds", in.Grounds)
	if _, err := ParseAmount(in.AmountClaimed, true); err != nil {
		fe["amount_claimed"] = err.Error()
	}
}

func checkFile(p *protest, in *workflows.FileProtestInput, fe kit.FieldErrors, _ workflows.Actor, now time.Time) {
	in.ProtestNumber = kit.Parsed(fe, "protest_number", in.ProtestNumber, domain.ParseProtestNumber)
	p.checkDate(fe, "filed_on", &in.FiledOn, now)
	w := p.state.Window
	switch {
	case fe["filed_on"] != "":
	case in.FiledOn.Before(w.Liquidation):
		fe["filed_on"] = fmt.Sprintf("%s is before the liquidation of %s: a protest objects to a liquidation", in.FiledOn.Format(time.DateOnly), w.Liquidation.Format(time.DateOnly))
	case in.FiledOn.After(w.LastDay):
		fe["filed_on"] = fmt.Sprintf("%s is after the last day to protest, %s", in.FiledOn.Format(time.DateOnly), w.LastDay.Format(time.DateOnly))
	}
}

func checkAccelerated(p *protest, in *workflows.AcceleratedDispositionInput, fe kit.FieldErrors, _ workflows.Actor, now time.Time) {
	p.checkDate(fe, "requested_on", &in.RequestedOn, now)
	if fe["requested_on"] != "" || p.state.Filing == nil {
		return
	}
	if err := domain.AcceleratedDispositionAllowed(p.state.Filing.FiledOn, in.RequestedOn.Time); err != nil {
		fe["requested_on"] = err.Error()
	}
}

func checkDecision(p *protest, in *workflows.ProtestDecisionInput, fe kit.FieldErrors, _ workflows.Actor, now time.Time) {
	d, err := domain.ParseProtestDecision(string(in.Decision))
	if err != nil {
		fe["decision"] = err.Error()
		return
	}
	in.Decision = d
	claimed := p.state.AmountClaimed
	if strings.TrimSpace(string(in.AllowedAmount)) == "" {
		switch d {
		case domain.ProtestAllowed:
			in.AllowedAmount = domain.NumberText(claimed.StringFixed(2))
		case domain.ProtestDenied:
			in.AllowedAmount = "0.00"
		default:
			fe["allowed_amount"] = "is required: the part of the claim CBP allowed"
		}
	}
	if fe["allowed_amount"] == "" {
		allowed, err := ParseAmount(in.AllowedAmount, true)
		if err != nil {
			fe["allowed_amount"] = err.Error()
		} else if err := domain.CheckProtestAmounts(d, claimed, allowed); err != nil {
			if afe, ok := err.(domain.FieldErrors); ok {
				for k, v := range afe {
					if k == "allowed" || k == "claimed" {
						k = "allowed_amount"
					}
					fe[k] = v
				}
			}
		}
	}
	in.Reason = kit.Optional(fe, "reason", in.Reason)
	p.checkDate(fe, "decided_on", &in.DecidedOn, now)
	if f := p.state.Filing; f != nil && fe["decided_on"] == "" && in.DecidedOn.Before(f.FiledOn) {
		fe["decided_on"] = fmt.Sprintf("%s is before the protest was filed on %s", in.DecidedOn.Format(time.DateOnly), f.FiledOn.Format(time.DateOnly))
	}
}

func checkSummons(p *protest, in *workflows.CITSummonsInput, fe kit.FieldErrors, _ workflows.Actor, now time.Time) {
	in.CourtNumber = kit.Parsed(fe, "court_number", in.CourtNumber, domain.ParseCITCourtNumber)
	p.checkDate(fe, "filed_on", &in.FiledOn, now)
	if d := p.state.Decision; d != nil && fe["filed_on"] == "" && in.FiledOn.Before(d.DecidedOn) {
		fe["filed_on"] = fmt.Sprintf("%s is before the denial of %s", in.FiledOn.Format(time.DateOnly), d.DecidedOn.Format(time.DateOnly))
	}
}

func checkRefund(p *protest, in *workflows.ProtestRefundInput, fe kit.FieldErrors, _ workflows.Actor, now time.Time) {
	refund, err := ParseAmount(in.Amount, false)
	switch {
	case err != nil:
		fe["amount"] = err.Error()
	case p.state.Decision != nil && refund.GreaterThan(p.state.Decision.Allowed.Decimal):
		fe["amount"] = fmt.Sprintf("%s is more than CBP allowed, %s; interest goes in its own field",
			domain.Dollars(refund.Decimal), domain.Dollars(p.state.Decision.Allowed.Decimal))
	}
	if _, err := ParseAmount(in.Interest, true); err != nil {
		fe["interest"] = err.Error()
	}
	in.Reference = kit.Optional(fe, "reference", in.Reference)
	p.checkDate(fe, "paid_on", &in.PaidOn, now)
	if d := p.state.Decision; d != nil && fe["paid_on"] == "" && in.PaidOn.Before(d.DecidedOn) {
		fe["paid_on"] = fmt.Sprintf("%s is before CBP's decision of %s", in.PaidOn.Format(time.DateOnly), d.DecidedOn.Format(time.DateOnly))
	}
}
