package manifest

// A broker's release list as JSON: an array of shipments, or an object
// {"shipments": [...]}, each shipment an object with the fields of
// ShipmentInput (snake_case, see model.go). Unknown fields are refused: at the
// top level the file is refused; in a shipment that shipment is rejected.
// Dates are "YYYY-MM-DD" (an RFC 3339 time is accepted, its UTC day counts);
// disposition times are RFC 3339; values are numbers or strings in plain
// decimal notation ("1234.50", see domain.ParseMoney). Text must be UTF-8 as
// sent (domain.CheckJSONText).
//
//	[{"entry_number": "ABC-1234567-8", "entry_type": "01", "bl_number": "MAEU123456789",
//	  "carrier": "MAEU", "port": "2704", "release_date": "2026-11-02", "incoterm": "FOB",
//	  "containers": [{"number": "CSQU3054383", "seals": ["SL1001"], "location": "Row 14 Bay 3"}],
//	  "lines": [{"sku": "DR-18V", "description": "cordless drill", "hts": "8467.21.0010",
//	             "value": "12500.00", "category": "lithium_battery_tool"}]}]
//
// RowError.Line is the 1-based index of the object in the array. One object is
// one shipment; an entry given twice is imported once when both objects are
// the same after normalising (the repeat is reported as a duplicate) and
// rejected with every object naming it when they differ.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
)

// ShipmentJSON is ShipmentInput as a file or an API request gives it: the same fields, with
// dates that may be written as "YYYY-MM-DD". A test keeps the two in step.
type ShipmentJSON struct {
	EntryNumber         string               `json:"entry_number"`
	EntryType           string               `json:"entry_type"`
	BLNumber            string               `json:"bl_number"`
	ISFBLNumber         string               `json:"isf_bl_number"`
	Carrier             string               `json:"carrier"`
	VesselVoyage        string               `json:"vessel_voyage"`
	Port                string               `json:"port"`
	Terminal            string               `json:"terminal"`
	Containers          []Container          `json:"containers"`
	DischargeDate       jsonDate             `json:"discharge_date"`
	AvailableDate       jsonDate             `json:"available_date"`
	ReleaseDate         jsonDate             `json:"release_date"`
	EntryDate           jsonDate             `json:"entry_date"`
	PickupNumber        string               `json:"pickup_number"`
	PierPassAppointment string               `json:"pierpass_appointment"`
	Dispositions        []domain.Disposition `json:"dispositions"`
	Incoterm            string               `json:"incoterm"`
	ReconFlagged        bool                 `json:"recon_flagged"`
	Lines               []LineJSON           `json:"lines"`
}

// LineJSON is a Line as JSON gives it: the value kept as written, so
// domain.ParseMoney reads it (no exponent, no more than cents, a ceiling).
type LineJSON struct {
	SKU         string                 `json:"sku"`
	Description string                 `json:"description"`
	HTS         domain.HTSCode         `json:"hts"`
	Value       domain.NumberText      `json:"value"`
	Category    domain.ProductCategory `json:"category"`
}

// Input is the shipment, its values parsed; fe names each value that is not
// an amount ("lines[0].value"), and is nil when every one is.
func (j ShipmentJSON) Input() (ShipmentInput, FieldErrors) {
	fe := FieldErrors{}
	var lines []Line
	for i, l := range j.Lines {
		line := Line{SKU: l.SKU, Description: l.Description, HTS: l.HTS, Category: l.Category}
		if v, err := domain.ParseMoney(string(l.Value)); err != nil {
			fe[fmt.Sprintf("lines[%d].value", i)] = err.Error()
		} else {
			line.Value = domain.USD{Decimal: v}
		}
		lines = append(lines, line)
	}
	if len(fe) == 0 {
		fe = nil
	}
	return ShipmentInput{
		EntryNumber: j.EntryNumber, EntryType: j.EntryType, BLNumber: j.BLNumber, ISFBLNumber: j.ISFBLNumber,
		Carrier: j.Carrier, VesselVoyage: j.VesselVoyage, Port: j.Port, Terminal: j.Terminal,
		Containers: j.Containers, DischargeDate: j.DischargeDate.ptr(), AvailableDate: j.AvailableDate.ptr(),
		ReleaseDate: j.ReleaseDate.t, EntryDate: j.EntryDate.ptr(), PickupNumber: j.PickupNumber,
		PierPassAppointment: j.PierPassAppointment, Dispositions: j.Dispositions, Incoterm: j.Incoterm,
		ReconFlagged: j.ReconFlagged, Lines: lines,
	}, fe
}

// jsonDate reads "YYYY-MM-DD", an RFC 3339 time, "" or null.
type jsonDate struct{ t time.Time }

func (d *jsonDate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date %s: write it as a string \"YYYY-MM-DD\"", b)
	}
	t, err := parseDateCell(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	d.t = t
	return nil
}

