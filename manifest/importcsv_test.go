package manifest

import (
	"encoding/csv"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// csvRowOf is one row: the base row of entry PRX-2600101-4 with the given
// column, value pairs changed.
func csvRowOf(pairs ...string) map[string]string {
	r := map[string]string{
		"entry_number": "PRX-2600101-4", "entry_type": "01", "bl_number": "MAEU263318842", "isf_bl_number": "MAEU263318842",
		"carrier": "MAEU", "vessel_voyage": "MAERSK ESSEN 645E", "port": "2704", "terminal": "APM Terminals Pier 400",
		"discharge_date": "2026-11-02", "available_date": "2026-11-03", "release_date": "2026-11-01",
		"dispositions": "1C@2026-11-01T18:22:00Z", "incoterm": "FOB", "recon_flagged": "false",
		"container_number": "MSKU1234565", "seals": "ML4411001",
		"sku": "DRL-18V-LI", "description": "Cordless drill, 18V", "hts": "8467.21.0010", "value": "48250.00", "category": "lithium_battery_tool",
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		r[pairs[i]] = pairs[i+1]
	}
	return r
}

// entryB is a second entry, at Long Beach.
func entryB(pairs ...string) map[string]string {
	base := []string{"entry_number", "PRX-2600103-0", "bl_number", "COSU6331450210", "isf_bl_number", "", "carrier", "COSU",
		"port", "2709", "container_number", "CSQU3054383", "seals", "CS0091234", "sku", "GRD-115-AC", "description", "Angle grinder",
		"hts", "8467.29.0030", "value", "17640", "category", "power_tool", "dispositions", ""}
	return csvRowOf(append(base, pairs...)...)
}

// csvText writes the header (all columns) and the rows; extra raw lines are
// appended as they are.
func csvText(rows []map[string]string, raw ...string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(CSVColumns())
	for _, r := range rows {
		rec := make([]string, 0, len(csvColumns))
		for _, c := range CSVColumns() {
			rec = append(rec, r[c])
		}
		_ = w.Write(rec)
	}
	w.Flush()
	for _, l := range raw {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// parseText parses a release list in format ("csv" or "json").
func parseText(t *testing.T, format, text string) ImportResult {
	t.Helper()
	res, err := ParseReleaseList(strings.NewReader(text), format)
	if err != nil {
		t.Fatalf("ParseReleaseList: %v", err)
	}
	return res
}

func parseCSVText(t *testing.T, text string) ImportResult {
	t.Helper()
	return parseText(t, "csv", text)
}

// socketSet is a second line for entry PRX-2600101-4, as column, value
// pairs for csvRowOf.
var socketSet = []string{"sku", "SKT-40-CRV", "description", "Socket set", "hts", "8204.20.0000", "value", "6410.50", "category", "other"}

// withSocketSet is socketSet with more column, value pairs.
func withSocketSet(extra ...string) []string { return append(slices.Clone(socketSet), extra...) }

// csvCase is a release list and what parsing it gives: the entries imported,
// in order (none when nil), and the lines rejected.
type csvCase struct {
	name        string
	rows        []map[string]string
	raw         []string // lines appended after the rows, as they are
	wantEntries []string
	want        []rejection
}

func runCSVCases(t *testing.T, tests []csvCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseCSVText(t, csvText(tt.rows, tt.raw...))
			if got := entries(res.Shipments); !slices.Equal(got, tt.wantEntries) {
				t.Errorf("shipments = %v, want %v", got, tt.wantEntries)
			}
			checkRejected(t, res.Rejected, tt.want)
		})
	}
}

func entries(ss []ShipmentInput) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.EntryNumber)
	}
	return out
}

