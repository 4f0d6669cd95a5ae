package manifest

// A broker's release list as CSV (UTF-8, comma-separated, RFC 4180 quoting;
// a field may not span lines). The first non-blank line is the header; column
// names are case-insensitive, in any order, spaces or dashes may stand for
// underscores ("Entry Number"). An unknown or repeated column refuses the
// file, as does a missing required column (*). Every other line is one row:
// one container × one line item of an entry. Blank lines and rows of empty
// cells are skipped.
//
// Shipment-level columns (must agree on every row of the entry):
//
//	entry_number *  ABC-1234567-8 (dashes optional); rows with the same entry
//	                number make one shipment
//	entry_type *    2 digits, 01; a single digit is padded (1 → 01)
//	bl_number *     bill of lading number
//	isf_bl_number   B/L number as filed in the ISF
//	carrier *       SCAC, 2–4 letters, MAEU
//	vessel_voyage   free text, MAERSK ESSEN 432E
//	port *          CBP port code, 2704
//	terminal        free text, APM Terminals Pier 400
//	discharge_date  YYYY-MM-DD (or an RFC 3339 time; its UTC day counts)
//	available_date  YYYY-MM-DD; needs discharge_date, not before it
//	release_date *  YYYY-MM-DD
//	entry_date      YYYY-MM-DD; when empty the release date stands for it
//	pickup_number   the terminal's pickup number, letters and digits (spaces
//	                and dashes are dropped); when empty, officers record it
//	pierpass_appointment
//	                PierPass appointment number, written like pickup_number;
//	                when empty, officers record it
//	dispositions    ACE dispositions, CODE@RFC3339 separated by ";":
//	                1C@2026-11-02T14:05:00Z;1H@2026-11-02T16:00:00Z
//	incoterm *      Incoterms 2020: EXW FCA FAS FOB CFR CIF CPT CIP DAP DPU DDP
//	recon_flagged   true/false, yes/no, y/n, 1/0 or x; empty is false
//
// Container columns (a row may leave all three empty):
//
//	container_number *  ISO 6346 with a valid check digit, CSQU3054383;
//	                    rows naming the same container make one container
//	seals               declared seal numbers separated by "|": SL1001|SL1002;
//	                    every row naming a container must give the same seals
//	container_location  the container's place in the terminal yard, free
//	                    text (Row 14 Bay 3); every row naming a container
//	                    must give the same location
//
// Line item columns (a row may leave all five empty):
//
//	sku *          one line of at most 64 characters; rows naming the same SKU make one
//	               line and must agree on its other columns
//	description *  the goods, at most 500 characters
//	hts *          HTS code, 8467.21.0010 or 8467210010
//	value *        the line's entered value in USD in plain decimal notation:
//	               1234.50 (no "$", thousands separators or exponent; at most
//	               10,000,000,000.00); the line's total, not per container
//	category *     power_tool, pneumatic_tool, lithium_battery_tool or other
//	               ("Power Tool" is accepted)
//
// A row with a container and a line item states both; a row may carry only a
// container or only a line item, but not neither. So a shipment of 2
// containers and 3 lines may be given as 6 rows (the cross product), as 3 rows
// (lines, each with some container), or as 5 rows (2 container-only rows and 3
// line-only rows).
//
// A row that repeats an earlier row cell for cell is reported as a duplicate
// and ignored. A row whose entry number is missing or invalid is rejected by
// itself (it cannot be tied to a shipment). Any other invalid row, and any
// disagreement between the rows of an entry, rejects that entry's shipment as
// a whole.

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

type columnLevel int

const (
	levelShipment columnLevel = iota
	levelContainer
	levelLine
)

type csvColumn struct {
	name     string
	required bool
	level    columnLevel
}

// csvColumns in documentation order, the order a row's reasons are listed in.
var csvColumns = []csvColumn{
	{"entry_number", true, levelShipment},
	{"entry_type", true, levelShipment},
	{"bl_number", true, levelShipment},
	{"isf_bl_number", false, levelShipment},
	{"carrier", true, levelShipment},
	{"vessel_voyage", false, levelShipment},
	{"port", true, levelShipment},
	{"terminal", false, levelShipment},
	{"discharge_date", false, levelShipment},
	{"available_date", false, levelShipment},
	{"release_date", true, levelShipment},
	{"entry_date", false, levelShipment},
	{"pickup_number", false, levelShipment},
	{"pierpass_appointment", false, levelShipment},
	{"dispositions", false, levelShipment},
	{"incoterm", true, levelShipment},
	{"recon_flagged", false, levelShipment},
	{"container_number", true, levelContainer},
	{"seals", false, levelContainer},
	{"container_location", false, levelContainer},
	{"sku", true, levelLine},
	{"description", true, levelLine},
	{"hts", true, levelLine},
	{"value", true, levelLine},
	{"category", true, levelLine},
}

