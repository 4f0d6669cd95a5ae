package workflows

import (
	"strings"
	"testing"
	"time"

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
		{"liquidation date not a date", `{"date":"next tuesday"}`, &LiquidationInput{}, "date: is not valid"},
		{"deposit amount not an amount", `{"reference":"D-1","amount":"lots"}`, &DepositInput{}, "amount: is not valid"},
		{"availability date", `{"available_date":"2026-13-45"}`, &AvailabilityInput{}, "available_date: is not valid"},
		{"wrong JSON type", `{"date":5}`, &LiquidationInput{}, "date: "},
		{"unknown field", `{"dat":"2026-01-01T00:00:00Z"}`, &LiquidationInput{}, "dat: is not a field of this action"},
		{"not an object", `["x"]`, &LiquidationInput{}, "input: is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := strictDecode([]byte(tt.input), tt.into)
			if ErrorType(err) != ErrInvalid {
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
	inputs := map[ShipmentAction]string{
		ShipRecordPickupNumber: `{"pickup_number":"PU/123","pierpass_appointment":"PP.9"}`,
		ShipRecordISFBL:        `{"isf_bl_number":"MAEU/1234"}`,
	}
	for _, strict := range []bool{false, true} {
		s := &shipment{strictReferences: strict}
		s.open(testStart, in, ShipmentWorkflowID(in.ShipmentID), "run-1")
		for action, raw := range inputs {
			spec, _ := kit.Find(ShipmentSpecs, string(action))
			_, err := spec.Decode(s, olivia, []byte(raw), testStart.Add(time.Hour))
			if strict && ErrorType(err) != ErrInvalid {
				t.Errorf("%s %s in a new run: %v, want refused", action, raw, err)
			}
			if !strict && err != nil {
				t.Errorf("%s %s in a run from before the change: %v, want accepted", action, raw, err)
			}
		}
	}
}
