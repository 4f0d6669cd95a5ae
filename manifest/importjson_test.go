package manifest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// jsonShipmentText is one shipment object; replace swaps substrings in it.
func jsonShipmentText(entry string, replace ...string) string {
	s := `{"entry_number": "` + entry + `", "entry_type": "01", "bl_number": "MAEU263318842", "isf_bl_number": "263318842",
	 "carrier": "MAEU", "vessel_voyage": "MAERSK ESSEN 645E", "port": "2704", "terminal": "Pier 400",
	 "containers": [{"number": "MSKU1234565", "seals": ["ML4411001"]}],
	 "discharge_date": "2026-11-02", "available_date": "2026-11-03", "release_date": "2026-11-01",
	 "dispositions": [{"code": "1C", "at": "2026-11-01T18:22:00Z"}], "incoterm": "FOB", "recon_flagged": false,
	 "lines": [{"sku": "DRL-18V-LI", "description": "Cordless drill", "hts": "8467.21.0010", "value": "48250.00", "category": "lithium_battery_tool"}]}`
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			panic("test data: no " + replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	return s
}

func parseJSONText(t *testing.T, text string) ImportResult {
	t.Helper()
	return parseText(t, "json", text)
}

func TestJSONHappyPath(t *testing.T) {
	const a, b = "PRX-2600101-4", "PRX-2600103-0"
	objA, objB := jsonShipmentText(a), jsonShipmentText("prx26001030", `"value": "48250.00"`, `"value": 48250`)
	tests := []struct {
		name string
		text string
	}{
		{"array", "[" + objA + "," + objB + "]"},
		{"wrapped", `{"shipments": [` + objA + "," + objB + "]}"},
		{"BOM and whitespace", "\uFEFF \n[" + objA + ",\n" + objB + "]\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseJSONText(t, tt.text)
			if len(res.Rejected) != 0 {
				t.Fatalf("rejected: %s", dumpRejected(res.Rejected))
			}
			if got := entries(res.Shipments); !reflect.DeepEqual(got, []string{a, b}) {
				t.Fatalf("entries = %v", got)
			}
			s := res.Shipments[1]
			if s.Lines[0].Value.StringFixed(2) != "48250.00" || s.ReleaseDate.Format("2006-01-02") != "2026-11-01" ||
				s.AvailableDate.Format("2006-01-02") != "2026-11-03" || s.ID() != "SH-PRX26001030" {
				t.Fatalf("shipment not read right: %+v", s)
			}
		})
	}
}

func TestJSONOptionalFieldsAndTimes(t *testing.T) {
	text := "[" + jsonShipmentText("PRX-2600101-4",
		`"discharge_date": "2026-11-02", "available_date": "2026-11-03", "release_date": "2026-11-01"`,
		`"discharge_date": null, "release_date": "2026-11-01T23:30:00-08:00"`,
		`"isf_bl_number": "263318842",`, ``) + "]"
	res := parseJSONText(t, text)
	if len(res.Shipments) != 1 {
		t.Fatalf("rejected: %s", dumpRejected(res.Rejected))
	}
	s := res.Shipments[0]
	if s.DischargeDate != nil || s.AvailableDate != nil || s.ISFBLNumber != "" ||
		s.EntryDate != nil || s.PickupNumber != "" || s.PierPassAppointment != "" || s.Containers[0].Location != "" {
		t.Fatalf("absent fields not empty: %+v", s)
	}
	if got := s.ReleaseDate.Format("2006-01-02"); got != "2026-11-02" { // 23:30 PST is 07:30 UTC the next day
		t.Fatalf("release date = %s, want the UTC day 2026-11-02", got)
	}
}

func TestJSONEntryDatePickupAndLocation(t *testing.T) {
	text := "[" + jsonShipmentText("PRX-2600101-4",
		`"incoterm": "FOB"`, `"incoterm": "FOB", "entry_date": "2026-10-31T23:00:00Z", "pickup_number": "apm-447 1902", "pierpass_appointment": "pp26110301"`,
		`"seals": ["ML4411001"]}`, `"seals": ["ML4411001"], "location": " Block C Row 14 Slot 3 "}`) + "]"
	res := parseJSONText(t, text)
	if len(res.Shipments) != 1 {
		t.Fatalf("rejected: %s", dumpRejected(res.Rejected))
	}
	s := res.Shipments[0]
	if s.EntryDate == nil || s.EntryDate.Format("2006-01-02") != "2026-10-31" || s.PickupNumber != "APM4471902" ||
		s.PierPassAppointment != "PP26110301" || s.Containers[0].Location != "Block C Row 14 Slot 3" {
		t.Fatalf("new fields not read right: entry date %v, pickup %q, PierPass %q, location %q",
			s.EntryDate, s.PickupNumber, s.PierPassAppointment, s.Containers[0].Location)
	}
}

