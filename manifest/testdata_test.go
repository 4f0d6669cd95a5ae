package manifest

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/domain"
)

func parseFile(t *testing.T, path, format string) ImportResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ParseReleaseList(f, format)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

func TestExampleReleaseListCSV(t *testing.T) {
	res := parseFile(t, "testdata/release_list.csv", "csv")
	if len(res.Rejected) != 0 {
		t.Fatalf("rejected:\n%s", dumpRejected(res.Rejected))
	}
	if len(res.Shipments) != 13 {
		t.Fatalf("%d shipments, want 13", len(res.Shipments))
	}
	ports := map[string]int{}
	categories := map[domain.ProductCategory]int{}
	lines, containers := 0, 0
	byEntry := map[string]ShipmentInput{}
	for i, s := range res.Shipments {
		ports[s.Port]++
		lines += len(s.Lines)
		containers += len(s.Containers)
		for _, l := range s.Lines {
			categories[l.Category]++
		}
		byEntry[s.EntryNumber] = s
		if fe := s.Normalize(); fe != nil {
			t.Errorf("shipment %d: %v", i, fe)
		}
	}
	if want := map[string]int{"2704": 4, "2709": 3, "4601": 3, "2811": 3}; !reflect.DeepEqual(ports, want) {
		t.Errorf("ports = %v, want %v", ports, want)
	}
	if lines != 30 || containers != 14 {
		t.Errorf("%d lines and %d containers, want 30 and 14", lines, containers)
	}
	for _, c := range domain.ProductCategories() {
		if categories[c] == 0 {
			t.Errorf("no line of category %s", c)
		}
	}
	if got := res.Shipments[0].EntryNumber; got != "PRX-2600101-4" {
		t.Errorf("first shipment %s, want the file's first entry", got)
	}

	two := byEntry["PRX-2600101-4"]
	if len(two.Containers) != 2 || len(two.Lines) != 3 || !reflect.DeepEqual(two.Containers[1].Seals, []string{"ML4411002", "ML4411003"}) {
		t.Errorf("entry PRX-2600101-4 (2 containers × 3 lines as 6 rows): %+v", two)
	}
	if s := byEntry["PRX-2600108-9"]; len(s.Containers) != 1 || len(s.Lines) != 3 {
		t.Errorf("entry PRX-2600108-9 (a container row and 3 line rows): %+v", s)
	}
	if s := byEntry["PRX-2600109-7"]; s.DischargeDate != nil || s.AvailableDate != nil {
		t.Errorf("entry PRX-2600109-7 is released before discharge: %+v", s)
	}
	if s := byEntry["PRX-2600105-5"]; !s.ReconFlagged {
		t.Errorf("entry PRX-2600105-5 is recon flagged")
	}
	// The dispositions feed the release rules unchanged.
	release := map[string]bool{"PRX-2600101-4": true, "PRX-2600104-8": false, "PRX-2600110-5": true, "PRX-2600111-3": true}
	for entry, want := range release {
		if got, _, why := domain.ReleaseStatus(byEntry[entry].Dispositions, domain.DefaultReleaseRules()); got != want {
			t.Errorf("entry %s released = %v (%s), want %v", entry, got, why, want)
		}
	}
	if ok, why := domain.BLMatchesISF(byEntry["PRX-2600102-2"].BLNumber, byEntry["PRX-2600102-2"].ISFBLNumber); !ok {
		t.Errorf("entry PRX-2600102-2: %s", why)
	}
	// Pickup numbers, PierPass appointments and yard locations are on some
	// shipments only: the rest wait for officers to record them.
	type known struct {
		entryDate, pickup, pierPass bool
		locations                   []string
	}
	knownOf := func(s ShipmentInput) known {
		k := known{entryDate: s.EntryDate != nil, pickup: s.PickupNumber != "", pierPass: s.PierPassAppointment != ""}
		for _, c := range s.Containers {
			k.locations = append(k.locations, c.Location)
		}
		return k
	}
	for entry, want := range map[string]known{
		"PRX-2600101-4": {true, true, true, []string{"Block C Row 14 Slot 3", "Block C Row 14 Slot 5"}}, // everything known
		"PRX-2600103-0": {false, true, false, []string{"Wheeled, slot 212"}},                            // no PierPass appointment yet
		"PRX-2600107-1": {false, true, false, []string{"Row 7 Bay 22"}},
		"PRX-2600109-7": {false, false, false, []string{""}}, // nothing known
	} {
		if got := knownOf(byEntry[entry]); !reflect.DeepEqual(got, want) {
			t.Errorf("entry %s: entry date, pickup, PierPass, locations = %+v, want %+v", entry, got, want)
		}
	}
	withPickup := 0
	for _, s := range res.Shipments {
		if s.PickupNumber != "" {
			withPickup++
		}
	}
	if withPickup != 3 {
		t.Errorf("%d shipments with a pickup number, want 3", withPickup)
	}

	// The shipments written as JSON read back as the same shipments.
	b, err := json.Marshal(res.Shipments)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseReleaseList(strings.NewReader(string(b)), "json")
	if err != nil || len(back.Rejected) != 0 || !reflect.DeepEqual(back.Shipments, res.Shipments) {
		t.Fatalf("JSON round trip: err %v, rejected %s", err, dumpRejected(back.Rejected))
	}

	// Parsing the same file again gives the same result (the caller makes
	// the import idempotent by ID: same entries, same IDs).
	again := parseFile(t, "testdata/release_list.csv", "csv")
	if !reflect.DeepEqual(res, again) {
		t.Fatal("second parse differs")
	}
	ids := map[string]bool{}
	for _, s := range again.Shipments {
		ids[s.ID()] = true
	}
	if len(ids) != 13 {
		t.Fatalf("%d distinct IDs, want 13", len(ids))
	}
}

