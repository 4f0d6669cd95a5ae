package manifest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Assembling an entry from its CSV rows: the shipment's columns must agree within an entry, a container's within the container, and a line's within its SKU; the rows that disagree are named.

// shipmentColumnValue is a row's canonical value of a shipment-level column,
// the value rows of one entry must agree on.
func shipmentColumnValue(s *ShipmentInput, column string) string {
	optDay := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return day(*t)
	}
	switch column {
	case "entry_number":
		return s.EntryNumber
	case "entry_type":
		return s.EntryType
	case "bl_number":
		return s.BLNumber
	case "isf_bl_number":
		return s.ISFBLNumber
	case "carrier":
		return s.Carrier
	case "vessel_voyage":
		return s.VesselVoyage
	case "port":
		return s.Port
	case "terminal":
		return s.Terminal
	case "discharge_date":
		return optDay(s.DischargeDate)
	case "available_date":
		return optDay(s.AvailableDate)
	case "release_date":
		return day(s.ReleaseDate)
	case "entry_date":
		return optDay(s.EntryDate)
	case "pickup_number":
		return s.PickupNumber
	case "pierpass_appointment":
		return s.PierPassAppointment
	case "dispositions":
		parts := make([]string, len(s.Dispositions))
		for i, d := range s.Dispositions {
			parts[i] = d.Code + "@" + d.At.Format(time.RFC3339)
		}
		return strings.Join(parts, ";")
	case "incoterm":
		return s.Incoterm
	case "recon_flagged":
		return strconv.FormatBool(s.ReconFlagged)
	}
	panic("shipments: no shipment-level column " + column)
}

func lineColumnValue(l *Line, column string) string {
	switch column {
	case "description":
		return l.Description
	case "hts":
		return string(l.HTS)
	case "value":
		return l.Value.StringFixed(2)
	case "category":
		return string(l.Category)
	}
	panic("shipments: no line column " + column)
}

// disagreement collects the values rows give for one thing, in order of
// first appearance, and describes them when they differ.
type disagreement struct {
	values []string
	lines  map[string][]int
	rows   []*csvRow
}

func (d *disagreement) see(r *csvRow, v string) {
	if d.lines == nil {
		d.lines = map[string][]int{}
	}
	if _, ok := d.lines[v]; !ok {
		d.values = append(d.values, v)
	}
	d.lines[v] = append(d.lines[v], r.line)
	d.rows = append(d.rows, r)
}

// blame adds "<what> between the rows of the entry: "A" on lines 2, 3; "B"
// on line 4" to every row that gave a value, when they differ.
func (d *disagreement) blame(column, what string) {
	if len(d.values) < 2 {
		return
	}
	parts := make([]string, len(d.values))
	for i, v := range d.values {
		shown := strconv.Quote(v)
		if v == "" {
			shown = "empty"
		}
		parts[i] = shown + " on " + linesPhrase("line", d.lines[v])
	}
	msg := what + " between the rows of the entry: " + strings.Join(parts, "; ")
	for _, r := range d.rows {
		r.add(column, msg)
	}
}

// agreeWithin groups rows by key (rows for which key says false are left out)
// and blames column on the rows of every group whose value differs, with the
// group's message; groups in order of first appearance.
func agreeWithin(rows []*csvRow, key func(*csvRow) (string, bool), value func(*csvRow) string, column string, what func(key string) string) {
	groups := map[string]*disagreement{}
	var order []string
	for _, r := range rows {
		k, ok := key(r)
		if !ok {
			continue
		}
		d, seen := groups[k]
		if !seen {
			d = &disagreement{}
			groups[k] = d
			order = append(order, k)
		}
		d.see(r, value(r))
	}
	for _, k := range order {
		groups[k].blame(column, what(k))
	}
}

// assembleEntry checks that the rows of one entry agree and makes its
// shipment. ok is false when any row is bad: the rows carry the reasons.
func assembleEntry(rows []*csvRow) (ShipmentInput, bool) {
	parsed := slices.DeleteFunc(slices.Clone(rows), func(r *csvRow) bool { return r.cells == nil })

	for _, c := range csvColumns {
		if c.level != levelShipment || c.name == "entry_number" {
			continue
		}
		var d disagreement
		for _, r := range parsed {
			if !r.hasErr(c.name) {
				d.see(r, shipmentColumnValue(&r.head, c.name))
			}
		}
		d.blame(c.name, "differs")
	}

	agreeWithin(parsed, func(r *csvRow) (string, bool) {
		if r.cont == nil || r.hasErr("container_number") || r.hasErr("seals") {
			return "", false
		}
		return r.cont.Number, true
	}, func(r *csvRow) string {
		seals := slices.Clone(r.cont.Seals)
		slices.Sort(seals)
		return strings.Join(seals, "|")
	}, "seals", func(n string) string { return "container " + n + ": the declared seals differ" })

	agreeWithin(parsed, func(r *csvRow) (string, bool) {
		if r.cont == nil || r.hasErr("container_number") || r.hasErr("container_location") {
			return "", false
		}
		return r.cont.Number, true
	}, func(r *csvRow) string { return r.cont.Location },
		"container_location", func(n string) string { return "container " + n + ": the location differs" })

	for _, col := range []string{"description", "hts", "value", "category"} {
		agreeWithin(parsed, func(r *csvRow) (string, bool) {
			if r.item == nil || r.hasErr("sku") || r.hasErr(col) {
				return "", false
			}
			return r.item.SKU, true
		}, func(r *csvRow) string { return lineColumnValue(r.item, col) },
			col, func(sku string) string { return "SKU " + sku + ": " + col + " differs" })
	}

	if slices.ContainsFunc(rows, (*csvRow).bad) {
		return ShipmentInput{}, false
	}

	// Every row is valid and they agree: one shipment, containers and lines
	// in order of first appearance, each remembered with its first row.
	s := rows[0].head
	s.Containers, s.Lines = nil, nil
	var contRow, lineRow []*csvRow
	for _, r := range rows {
		if r.cont != nil && !slices.ContainsFunc(s.Containers, func(c Container) bool { return c.Number == r.cont.Number }) {
			s.Containers = append(s.Containers, *r.cont)
			contRow = append(contRow, r)
		}
		if r.item != nil && !slices.ContainsFunc(s.Lines, func(l Line) bool { return l.SKU == r.item.SKU }) {
			s.Lines = append(s.Lines, *r.item)
			lineRow = append(lineRow, r)
		}
	}
	fe := s.Normalize()
	if fe == nil {
		return s, true
	}
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		row, column := rows[0], keyColumn(k)
		var i int
		if n, _ := fmt.Sscanf(k, "containers[%d].", &i); n == 1 {
			row, column = contRow[i], keyColumn(k[strings.Index(k, ".")+1:])
		} else if n, _ := fmt.Sscanf(k, "lines[%d].", &i); n == 1 {
			row, column = lineRow[i], keyColumn(k[strings.Index(k, ".")+1:])
		}
		row.add(column, fe[k])
	}
	return ShipmentInput{}, false
}