func TestJSONRowErrors(t *testing.T) {
	const a, b = "PRX-2600101-4", "PRX-2600103-0"
	good := jsonShipmentText(b)
	tests := []struct {
		name        string
		objs        []string
		wantEntries []string
		want        []rejection
	}{
		{
			name:        "unknown field",
			objs:        []string{jsonShipmentText(a, `"carrier"`, `"colour": "red", "carrier"`), good},
			wantEntries: []string{b},
			want:        []rejection{{1, a, `unknown field "colour"`, false}},
		},
		{
			name:        "unknown field in a line",
			objs:        []string{good, jsonShipmentText(a, `"sku"`, `"qty": 3, "sku"`)},
			wantEntries: []string{b},
			want:        []rejection{{2, a, `unknown field "qty"`, false}},
		},
		{
			name:        "wrong type",
			objs:        []string{jsonShipmentText(a, `"recon_flagged": false`, `"recon_flagged": "no"`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, "recon_flagged: a JSON string cannot be read as bool", false}},
		},
		{
			name:        "bad date",
			objs:        []string{jsonShipmentText(a, `"2026-11-01"`, `"11/01/2026"`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, `"11/01/2026" is not a date`, false}},
		},
		{
			name:        "bad entry date",
			objs:        []string{good, jsonShipmentText(a, `"incoterm": "FOB"`, `"incoterm": "FOB", "entry_date": "31/10/2026"`)},
			wantEntries: []string{b},
			want:        []rejection{{2, a, `"31/10/2026" is not a date`, false}},
		},
		{
			name:        "bad pickup number",
			objs:        []string{jsonShipmentText(a, `"incoterm": "FOB"`, `"incoterm": "FOB", "pickup_number": "PU#4471"`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, `pickup_number: pickup number "PU#4471": only letters and digits`, false}},
		},
		{
			name:        "date as a number",
			objs:        []string{jsonShipmentText(a, `"2026-11-01"`, `20261101`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, `date 20261101: write it as a string`, false}},
		},
		{
			name:        "bad value",
			objs:        []string{jsonShipmentText(a, `"48250.00"`, `"lots"`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, "lots", false}},
		},
		{
			name:        "value with an exponent",
			objs:        []string{jsonShipmentText(a, `"48250.00"`, `"1e30"`), good},
			wantEntries: []string{b},
			want:        []rejection{{1, a, `lines[0].value: "1e30" is not an amount: write it in plain digits, without an exponent`, false}},
		},
		{
			name:        "value as a JSON number with an exponent",
			objs:        []string{jsonShipmentText(a, `"48250.00"`, `1e400`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, `lines[0].value: "1e400" is not an amount`, false}},
		},
		{
			name:        "value of 1000 digits",
			objs:        []string{jsonShipmentText(a, `"48250.00"`, strings.Repeat("9", 1000))},
			wantEntries: []string{},
			want:        []rejection{{1, a, "more than USD 10,000,000,000.00", false}},
		},
		{
			name:        "SKU not UTF-8",
			objs:        []string{jsonShipmentText(a, `"DRL-18V-LI"`, "\"WR-\xff\xfe\""), good},
			wantEntries: []string{b},
			want:        []rejection{{1, a, "lines[0].sku: is not valid UTF-8", false}},
		},
		{
			name:        "description with a lone surrogate escape",
			objs:        []string{jsonShipmentText(a, `"Cordless drill"`, `"Cordless \udc00 drill"`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, "lines[0].description: is not valid text: it holds a lone UTF-16 surrogate", false}},
		},
		{
			name:        "terminal with a bidi override",
			objs:        []string{jsonShipmentText(a, `"Pier 400"`, `"Pier \u202E004"`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, "terminal: holds a bidirectional override", false}},
		},
		{
			name:        "field errors from Normalize",
			objs:        []string{good, jsonShipmentText(a, `"MSKU1234565"`, `"MSKU1234566"`, `"8467.21.0010"`, `"8467.21"`)},
			wantEntries: []string{b},
			want:        []rejection{{2, a, `: a character is probably mistyped; lines[0].hts: HTS code "8467.21": needs 10 digits`, false}},
		},
		{
			name:        "no containers",
			objs:        []string{jsonShipmentText(a, `[{"number": "MSKU1234565", "seals": ["ML4411001"]}]`, `[]`)},
			wantEntries: []string{},
			want:        []rejection{{1, a, "containers: at least one container is required", false}},
		},
		{
			name:        "invalid entry number",
			objs:        []string{good, jsonShipmentText("PRX-1")},
			wantEntries: []string{b},
			want:        []rejection{{2, "PRX-1", "entry_number: entry number \"PRX-1\"", false}},
		},
		{
			name:        "not an object",
			objs:        []string{`"PRX-2600101-4"`, good, `null`},
			wantEntries: []string{b},
			want:        []rejection{{1, "", "object 1 is not a JSON object", false}, {3, "", "object 3 is not a JSON object", false}},
		},
		{
			name:        "exact repeat is a duplicate",
			objs:        []string{jsonShipmentText(a), good, jsonShipmentText(a)},
			wantEntries: []string{a, b},
			want:        []rejection{{3, a, "duplicate of object 1: ignored", true}},
		},
		{
			name:        "repeat that normalises to the same shipment is a duplicate",
			objs:        []string{jsonShipmentText(a), jsonShipmentText("prx26001014", `"carrier": "MAEU"`, `"carrier": "maeu"`, `"48250.00"`, `48250`)},
			wantEntries: []string{a},
			want:        []rejection{{2, a, "duplicate of object 1: ignored", true}},
		},
		{
			name:        "same entry with different data rejects both",
			objs:        []string{jsonShipmentText(a), good, jsonShipmentText(a, `"FOB"`, `"CIF"`)},
			wantEntries: []string{b},
			want: []rejection{
				{1, a, "entry PRX-2600101-4 is given by objects 1, 3 with different data: one shipment per entry", false},
				{3, a, "entry PRX-2600101-4 is given by objects 1, 3 with different data", false},
			},
		},
		{
			name:        "an invalid repeat rejects the valid one too",
			objs:        []string{jsonShipmentText(a), jsonShipmentText(a, `"2704"`, `"27"`)},
			wantEntries: []string{},
			want: []rejection{
				{1, a, "rejected with entry PRX-2600101-4 (object 2 is invalid)", false},
				{2, a, "port: port \"27\"", false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := parseJSONText(t, "["+strings.Join(tt.objs, ",")+"]")
			if got := entries(res.Shipments); !reflect.DeepEqual(got, tt.wantEntries) {
				t.Errorf("shipments = %v, want %v", got, tt.wantEntries)
			}
			checkRejected(t, res.Rejected, tt.want)
		})
	}
}

func TestJSONFileErrors(t *testing.T) {
	obj := jsonShipmentText("PRX-2600101-4")
	tests := []struct{ name, text, want string }{
		{"empty", "  \n", "release list is empty"},
		{"CSV given as JSON", strings.Join(CSVColumns(), ",") + "\n", "not JSON: expected an array"},
		{"syntax error", "[" + obj + ",]", "not valid JSON"},
		{"truncated", "[" + obj, "not valid JSON"},
		{"trailing data", "[" + obj + "] []", "data after the end of the list"},
		{"object without shipments", `{"entries": []}`, `unknown field "entries"`},
		{"empty object", `{}`, `no "shipments" array`},
		{"shipments not an array", `{"shipments": {}}`, "not a JSON array of shipments"},
		{"a bare string", `"hello"`, "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseReleaseList(strings.NewReader(tt.text), "json")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q (result %+v)", err, tt.want, res)
			}
		})
	}
}

