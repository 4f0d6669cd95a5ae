package manifest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
)

// The cells of a release-list row: each parsed by its column's rule, its
// problem recorded under the column (see importcsv.go for the format).

func (r *csvRow) setEntry(cell string) {
	if n, err := domain.ParseEntryNumber(cell); err == nil {
		r.entry, r.entryOK = n, true
		return
	}
	r.entry = strings.TrimSpace(cell)
}

// parse reads a row with as many cells as the header: every cell is checked
// by itself here; agreement between rows is checked by assembleEntry.
func (r *csvRow) parse(rec []string, idx map[string]int) {
	r.cells = map[string]string{}
	for _, c := range csvColumns {
		if i, ok := idx[c.name]; ok {
			r.cells[c.name] = rec[i]
		}
	}
	cell := func(name string) string { return r.cells[name] }

	r.head = ShipmentInput{
		EntryNumber: cell("entry_number"), EntryType: cell("entry_type"),
		BLNumber: cell("bl_number"), ISFBLNumber: cell("isf_bl_number"),
		Carrier: cell("carrier"), VesselVoyage: cell("vessel_voyage"),
		Port: cell("port"), Terminal: cell("terminal"), Incoterm: cell("incoterm"),
		PickupNumber: cell("pickup_number"), PierPassAppointment: cell("pierpass_appointment"),
	}
	// Cell format errors override what Normalize says of the field left empty.
	cellErrs := FieldErrors{}
	if t, err := parseDateCell(cell("release_date")); err != nil {
		cellErrs["release_date"] = err.Error()
	} else {
		r.head.ReleaseDate = t
	}
	for _, d := range []struct {
		col string
		dst **time.Time
	}{
		{"discharge_date", &r.head.DischargeDate},
		{"available_date", &r.head.AvailableDate},
		{"entry_date", &r.head.EntryDate},
	} {
		t, err := parseDateCell(cell(d.col))
		if err != nil {
			cellErrs[d.col] = err.Error()
		} else if !t.IsZero() {
			*d.dst = &t
		}
	}
	if ds, err := parseDispositionsCell(cell("dispositions")); err != nil {
		cellErrs["dispositions"] = err.Error()
	} else {
		r.head.Dispositions = ds
	}
	if b, err := parseBoolCell(cell("recon_flagged")); err != nil {
		cellErrs["recon_flagged"] = err.Error()
	} else {
		r.head.ReconFlagged = b
	}
	fe := FieldErrors{}
	r.head.normalizeHeader(fe)
	if _, bad := fe["entry_number"]; !bad {
		r.entry, r.entryOK = r.head.EntryNumber, true
	} else {
		r.entry = cell("entry_number")
	}

	if num, seals, loc := cell("container_number"), cell("seals"), cell("container_location"); num != "" || seals != "" || loc != "" {
		c := Container{Number: num, Location: loc}
		if seals != "" {
			c.Seals = strings.Split(seals, "|")
		}
		c.normalize("", fe)
		r.cont = &c
	}
	lineCols := []string{"sku", "description", "hts", "value", "category"}
	if slices.ContainsFunc(lineCols, func(c string) bool { return cell(c) != "" }) {
		l := Line{SKU: cell("sku"), Description: cell("description"), HTS: domain.HTSCode(cell("hts")),
			Category: domain.ProductCategory(cell("category"))}
		if v := cell("value"); v == "" {
			cellErrs["value"] = "is required: the line's value in USD, e.g. 1234.50"
		} else if d, err := domain.ParseMoney(v); err != nil {
			cellErrs["value"] = err.Error()
		} else {
			l.Value = domain.USD{Decimal: d}
		}
		l.normalize("", fe)
		r.item = &l
	}
	if r.cont == nil && r.item == nil {
		r.add("", "the row has neither a container nor a line item")
	}
	for k, v := range cellErrs {
		fe[k] = v
	}
	r.addFieldErrors(fe)
}

// parseDateCell reads YYYY-MM-DD or an RFC 3339 time (its UTC day); "" is
// the zero time.
func parseDateCell(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return domain.Date(t), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: write it as YYYY-MM-DD, e.g. 2026-11-02", s)
}

// parseDispositionsCell reads "1C@2026-11-02T14:05:00Z;1H@2026-11-02T16:00:00Z".
func parseDispositionsCell(s string) ([]domain.Disposition, error) {
	var out []domain.Disposition
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, at, ok := strings.Cut(part, "@")
		if !ok {
			return nil, fmt.Errorf("%q: write each disposition as CODE@TIME, e.g. 1C@2026-11-02T14:05:00Z, separated by \";\"", part)
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(at))
		if err != nil {
			return nil, fmt.Errorf("%q: the time must be RFC 3339 with a zone, e.g. 2026-11-02T14:05:00Z", part)
		}
		out = append(out, domain.Disposition{Code: strings.TrimSpace(code), At: t})
	}
	return out, nil
}

func parseBoolCell(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false", "no", "n", "0":
		return false, nil
	case "true", "yes", "y", "1", "x":
		return true, nil
	}
	return false, fmt.Errorf("%q: write true or false", s)
}