func TestCSVGrouping(t *testing.T) {
	a1 := func(pairs ...string) map[string]string { return csvRowOf(pairs...) }
	c2 := []string{"container_number", "MAEU7654320", "seals", "ML4411003|ML4411002"}
	l2 := []string{"sku", "SKT-40-CRV", "description", "Socket set", "hts", "8204200000", "value", "6410.5", "category", "Other"}
	l3 := []string{"sku", "IMP-12-PN", "description", `1/2" impact wrench`, "hts", "8467.11.1000", "value", "15320", "category", "pneumatic tool"}
	noLine := []string{"sku", "", "description", "", "hts", "", "value", "", "category", ""}
	noCont := []string{"container_number", "", "seals", ""}

	tests := []struct {
		name           string
		rows           []map[string]string
		wantEntries    []string
		wantContainers [][]string // per shipment
		wantSKUs       [][]string
	}{
		{
			name: "cross product 2 containers x 3 lines",
			rows: []map[string]string{
				a1(), a1(l2...), a1(l3...),
				a1(c2...), a1(append(c2, l2...)...), a1(append(c2, l3...)...),
			},
			wantEntries:    []string{"PRX-2600101-4"},
			wantContainers: [][]string{{"MSKU1234565", "MAEU7654320"}},
			wantSKUs:       [][]string{{"DRL-18V-LI", "SKT-40-CRV", "IMP-12-PN"}},
		},
		{
			name: "container-only and line-only rows",
			rows: []map[string]string{
				a1(noLine...), a1(append(c2, noLine...)...), a1(noCont...), a1(append(noCont, l2...)...),
			},
			wantEntries:    []string{"PRX-2600101-4"},
			wantContainers: [][]string{{"MSKU1234565", "MAEU7654320"}},
			wantSKUs:       [][]string{{"DRL-18V-LI", "SKT-40-CRV"}},
		},
		{
			name: "entries interleaved keep the order of first appearance",
			rows: []map[string]string{
				entryB(), a1(), entryB("sku", "TAP-5M", "description", "Tape", "hts", "9017.80.8000", "value", "980.25", "category", "other"), a1(l2...),
			},
			wantEntries:    []string{"PRX-2600103-0", "PRX-2600101-4"},
			wantContainers: [][]string{{"CSQU3054383"}, {"MSKU1234565"}},
			wantSKUs:       [][]string{{"GRD-115-AC", "TAP-5M"}, {"DRL-18V-LI", "SKT-40-CRV"}},
		},
		{
			name: "entry number written differently is the same entry",
			rows: []map[string]string{
				a1(), a1(append([]string{"entry_number", "prx26001014"}, l2...)...),
			},
			wantEntries:    []string{"PRX-2600101-4"},
			wantContainers: [][]string{{"MSKU1234565"}},
			wantSKUs:       [][]string{{"DRL-18V-LI", "SKT-40-CRV"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseCSVText(t, csvText(tt.rows))
			if len(res.Rejected) != 0 {
				t.Fatalf("rejected: %+v", res.Rejected)
			}
			if got := entries(res.Shipments); !reflect.DeepEqual(got, tt.wantEntries) {
				t.Fatalf("entries = %v, want %v", got, tt.wantEntries)
			}
			for i, s := range res.Shipments {
				var cs, skus []string
				for _, c := range s.Containers {
					cs = append(cs, c.Number)
				}
				for _, l := range s.Lines {
					skus = append(skus, l.SKU)
				}
				if !reflect.DeepEqual(cs, tt.wantContainers[i]) || !reflect.DeepEqual(skus, tt.wantSKUs[i]) {
					t.Errorf("shipment %d: containers %v, SKUs %v; want %v, %v", i, cs, skus, tt.wantContainers[i], tt.wantSKUs[i])
				}
				if fe := s.Normalize(); fe != nil {
					t.Errorf("shipment %d does not normalise: %v", i, fe)
				}
			}
		})
	}
}

func TestCSVShipmentContent(t *testing.T) {
	head := []string{"entry_type", "1", "carrier", "maeu", "incoterm", "fob", "recon_flagged", "Yes",
		"dispositions", "1H@2026-11-01T20:00:00Z; 1c@2026-11-01T18:22:00Z"}
	res := parseCSVText(t, csvText([]map[string]string{
		csvRowOf(append(head, "seals", "ml-4411001|ML4411009",
			"category", "Lithium Battery Tool", "hts", "8467210010", "value", "48250.5",
			"entry_date", "2026-10-31", "pickup_number", "apm-447 1902", "pierpass_appointment", "pp-26110301",
			"container_location", " Block C Row 14 Slot 3 ")...),
		// A second container, without a location, on a container-only row
		// that writes the same shipment values differently.
		csvRowOf(append(head, "container_number", "MAEU7654320", "seals", "ML4411002",
			"sku", "", "description", "", "hts", "", "value", "", "category", "",
			"entry_date", "2026-10-31T23:00:00Z", "pickup_number", "APM4471902", "pierpass_appointment", "PP26110301")...),
	}))
	if len(res.Shipments) != 1 {
		t.Fatalf("got %v, rejected %s", entries(res.Shipments), dumpRejected(res.Rejected))
	}
	s := res.Shipments[0]
	checks := []struct{ what, got, want string }{
		{"entry type", s.EntryType, "01"},
		{"carrier", s.Carrier, "MAEU"},
		{"incoterm", s.Incoterm, "FOB"},
		{"recon", fmt.Sprint(s.ReconFlagged), "true"},
		{"dispositions", fmt.Sprint(s.Dispositions[0].Code, s.Dispositions[1].Code), "1C1H"},
		{"seals", strings.Join(s.Containers[0].Seals, "|"), "ML4411001|ML4411009"},
		{"category", string(s.Lines[0].Category), "lithium_battery_tool"},
		{"hts", string(s.Lines[0].HTS), "8467.21.0010"},
		{"value", s.Lines[0].Value.StringFixed(2), "48250.50"},
		{"release", s.ReleaseDate.Format("2006-01-02"), "2026-11-01"},
		{"available", s.AvailableDate.Format("2006-01-02"), "2026-11-03"},
		{"id", s.ID(), "SH-PRX26001014"},
		{"entry date", s.EntryDate.Format("2006-01-02"), "2026-10-31"},
		{"pickup number", s.PickupNumber, "APM4471902"},
		{"PierPass appointment", s.PierPassAppointment, "PP26110301"},
		{"location", s.Containers[0].Location, "Block C Row 14 Slot 3"},
		{"second container's location", s.Containers[1].Location, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
}

// rejection is what a test expects of one rejected row.
type rejection struct {
	line      int
	entry     string
	reason    string // substring
	duplicate bool
}

func checkRejected(t *testing.T, got []RowError, want []rejection) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("rejected %d rows, want %d:\n%s", len(got), len(want), dumpRejected(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Line != w.line || g.Entry != w.entry || !strings.Contains(g.Reason, w.reason) || g.Duplicate != w.duplicate {
			t.Errorf("rejected[%d] = %+v, want line %d entry %q duplicate %v reason containing %q", i, g, w.line, w.entry, w.duplicate, w.reason)
		}
	}
}

func dumpRejected(rs []RowError) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %+v\n", r)
	}
	return b.String()
}

func TestCSVMalformedRows(t *testing.T) {
	const a, b = "PRX-2600101-4", "PRX-2600103-0"
	good := csvText([]map[string]string{csvRowOf()}) // header + line 2
	goodRow := strings.Split(good, "\n")[1]
	ncol := len(csvColumns)

	runCSVCases(t, []csvCase{
		{
			name:        "bad HTS rejects the whole entry, not the other entry",
			rows:        []map[string]string{csvRowOf(), csvRowOf(withSocketSet("hts", "8204.20.000")...), entryB()},
			wantEntries: []string{b},
			want: []rejection{
				{2, a, "rejected with entry PRX-2600101-4 (line 3 is invalid)", false},
				{3, a, `hts: HTS code "8204.20.000": needs 10 digits`, false},
			},
		},
		{
			name:        "value with an exponent",
			rows:        []map[string]string{csvRowOf("value", "1e30"), entryB()},
			wantEntries: []string{b},
			want:        []rejection{{2, a, `value: "1e30" is not an amount: write it in plain digits, without an exponent`, false}},
		},
		{
			name:        "value over the ceiling",
			rows:        []map[string]string{csvRowOf("value", "20000000000")},
			wantEntries: []string{},
			want:        []rejection{{2, a, "value: 20000000000.00 is more than USD 10,000,000,000.00", false}},
		},
		{
			name:        "SKU with a control character",
			rows:        []map[string]string{csvRowOf("sku", "DRL\x1b18V")},
			wantEntries: []string{},
			want:        []rejection{{2, a, "sku: holds a control character (U+001B)", false}},
		},
		{
			name:        "bad container check digit",
			rows:        []map[string]string{entryB(), csvRowOf("container_number", "MSKU1234566")},
			wantEntries: []string{b},
			want:        []rejection{{3, a, "container_number: container number \"MSKU1234566\": check digit is 6 but ISO 6346 gives 5", false}},
		},
		{
			name:        "bad date",
			rows:        []map[string]string{csvRowOf("release_date", "11/01/2026"), csvRowOf(socketSet...)},
			wantEntries: []string{},
			want: []rejection{
				{2, a, `release_date: "11/01/2026" is not a date: write it as YYYY-MM-DD`, false},
				{3, a, "rejected with entry PRX-2600101-4 (line 2 is invalid)", false},
			},
		},
		{
			name:        "impossible date",
			rows:        []map[string]string{csvRowOf("discharge_date", "2026-02-30")},
			wantEntries: []string{},
			want:        []rejection{{2, a, `discharge_date: "2026-02-30" is not a date`, false}},
		},
		{
			name:        "unknown category",
			rows:        []map[string]string{csvRowOf("category", "hand tool")},
			wantEntries: []string{},
			want:        []rejection{{2, a, `category: product category "hand tool": must be power_tool`, false}},
		},
		{
			name:        "several bad cells are all reported, in column order",
			rows:        []map[string]string{csvRowOf("value", "$1,200", "carrier", "M4EU", "sku", "")},
			wantEntries: []string{},
			want:        []rejection{{2, a, `carrier: carrier "M4EU": a SCAC is 2 to 4 letters, e.g. MAEU; sku: is required; value: "$1,200" is not an amount`, false}},
		},
		{
			name:        "missing value",
			rows:        []map[string]string{csvRowOf("value", "")},
			wantEntries: []string{},
			want:        []rejection{{2, a, "value: is required", false}},
		},
		{
			name:        "bad dispositions cell",
			rows:        []map[string]string{csvRowOf("dispositions", "1C 2026-11-01")},
			wantEntries: []string{},
			want:        []rejection{{2, a, `dispositions: "1C 2026-11-01": write each disposition as CODE@TIME`, false}},
		},
		{
			name:        "disposition time without zone",
			rows:        []map[string]string{csvRowOf("dispositions", "1C@2026-11-01T18:22:00")},
			wantEntries: []string{},
			want:        []rejection{{2, a, "RFC 3339 with a zone", false}},
		},
		{
			name:        "bad entry date",
			rows:        []map[string]string{csvRowOf(), csvRowOf(withSocketSet("entry_date", "2026-13-01")...), entryB()},
			wantEntries: []string{b},
			want: []rejection{
				{2, a, "rejected with entry PRX-2600101-4 (line 3 is invalid)", false},
				{3, a, `entry_date: "2026-13-01" is not a date: write it as YYYY-MM-DD`, false},
			},
		},
		{
			name:        "bad pickup number",
			rows:        []map[string]string{csvRowOf("pickup_number", "PU#4471")},
			wantEntries: []string{},
			want:        []rejection{{2, a, `pickup_number: pickup number "PU#4471": only letters and digits`, false}},
		},
		{
			name:        "bad PierPass appointment",
			rows:        []map[string]string{csvRowOf("pierpass_appointment", strings.Repeat("9", 36))},
			wantEntries: []string{},
			want:        []rejection{{2, a, "pierpass_appointment: PierPass appointment", false}},
		},
		{
			name:        "container location too long",
			rows:        []map[string]string{csvRowOf("container_location", strings.Repeat("x", 101))},
			wantEntries: []string{},
			want:        []rejection{{2, a, "container_location: is longer than 100 characters", false}},
		},
		{
			name:        "container location without a container",
			rows:        []map[string]string{csvRowOf("container_number", "", "seals", "", "container_location", "Row 7")},
			wantEntries: []string{},
			want:        []rejection{{2, a, "container_number: is required", false}},
		},
		{
			name:        "bad recon flag",
			rows:        []map[string]string{csvRowOf("recon_flagged", "maybe")},
			wantEntries: []string{},
			want:        []rejection{{2, a, `recon_flagged: "maybe": write true or false`, false}},
		},
		{
			name:        "seals without a container",
			rows:        []map[string]string{csvRowOf("container_number", "")},
			wantEntries: []string{},
			want:        []rejection{{2, a, "container_number: is required", false}},
		},
		{
			name:        "row with neither container nor line",
			rows:        []map[string]string{csvRowOf(), csvRowOf("container_number", "", "seals", "", "sku", "", "description", "", "hts", "", "value", "", "category", "")},
			wantEntries: []string{},
			want: []rejection{
				{2, a, "rejected with entry PRX-2600101-4 (line 3 is invalid)", false},
				{3, a, "the row has neither a container nor a line item", false},
			},
		},
		{
			name:        "entry without any line item",
			rows:        []map[string]string{csvRowOf("sku", "", "description", "", "hts", "", "value", "", "category", "")},
			wantEntries: []string{},
			want:        []rejection{{2, a, "lines: at least one line item is required", false}},
		},
		{
			name: "same seal on two containers is blamed on the second container's row",
			rows: []map[string]string{
				csvRowOf(), csvRowOf(withSocketSet("container_number", "MAEU7654320", "seals", "ML4411001")...),
			},
			wantEntries: []string{},
			want: []rejection{
				{2, a, "rejected with entry PRX-2600101-4 (line 3 is invalid)", false},
				{3, a, "seals: seal ML4411001 is also declared on container MSKU1234565", false},
			},
		},
		{
			name:        "too many columns",
			rows:        []map[string]string{csvRowOf(), entryB()},
			raw:         []string{goodRow + ",EXTRA"},
			wantEntries: []string{b},
			want: []rejection{
				{2, a, "rejected with entry PRX-2600101-4 (line 4 is invalid)", false},
				{4, a, fmt.Sprintf("has %d columns, the header has %d", ncol+1, ncol), false},
			},
		},
		{
			name:        "too few columns",
			rows:        []map[string]string{entryB()},
			raw:         []string{"PRX-2600101-4,01,MAEU263318842"},
			wantEntries: []string{b},
			want:        []rejection{{3, a, fmt.Sprintf("has 3 columns, the header has %d", ncol), false}},
		},
		{
			name:        "an unterminated quote swallows the rest of the line",
			rows:        []map[string]string{entryB()},
			raw:         []string{strings.Replace(goodRow, `"Cordless drill, 18V"`, `"Cordless drill, 18V`, 1)},
			wantEntries: []string{b},
			// The cut-off description swallows the columns after it.
			want: []rejection{{3, a, fmt.Sprintf("has %d columns, the header has %d (check the quotes", columnIndex("description")+1, ncol), false}},
		},
		{
			name:        "invalid entry number is rejected alone",
			rows:        []map[string]string{csvRowOf(), csvRowOf(withSocketSet("entry_number", "PRX-26001")...)},
			wantEntries: []string{a},
			want:        []rejection{{3, "PRX-26001", "entry_number: entry number \"PRX-26001\": expected filer code", false}},
		},
		{
			name:        "missing entry number",
			rows:        []map[string]string{csvRowOf("entry_number", "")},
			wantEntries: []string{},
			want:        []rejection{{2, "", "entry_number:", false}},
		},
		{
			name:        "several bad rows are all named",
			rows:        []map[string]string{csvRowOf("hts", "x"), csvRowOf(socketSet...), csvRowOf(withSocketSet("value", "0")...)},
			wantEntries: []string{},
			want: []rejection{
				{2, a, "hts: HTS code \"x\": only digits and dots", false},
				{3, a, "rejected with entry PRX-2600101-4 (lines 2, 4 are invalid)", false},
				{4, a, "value: must be greater than zero", false},
			},
		},
		{
			name:        "a quote in an unquoted field is kept",
			rows:        []map[string]string{entryB()},
			raw:         []string{strings.Replace(goodRow, `"Cordless drill, 18V"`, `1/2" drill`, 1)},
			wantEntries: []string{b, a},
			want:        []rejection{},
		},
	})
}

func TestCSVDuplicateRows(t *testing.T) {
	const a = "PRX-2600101-4"
	runCSVCases(t, []csvCase{
		{
			name:        "exact duplicate is ignored, the shipment imported",
			rows:        []map[string]string{csvRowOf(), csvRowOf(socketSet...), csvRowOf()},
			wantEntries: []string{a},
			want:        []rejection{{4, a, "duplicate of line 2: ignored", true}},
		},
		{
			name:        "duplicate differing only in surrounding spaces",
			rows:        []map[string]string{csvRowOf(), csvRowOf("carrier", " MAEU ")},
			wantEntries: []string{a},
			want:        []rejection{{3, a, "duplicate of line 2", true}},
		},
		{
			name:        "three copies",
			rows:        []map[string]string{csvRowOf(), csvRowOf(), csvRowOf()},
			wantEntries: []string{a},
			want:        []rejection{{3, a, "duplicate of line 2", true}, {4, a, "duplicate of line 2", true}},
		},
		{
			name:        "duplicate of a bad row does not hide the reason",
			rows:        []map[string]string{csvRowOf("hts", "1"), csvRowOf("hts", "1")},
			wantEntries: []string{},
			want:        []rejection{{2, a, "hts:", false}, {3, a, "duplicate of line 2", true}},
		},
		{
			name:        "same data, different case, is not an exact duplicate but agrees",
			rows:        []map[string]string{csvRowOf(), csvRowOf("carrier", "maeu")},
			wantEntries: []string{a},
			want:        []rejection{},
		},
	})
}

func TestCSVConflicts(t *testing.T) {
	const a = "PRX-2600101-4"
	// Every case rejects the entry: no shipment is imported.
	runCSVCases(t, []csvCase{
		{
			name: "carrier",
			rows: []map[string]string{csvRowOf(), csvRowOf(withSocketSet("carrier", "MSCU")...)},
			want: []rejection{
				{2, a, `carrier: differs between the rows of the entry: "MAEU" on line 2; "MSCU" on line 3`, false},
				{3, a, `carrier: differs between the rows of the entry: "MAEU" on line 2; "MSCU" on line 3`, false},
			},
		},
		{
			name: "release date, three rows",
			rows: []map[string]string{csvRowOf(), csvRowOf(socketSet...), csvRowOf("sku", "X1", "release_date", "2026-11-02")},
			want: []rejection{
				{2, a, `release_date: differs between the rows of the entry: "2026-11-01" on lines 2, 3; "2026-11-02" on line 4`, false},
				{3, a, `release_date: differs`, false},
				{4, a, `release_date: differs`, false},
			},
		},
		{
			name: "optional column empty on one row",
			rows: []map[string]string{csvRowOf(), csvRowOf(withSocketSet("terminal", "")...)},
			want: []rejection{
				{2, a, `terminal: differs between the rows of the entry: "APM Terminals Pier 400" on line 2; empty on line 3`, false},
				{3, a, `terminal: differs`, false},
			},
		},
		{
			name: "dispositions",
			rows: []map[string]string{csvRowOf(), csvRowOf(withSocketSet("dispositions", "1C@2026-11-01T18:22:00Z;1H@2026-11-01T19:00:00Z")...)},
			want: []rejection{
				{2, a, `dispositions: differs`, false},
				{3, a, `dispositions: differs`, false},
			},
		},
		{
			name: "two columns at once",
			rows: []map[string]string{csvRowOf(), csvRowOf(withSocketSet("port", "2709", "incoterm", "CIF")...)},
			want: []rejection{
				{2, a, `port: differs between the rows of the entry: "2704" on line 2; "2709" on line 3; incoterm: differs`, false},
				{3, a, `port: differs`, false},
			},
		},
		{
			name: "pickup number",
			rows: []map[string]string{csvRowOf("pickup_number", "PU4471"), csvRowOf(withSocketSet("pickup_number", "PU4472")...)},
			want: []rejection{
				{2, a, `pickup_number: differs between the rows of the entry: "PU4471" on line 2; "PU4472" on line 3`, false},
				{3, a, `pickup_number: differs between the rows of the entry: "PU4471" on line 2; "PU4472" on line 3`, false},
			},
		},
		{
			name: "pickup number given on one row only",
			rows: []map[string]string{csvRowOf(), csvRowOf(withSocketSet("pickup_number", "PU4471")...)},
			want: []rejection{
				{2, a, `pickup_number: differs between the rows of the entry: empty on line 2; "PU4471" on line 3`, false},
				{3, a, `pickup_number: differs`, false},
			},
		},
		{
			name: "entry date and PierPass appointment",
			rows: []map[string]string{
				csvRowOf("entry_date", "2026-11-01", "pierpass_appointment", "PP1"),
				csvRowOf(withSocketSet("entry_date", "2026-10-31", "pierpass_appointment", "PP2")...),
			},
			want: []rejection{
				{2, a, `entry_date: differs between the rows of the entry: "2026-11-01" on line 2; "2026-10-31" on line 3; pierpass_appointment: differs`, false},
				{3, a, `entry_date: differs`, false},
			},
		},
		{
			name: "location of one container",
			rows: []map[string]string{csvRowOf("container_location", "Row 14 Bay 3"), csvRowOf(withSocketSet("container_location", "Row 14 Bay 4")...)},
			want: []rejection{
				{2, a, `container_location: container MSKU1234565: the location differs between the rows of the entry: "Row 14 Bay 3" on line 2; "Row 14 Bay 4" on line 3`, false},
				{3, a, `container_location: container MSKU1234565: the location differs`, false},
			},
		},
		{
			name: "seals of one container",
			rows: []map[string]string{csvRowOf(), csvRowOf(withSocketSet("seals", "ML4411002")...)},
			want: []rejection{
				{2, a, `seals: container MSKU1234565: the declared seals differ between the rows of the entry: "ML4411001" on line 2; "ML4411002" on line 3`, false},
				{3, a, `seals: container MSKU1234565: the declared seals differ`, false},
			},
		},
		{
			name: "a line of the same SKU with another value",
			rows: []map[string]string{csvRowOf(), csvRowOf("container_number", "MAEU7654320", "seals", "ML4411009", "value", "48250.01")},
			want: []rejection{
				{2, a, `value: SKU DRL-18V-LI: value differs between the rows of the entry: "48250.00" on line 2; "48250.01" on line 3`, false},
				{3, a, `value: SKU DRL-18V-LI: value differs`, false},
			},
		},
		{
			name: "a bad value is reported as bad, not as a disagreement",
			rows: []map[string]string{csvRowOf(), csvRowOf(withSocketSet("carrier", "M4EU")...)},
			want: []rejection{
				{2, a, "rejected with entry PRX-2600101-4 (line 3 is invalid)", false},
				{3, a, `carrier: carrier "M4EU": a SCAC is 2 to 4 letters`, false},
			},
		},
	})
}

func TestCSVSealsAgreeInAnyOrder(t *testing.T) {
	res := parseCSVText(t, csvText([]map[string]string{
		csvRowOf("seals", "S1|S2"), csvRowOf(withSocketSet("seals", "s2 | S-1")...),
	}))
	if len(res.Shipments) != 1 || len(res.Rejected) != 0 {
		t.Fatalf("got %v, rejected %s", entries(res.Shipments), dumpRejected(res.Rejected))
	}
	if got := res.Shipments[0].Containers[0].Seals; !reflect.DeepEqual(got, []string{"S1", "S2"}) {
		t.Fatalf("seals = %v, want the first row's [S1 S2]", got)
	}
}

func TestCSVFileErrors(t *testing.T) {
	full := strings.Join(CSVColumns(), ",")
	without := func(cols ...string) string {
		var keep []string
		for _, c := range CSVColumns() {
			if !strings.Contains(" "+strings.Join(cols, " ")+" ", " "+c+" ") {
				keep = append(keep, c)
			}
		}
		return strings.Join(keep, ",")
	}
	tests := []struct {
		name, format, text, want string
	}{
		{"unknown format", "xlsx", full + "\n", `release list format "xlsx": must be csv or json`},
		{"empty file", "csv", "", "release list is empty"},
		{"only blank lines", "csv", "\n \n\r\n", "release list is empty"},
		{"binary", "csv", "PK\x03\x04\x00\x00bin", "not CSV text"},
		{"not UTF-8", "csv", full + "\nPRX-2600101-4,\xe9\n", "not UTF-8"},
		{"missing one required column", "csv", without("hts") + "\n", "missing required columns: hts (the columns are entry_number"},
		{"missing several required columns", "csv", without("entry_number", "value", "category") + "\n", "missing required columns: entry_number, value, category"},
		{"JSON given as CSV", "csv", `[{"entry_number": "x"}]`, "missing required columns: entry_number, entry_type"},
		{"unknown column", "csv", full + ",colour\n", `unknown columns: "colour"`},
		{"unnamed column", "csv", full + ",\n", fmt.Sprintf("column %d has no name", len(csvColumns)+1)},
		{"repeated column", "csv", full + ",HTS\n", "repeated columns: hts"},
		{"header line number", "csv", "\n\n" + without("sku") + "\n", "header (line 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseReleaseList(strings.NewReader(tt.text), tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q (result %+v)", err, tt.want, res)
			}
		})
	}
}