func TestExampleReleaseListBadCSV(t *testing.T) {
	res := parseFile(t, "testdata/release_list_bad.csv", "csv")
	if got := entries(res.Shipments); !reflect.DeepEqual(got, []string{"PRX-2600201-2", "PRX-2600211-1"}) {
		t.Errorf("shipments = %v", got)
	}
	checkRejected(t, res.Rejected, []rejection{
		{4, "PRX-2600201-2", "duplicate of line 2: ignored", true},
		{5, "PRX-2600202-0", "rejected with entry PRX-2600202-0 (line 6 is invalid)", false},
		{6, "PRX-2600202-0", `hts: HTS code "8467.29.003": needs 10 digits`, false},
		{7, "PRX-2600202-0", "rejected with entry PRX-2600202-0 (line 6 is invalid)", false},
		{8, "PRX-2600203-8", `container_number: container number "MSCU4455664": check digit is 4 but ISO 6346 gives 3`, false},
		{9, "PRX-2600204-6", `discharge_date: "11/18/2026" is not a date`, false},
		{10, "PRX-2600205-3", "rejected with entry PRX-2600205-3 (line 11 is invalid)", false},
		{11, "PRX-2600205-3", `category: product category "hand tool"`, false},
		{12, "PRX-2600206-1", `carrier: differs between the rows of the entry: "OOLU" on line 12; "MSCU" on line 13`, false},
		{13, "PRX-2600206-1", `carrier: differs between the rows of the entry`, false},
		{14, "PRX-2600207-9", "has 22 columns, the header has 21", false},
		{15, "PRX-2600207-9", "rejected with entry PRX-2600207-9 (line 14 is invalid)", false},
		{16, "PRX-2600208-7", "has 19 columns, the header has 21", false},
		{17, "PRX-26002", "entry_number: entry number \"PRX-26002\"", false},
		{18, "PRX-2600209-5", "seals: container HDMU3334446: the declared seals differ", false},
		{19, "PRX-2600209-5", "seals: container HDMU3334446: the declared seals differ", false},
		{20, "PRX-2600210-3", "available_date: 2026-11-20 is before the discharge date 2026-11-23", false},
	})
}

func TestExampleReleaseListJSON(t *testing.T) {
	res := parseFile(t, "testdata/release_list.json", "json")
	if len(res.Rejected) != 0 {
		t.Fatalf("rejected:\n%s", dumpRejected(res.Rejected))
	}
	var ports []string
	for _, s := range res.Shipments {
		ports = append(ports, s.Port)
	}
	if !reflect.DeepEqual(ports, []string{"2704", "2709", "4601", "2811"}) {
		t.Fatalf("ports = %v", ports)
	}
	if s := res.Shipments[1]; s.Lines[0].Value.StringFixed(2) != "17640.00" || len(s.Dispositions) != 2 {
		t.Errorf("second shipment: %+v", s)
	}
	if s := res.Shipments[3]; s.DischargeDate != nil || s.AvailableDate != nil {
		t.Errorf("fourth shipment has no discharge yet: %+v", s)
	}
	if s := res.Shipments[0]; s.PickupNumber != "APM5520301" || s.PierPassAppointment != "PP26112601" ||
		s.EntryDate == nil || s.Containers[1].Location != "Block A Row 3 Slot 14" {
		t.Errorf("first shipment has its pickup number, PierPass appointment, entry date and locations: %+v", s)
	}
	if s := res.Shipments[1]; s.PickupNumber != "" || s.Containers[0].Location != "" {
		t.Errorf("second shipment has no pickup number or location yet: %+v", s)
	}
	if !reflect.DeepEqual(res, parseFile(t, "testdata/release_list.json", "json")) {
		t.Fatal("second parse differs")
	}
}
