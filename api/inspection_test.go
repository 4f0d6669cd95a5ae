package api_test

import (
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"
)

// inspectionResp is the inspection estimate of a shipment as the API
// answers it.
type inspectionResp struct {
	InspectionEstimate []struct {
		Chapter   string   `json:"chapter"`
		Port      string   `json:"port"`
		PortName  string   `json:"port_name"`
		Inspected int64    `json:"inspected"`
		Shipments int64    `json:"shipments"`
		Mean      float64  `json:"mean"`
		Low       float64  `json:"low"`
		High      float64  `json:"high"`
		Interval  float64  `json:"interval"`
		Lines     []string `json:"lines"`
		Baseline  struct {
			Rate   float64 `json:"rate"`
			Source string  `json:"source"`
		} `json:"baseline"`
	} `json:"inspection_estimate"`
}

// The shipment API view and page show, for each chapter of the lines, the
// estimate with its counts and interval; the dashboard shows every chapter
// × port. Three shipments at Los Angeles (chapters 84 and 82), one of them
// examined (1A, then 1B), and one at New York without a disposition yet.
func TestInspectionEstimate(t *testing.T) {
	e := newShipmentEnv(t)
	var ids []string
	for i, codes := range [][]string{{"1C"}, {"1A", "1B"}, {"1C"}, nil} {
		body := shipmentBody(fmt.Sprintf("INS-100000%d-0", i))
		var ds []map[string]any
		for j, c := range codes {
			ds = append(ds, map[string]any{"code": c, "at": time.Date(2026, 11, 20, 18+j, 0, 0, 0, time.UTC).Format(time.RFC3339)})
		}
		body["dispositions"] = ds
		if codes == nil {
			body["port"], body["pickup_number"], body["pierpass_appointment"] = "1001", "NY1", ""
		}
		ids = append(ids, e.openShipment(t, "officer", body).ShipmentID)
	}
	var got inspectionResp
	eventually(t, 15*time.Second, "the read model to count three shipments at 2704", func() string {
		got = getJSON[inspectionResp](t, e, "officer", apiShipPath+"/"+ids[2], "reading the shipment")
		if len(got.InspectionEstimate) != 2 || got.InspectionEstimate[0].Shipments != 3 {
			return fmt.Sprintf("%+v", got.InspectionEstimate)
		}
		return ""
	})
	// Chapter 84 first (the first line's), then 82. 1 inspected of 3 under
	// the notes' 3.8 % weighed as 20 shipments: (0.76 + 1) / (20 + 3) =
	// 1.76 / 23 = 0.0765217.
	ch84, ch82 := got.InspectionEstimate[0], got.InspectionEstimate[1]
	if ch84.Chapter != "84" || ch84.Port != "2704" || ch84.Inspected != 1 || ch84.Shipments != 3 || len(ch84.Lines) != 3 ||
		ch82.Chapter != "82" || ch82.Inspected != 1 || ch82.Shipments != 3 || len(ch82.Lines) != 1 {
		t.Fatalf("estimates = %+v", got.InspectionEstimate)
	}
	if math.Abs(ch84.Mean-1.76/23) > 1e-9 || !(ch84.Low < ch84.Mean && ch84.Mean < ch84.High) || ch84.Interval != 0.9 {
		t.Errorf("chapter 84 posterior = %+v, want mean 1.76/23 inside its 90 %% interval", ch84)
	}
	if ch84.Baseline.Rate != 0.038 || ch84.Baseline.Source == "" {
		t.Errorf("baseline = %+v, want the notes' 3.8 %% with its source", ch84.Baseline)
	}

	// The shipment at New York has no history there: the baseline alone.
	ny := getJSON[inspectionResp](t, e, "auditor", apiShipPath+"/"+ids[3], "reading the New York shipment")
	if len(ny.InspectionEstimate) != 2 || ny.InspectionEstimate[0].Shipments != 0 || math.Abs(ny.InspectionEstimate[0].Mean-0.038) > 1e-12 {
		t.Errorf("New York estimates = %+v, want the baseline alone", ny.InspectionEstimate)
	}

	b := e.signedIn(t, "officer", "/shipments/"+ids[2])
	wantPage(t, b.get(t, "/shipments/"+ids[2]), http.StatusOK, "the shipment page", `<h2>Inspection estimate</h2>`,
		fmt.Sprintf(`<strong>7.7 %%</strong>, 90 %% interval %.1f %% to %.1f %%: inspected 1 of 3 shipments at 2704 Los Angeles, CA, chapter 84`, ch84.Low*100, ch84.High*100),
		`Baseline: 3.8 % for chapters 82, 84 (baseline from our notes (hardware tools), not measured), weighed as 20 shipments.`)
	wantPage(t, b.get(t, "/shipments/"+ids[3]), http.StatusOK, "the New York shipment page",
		`<strong>3.8 %</strong>`, `no shipment with a CBP disposition yet at 1001 New York, NY in chapter 84: the baseline alone`)

	m := e.signedIn(t, "manager", "/dashboard")
	wantPage(t, m.get(t, "/dashboard"), http.StatusOK, "the dashboard", `<h2>Inspection estimate by chapter and port</h2>`,
		`<td>84</td><td>2704`, `<td class="num">7.7 %</td>`, `<td class="num">1</td><td class="num">3</td><td class="num">3.8 %</td>`,
		`Baseline: 3.8 % for chapters 82, 84 (baseline from our notes (hardware tools), not measured), weighed as 20 shipments.`)
}