// CSVColumns lists the release list's CSV columns in their documented order.
func CSVColumns() []string {
	out := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		out[i] = c.name
	}
	return out
}

func columnIndex(name string) int {
	return slices.IndexFunc(csvColumns, func(c csvColumn) bool { return c.name == name })
}

// csvRow is one data row as parsed, before its entry is assembled.
type csvRow struct {
	line    int
	cells   map[string]string // column → trimmed cell; nil when the row could not be split into columns
	entry   string            // canonical entry number, or as written when invalid
	entryOK bool
	head    ShipmentInput // shipment-level fields, normalised
	cont    *Container
	item    *Line
	errs    []rowProblem
}

// rowProblem is a reason a row is bad; column is "" for the row as a whole.
type rowProblem struct {
	column string
	msg    string
}

func (r *csvRow) add(column, msg string) {
	p := rowProblem{column, msg}
	if !slices.Contains(r.errs, p) {
		r.errs = append(r.errs, p)
	}
}

func (r *csvRow) bad() bool { return len(r.errs) > 0 }

func (r *csvRow) hasErr(column string) bool {
	return slices.ContainsFunc(r.errs, func(p rowProblem) bool { return p.column == column })
}

// reason lists the row's problems, column problems in column order first.
func (r *csvRow) reason() string {
	ps := slices.Clone(r.errs)
	rank := func(p rowProblem) int {
		if p.column == "" {
			return len(csvColumns)
		}
		if i := columnIndex(p.column); i >= 0 {
			return i
		}
		return -1 // "containers", "lines": the shipment as a whole
	}
	slices.SortStableFunc(ps, func(a, b rowProblem) int { return rank(a) - rank(b) })
	parts := make([]string, len(ps))
	for i, p := range ps {
		if p.column == "" {
			parts[i] = p.msg
		} else {
			parts[i] = p.column + ": " + p.msg
		}
	}
	return strings.Join(parts, "; ")
}

// addFieldErrors files Normalize's errors under the CSV column they concern
// ("seals[1]" → seals, "number" → container_number, "dispositions[0].code" →
// dispositions), in key order so the result does not depend on map order.
func (r *csvRow) addFieldErrors(fe FieldErrors) {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r.add(keyColumn(k), fe[k])
	}
}

// keyColumn maps a Normalize field key, relative to a container or line or
// shipment-level, to its CSV column.
func keyColumn(key string) string {
	if i := strings.IndexAny(key, "[."); i >= 0 {
		key = key[:i]
	}
	switch key {
	case "number":
		return "container_number"
	case "location":
		return "container_location"
	}
	return key
}