func (d jsonDate) ptr() *time.Time {
	if d.t.IsZero() {
		return nil
	}
	t := d.t
	return &t
}

// jsonObject is one object of the array as read.
type jsonObject struct {
	n       int // 1-based index
	entry   string
	entryOK bool
	ship    ShipmentInput
	canon   []byte // the normalised shipment, to compare repeats
	reason  string // why the object is invalid; "" when valid
}

func parseJSON(data []byte) (ImportResult, error) {
	items, err := jsonItems(data)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	groups := map[string][]*jsonObject{}
	var order []string
	for i, raw := range items {
		o := readJSONObject(i+1, raw)
		if !o.entryOK {
			res.Rejected = append(res.Rejected, RowError{Line: o.n, Entry: o.entry, Reason: o.reason})
			continue
		}
		if _, ok := groups[o.entry]; !ok {
			order = append(order, o.entry)
		}
		groups[o.entry] = append(groups[o.entry], o)
	}

	for _, entry := range order {
		objs := groups[entry]
		var bad, all []int
		for _, o := range objs {
			all = append(all, o.n)
			if o.reason != "" {
				bad = append(bad, o.n)
			}
		}
		same := true
		for _, o := range objs[1:] {
			same = same && bytes.Equal(o.canon, objs[0].canon)
		}
		switch {
		case len(bad) > 0:
			for _, o := range objs {
				reason := o.reason
				if reason == "" {
					reason = rejectedWith("object", entry, bad)
				}
				res.Rejected = append(res.Rejected, RowError{Line: o.n, Entry: entry, Reason: reason})
			}
		case !same:
			for _, o := range objs {
				res.Rejected = append(res.Rejected, RowError{Line: o.n, Entry: entry,
					Reason: fmt.Sprintf("entry %s is given by %s with different data: one shipment per entry", entry, linesPhrase("object", all))})
			}
		default:
			res.Shipments = append(res.Shipments, objs[0].ship)
			for _, o := range objs[1:] {
				res.Rejected = append(res.Rejected, RowError{Line: o.n, Entry: entry,
					Reason: fmt.Sprintf("duplicate of object %d: ignored", objs[0].n), Duplicate: true})
			}
		}
	}
	sortRejected(res.Rejected)
	return res, nil
}

// jsonItems splits the file into the raw objects of its array; anything that
// is not such an array (or {"shipments": array}) refuses the file.
func jsonItems(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("release list is empty: expected a JSON array of shipments")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var items []json.RawMessage
	switch trimmed[0] {
	case '[':
		if err := dec.Decode(&items); err != nil {
			return nil, fmt.Errorf("release list is not valid JSON: %w", err)
		}
	case '{':
		var wrapper struct {
			Shipments *[]json.RawMessage `json:"shipments"`
		}
		dec.DisallowUnknownFields()
		if err := dec.Decode(&wrapper); err != nil {
			return nil, fmt.Errorf("release list is not a JSON array of shipments or {\"shipments\": [...]}: %w", err)
		}
		if wrapper.Shipments == nil {
			return nil, fmt.Errorf("release list: the object has no \"shipments\" array")
		}
		items = *wrapper.Shipments
	default:
		return nil, fmt.Errorf("release list is not JSON: expected an array of shipments or {\"shipments\": [...]}")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("release list is not valid JSON: data after the end of the list")
	}
	return items, nil
}

func readJSONObject(n int, raw json.RawMessage) *jsonObject {
	o := &jsonObject{n: n}
	var probe struct {
		EntryNumber string `json:"entry_number"`
	}
	_ = json.Unmarshal(raw, &probe) // a best guess when the strict read fails
	if e, err := domain.ParseEntryNumber(probe.EntryNumber); err == nil {
		o.entry, o.entryOK = e, true
	} else {
		o.entry = strings.TrimSpace(probe.EntryNumber)
	}

	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		o.reason = fmt.Sprintf("object %d is not a JSON object", n)
		return o
	}
	if field, err := domain.CheckJSONText(raw); err != nil {
		o.reason = field + ": " + err.Error()
		return o
	}
	var js ShipmentJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&js); err != nil {
		o.reason = jsonErrorText(err)
		return o
	}
	var valueErrs FieldErrors
	o.ship, valueErrs = js.Input()
	fe := o.ship.Normalize()
	if len(valueErrs) > 0 {
		if fe == nil {
			fe = FieldErrors{}
		}
		maps.Copy(fe, valueErrs) // the value's own message says more than Normalize's on the zero it left
	}
	if fe != nil {
		o.reason = fe.Error()
		if _, bad := fe["entry_number"]; bad {
			o.entryOK = false
		}
		return o
	}
	o.canon, _ = json.Marshal(o.ship) // a ShipmentInput always marshals
	return o
}

// jsonErrorText says what the decoder refused, naming the field.
func jsonErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%s: a JSON %s cannot be read as %s", te.Field, te.Value, te.Type)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
