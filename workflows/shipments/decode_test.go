package shipments

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// A value its own type refuses (a date, an amount) is reported under its
// field, not under "input".
func TestStrictDecodeNamesTheField(t *testing.T) {
	tests := []struct {
		name  string
		input string
		into  any
		want  string // "field: message start"
	}{
		{"liquidation date not a date", `{"date":"next tuesday"}`, &workflows.LiquidationInput{}, "date: is not valid"},
		{"deposit amount not an amount", `{"reference":"D-1","amount":"lots"}`, &workflows.DepositInput{}, "amount: is not valid"},
		{"availability date", `{"available_date":"2026-13-45"}`, &workflows.AvailabilityInput{}, "available_date: is not valid"},
		{"wrong JSON type", `{"date":5}`, &workflows.LiquidationInput{}, "date: "},
		{"unknown field", `{"dat":"2026-01-01T00:00:00Z"}`, &workflows.LiquidationInput{}, "dat: is not a field of this action"},
		{"not an object", `["x"]`, &workflows.LiquidationInput{}, "input: is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := kit.StrictDecode([]byte(tt.input), tt.into)
			if kit.ErrorType(err) != kit.ErrInvalid {
				t.Fatalf("error = %v, want a validation error", err)
			}
			if got := err.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("error = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// Runs started before ChangeTasksAndReferences took any reference number of
// up to 35 characters, and replaying them decodes the same inputs again in
// the handlers: they must still be accepted there, while new runs refuse them.
func TestReferenceRulesFollowTheRunsVersion(t *testing.T) {
	in := bareShipment(t)
	inputs := map[workflows.ShipmentAction]string{
		workflows.ShipRecordPickupNumber: `{"pickup_number":"PU/123","pierpass_appointment":"PP.9"}`,
		workflows.ShipRecordISFBL:        `{"isf_bl_number":"MAEU/1234"}`,
	}
	for _, strict := range []bool{false, true} {
		s := &shipment{strictReferences: strict}
		s.Journal = kit.Journal{Noun: "shipment", ID: in.ShipmentID, Log: func() *workflows.Journal { return &s.state.Journal }}
		s.open(testStart, in, workflows.ShipmentWorkflowID(in.ShipmentID), "run-1")
		for action, raw := range inputs {
			spec, _ := kit.Find(ShipmentSpecs, string(action))
			_, err := spec.Decode(s, olivia, []byte(raw), testStart.Add(time.Hour))
			if strict && kit.ErrorType(err) != kit.ErrInvalid {
				t.Errorf("%s %s in a new run: %v, want refused", action, raw, err)
			}
			if !strict && err != nil {
				t.Errorf("%s %s in a run from before the change: %v, want accepted", action, raw, err)
			}
		}
	}
}

var (
	testStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	olivia    = workflows.Actor{UserID: "u-olivia", Email: "olivia@example.com", Name: "Olivia Officer", Role: domain.RoleOfficer}
)

// bareShipment is a shipment with only what a release list must have (the
// workflow tests in workflows/flowtest have the full fixtures).
func bareShipment(t *testing.T) workflows.OpenShipmentInput {
	t.Helper()
	sh := manifest.ShipmentInput{
		EntryNumber: "ABC-1234567-8", EntryType: "01", BLNumber: "MAEU123456789",
		Carrier: "MAEU", VesselVoyage: "MAERSK ESSEX 612E", Port: "2704", Terminal: "APM Pier 400",
		Containers:  []manifest.Container{{Number: "CSQU3054383", Seals: []string{"ML1234567"}}},
		ReleaseDate: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), Incoterm: "FOB",
		Lines: []manifest.Line{{SKU: "WR-SET-12", Description: "12-piece wrench set", HTS: "8204.11.0030",
			Value: domain.USD{Decimal: decimal.RequireFromString("48250")}, Category: domain.CategoryOther}},
	}
	if fe := sh.Normalize(); fe != nil {
		t.Fatalf("test shipment does not normalise: %v", fe)
	}
	var port domain.PortTerms
	for _, p := range domain.ExamplePorts() {
		if p.Code == "2704" {
			port = p
		}
	}
	return workflows.OpenShipmentInput{ShipmentID: sh.ID(), Shipment: sh, Port: port, ReleaseRules: domain.DefaultReleaseRules(),
		OpenedBy: olivia, Source: "test"}
}