func parseCSV(data []byte) (ImportResult, error) {
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return ImportResult{}, fmt.Errorf("release list is not CSV text: it holds binary data or text that is not UTF-8 (save it as \"CSV UTF-8\")")
	}
	lines := strings.Split(strings.TrimPrefix(string(data), "\uFEFF"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	hi := slices.IndexFunc(lines, func(l string) bool { return strings.TrimSpace(l) != "" })
	if hi < 0 {
		return ImportResult{}, fmt.Errorf("release list is empty: expected a header row with the columns %s", strings.Join(CSVColumns(), ", "))
	}
	header, err := splitCSVLine(lines[hi])
	if err != nil {
		return ImportResult{}, fmt.Errorf("release list header (line %d) is not valid CSV: %w", hi+1, err)
	}
	idx, err := mapHeader(header)
	if err != nil {
		return ImportResult{}, fmt.Errorf("release list header (line %d): %w", hi+1, err)
	}

	var res ImportResult
	firstSeen := map[string]int{} // a row's cells → the line that first had them
	groups := map[string]*[]*csvRow{}
	var order []string  // entries in order of first appearance
	var loose []*csvRow // rows without a valid entry number
	for i := hi + 1; i < len(lines); i++ {
		raw, ln := lines[i], i+1
		if strings.TrimSpace(raw) == "" {
			continue
		}
		row := &csvRow{line: ln}
		rec, err := splitCSVLine(raw)
		var key string
		if err != nil {
			key = "\x00" + raw
			row.setEntry(naiveCell(raw, idx["entry_number"]))
			row.add("", fmt.Sprintf("not valid CSV: %v", err))
		} else {
			for j := range rec {
				rec[j] = strings.TrimSpace(rec[j])
			}
			if !slices.ContainsFunc(rec, func(c string) bool { return c != "" }) {
				continue
			}
			key = strings.Join(rec, "\x1f")
			if len(rec) != len(header) {
				if e := idx["entry_number"]; e < len(rec) {
					row.setEntry(rec[e])
				}
				msg := fmt.Sprintf("has %d columns, the header has %d", len(rec), len(header))
				if strings.Contains(raw, `"`) {
					msg += ` (check the quotes: a field with a comma is written in quotes, and a quote inside it is doubled, "1/2"" drive")`
				}
				row.add("", msg)
			} else {
				row.parse(rec, idx)
			}
		}
		if first, dup := firstSeen[key]; dup {
			res.Rejected = append(res.Rejected, RowError{Line: ln, Entry: row.entry,
				Reason: fmt.Sprintf("duplicate of line %d: ignored", first), Duplicate: true})
			continue
		}
		firstSeen[key] = ln
		if !row.entryOK {
			loose = append(loose, row)
			continue
		}
		g, ok := groups[row.entry]
		if !ok {
			g = &[]*csvRow{}
			groups[row.entry] = g
			order = append(order, row.entry)
		}
		*g = append(*g, row)
	}

	for _, row := range loose {
		res.Rejected = append(res.Rejected, RowError{Line: row.line, Entry: row.entry, Reason: row.reason()})
	}
	for _, entry := range order {
		rows := *groups[entry]
		s, ok := assembleEntry(rows)
		if ok {
			res.Shipments = append(res.Shipments, s)
			continue
		}
		var bad []int
		for _, r := range rows {
			if r.bad() {
				bad = append(bad, r.line)
			}
		}
		for _, r := range rows {
			reason := rejectedWith("line", entry, bad)
			if r.bad() {
				reason = r.reason()
			}
			res.Rejected = append(res.Rejected, RowError{Line: r.line, Entry: entry, Reason: reason})
		}
	}
	sortRejected(res.Rejected)
	return res, nil
}

// splitCSVLine splits one physical line into fields. Quotes are lenient: a
// quote inside an unquoted field is kept (1/2" drive).
func splitCSVLine(s string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err == io.EOF {
		return []string{""}, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	return rec, nil
}

// naiveCell is the i-th comma-separated cell of a line that is not valid CSV,
// quotes trimmed: a best guess at the entry number, so that the row still
// rejects its entry.
func naiveCell(raw string, i int) string {
	cells := strings.Split(raw, ",")
	if i >= len(cells) {
		return ""
	}
	return strings.Trim(strings.TrimSpace(cells[i]), `"`)
}

// mapHeader maps each known column to its position; unknown, repeated and
// missing required columns are one error that names them all.
func mapHeader(header []string) (map[string]int, error) {
	idx := map[string]int{}
	var unknown, repeated, missing []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		name = strings.NewReplacer(" ", "_", "-", "_").Replace(name)
		switch {
		case name == "":
			unknown = append(unknown, fmt.Sprintf("(column %d has no name)", i+1))
		case columnIndex(name) < 0:
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(h)))
		default:
			if _, dup := idx[name]; dup {
				repeated = append(repeated, name)
			}
			idx[name] = i
		}
	}
	for _, c := range csvColumns {
		if _, ok := idx[c.name]; !ok && c.required {
			missing = append(missing, c.name)
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing required columns: "+strings.Join(missing, ", "))
	}
	if len(unknown) > 0 {
		parts = append(parts, "unknown columns: "+strings.Join(unknown, ", "))
	}
	if len(repeated) > 0 {
		parts = append(parts, "repeated columns: "+strings.Join(repeated, ", "))
	}
	if len(parts) > 0 {
		return nil, fmt.Errorf("%s (the columns are %s)", strings.Join(parts, "; "), strings.Join(CSVColumns(), ", "))
	}
	return idx, nil
}