func TestCSVTooLarge(t *testing.T) {
	big := strings.NewReader(strings.Join(CSVColumns(), ",") + "\n" + strings.Repeat("x", MaxImportBytes))
	if _, err := ParseReleaseList(big, "csv"); err == nil || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Fatalf("err = %v", err)
	}
}

func TestCSVHeaderVariants(t *testing.T) {
	minimal := []string{"entry_number", "entry_type", "bl_number", "carrier", "port", "release_date", "incoterm",
		"container_number", "sku", "description", "hts", "value", "category"}
	row := "PRX-2600101-4,01,MAEU263318842,MAEU,2704,2026-11-01,FOB,MSKU1234565,DRL-18V-LI,Drill,8467.21.0010,100,power_tool"
	tests := []struct{ name, text string }{
		{"required columns only", strings.Join(minimal, ",") + "\n" + row + "\n"},
		{"headers as people write them, CRLF and a BOM", "\uFEFF" + strings.ToUpper(strings.ReplaceAll(strings.Join(minimal, ","), "_", " ")) + "\r\n" + row + "\r\n"},
		{"columns in another order", reverseCSV(strings.Join(minimal, ",")) + "\n" + reverseCSV(row) + "\n"},
		{"blank lines and empty rows are skipped", strings.Join(minimal, ",") + "\n\n" + row + "\n" + strings.Repeat(",", len(minimal)-1) + "\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseCSVText(t, tt.text)
			if len(res.Shipments) != 1 || len(res.Rejected) != 0 {
				t.Fatalf("shipments %v, rejected %s", entries(res.Shipments), dumpRejected(res.Rejected))
			}
			s := res.Shipments[0]
			if s.ISFBLNumber != "" || s.DischargeDate != nil || s.Dispositions != nil || s.ReconFlagged || len(s.Containers[0].Seals) != 0 ||
				s.EntryDate != nil || s.PickupNumber != "" || s.PierPassAppointment != "" || s.Containers[0].Location != "" {
				t.Fatalf("absent columns should leave fields empty: %+v", s)
			}
		})
	}
}