func TestJSONEmptyListIsNoShipments(t *testing.T) {
	for _, text := range []string{"[]", `{"shipments": []}`} {
		res := parseJSONText(t, text)
		if len(res.Shipments) != 0 || len(res.Rejected) != 0 {
			t.Fatalf("%s: %+v", text, res)
		}
	}
}

// ShipmentJSON mirrors ShipmentInput for reading files: the same JSON names.
func TestJSONMirrorHasEveryField(t *testing.T) {
	names := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
		return out
	}
	if a, b := names(ShipmentInput{}), names(ShipmentJSON{}); !reflect.DeepEqual(a, b) {
		t.Fatalf("ShipmentInput fields %v, ShipmentJSON fields %v", a, b)
	}
	s := validInput()
	if fe := s.Normalize(); fe != nil {
		t.Fatal(fe)
	}
	b, err := json.Marshal([]ShipmentInput{s})
	if err != nil {
		t.Fatal(err)
	}
	res := parseJSONText(t, string(b))
	if len(res.Shipments) != 1 || !reflect.DeepEqual(res.Shipments[0], s) {
		t.Fatalf("a marshalled ShipmentInput does not read back as itself:\n%+v\n%+v", res, s)
	}
}

func TestJSONParsedTwiceIsIdentical(t *testing.T) {
	text := "[" + strings.Join([]string{
		jsonShipmentText("PRX-2600101-4"), jsonShipmentText("PRX-2600103-0"), jsonShipmentText("PRX-2600101-4"),
		jsonShipmentText("PRX-2600104-8", `"FOB"`, `"XXX"`), `{"entry_number": 5}`,
	}, ",") + "]"
	first := parseJSONText(t, text)
	for i := 0; i < 5; i++ {
		if again := parseJSONText(t, text); !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs:\n%+v\n%+v", i, first, again)
		}
	}
	if len(first.Shipments) != 2 || len(first.Rejected) != 3 {
		t.Fatalf("shipments %v, rejected %s", entries(first.Shipments), dumpRejected(first.Rejected))
	}
}