func reverseCSV(line string) string {
	f := strings.Split(line, ",")
	for i, j := 0, len(f)-1; i < j; i, j = i+1, j-1 {
		f[i], f[j] = f[j], f[i]
	}
	return strings.Join(f, ",")
}

func TestCSVBlankRowsKeepLineNumbers(t *testing.T) {
	text := csvText([]map[string]string{csvRowOf()})
	text = strings.Replace(text, "\n", "\n\n\n", 1) // the row moves from line 2 to line 4
	text += csvText([]map[string]string{csvRowOf("hts", "bad")})[len(strings.Join(CSVColumns(), ","))+1:]
	res := parseCSVText(t, text)
	checkRejected(t, res.Rejected, []rejection{
		{4, "PRX-2600101-4", "rejected with entry PRX-2600101-4 (line 5 is invalid)", false},
		{5, "PRX-2600101-4", "hts:", false},
	})
}

func TestCSVParsedTwiceIsIdentical(t *testing.T) {
	text := csvText([]map[string]string{
		csvRowOf(), csvRowOf(socketSet...), entryB(), csvRowOf(), entryB("carrier", "OOLU"),
		csvRowOf("entry_number", "PRX-2600104-8", "hts", "1"), csvRowOf("entry_number", "PRX-2600105-5", "seals", "A|B|C"),
		csvRowOf("entry_number", "PRX-2600105-5", "container_number", "CSQU3054383", "seals", "D", "sku", "X", "value", "1"),
	}, "garbage,row")
	first := parseCSVText(t, text)
	for i := 0; i < 5; i++ {
		again := parseCSVText(t, text)
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs:\n%+v\n%+v", i, first, again)
		}
	}
	if len(first.Shipments) != 2 || len(first.Rejected) != 5 {
		t.Fatalf("shipments %v, rejected %s", entries(first.Shipments), dumpRejected(first.Rejected))
	}
}
