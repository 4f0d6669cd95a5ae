package manifest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func datePtr(s string) *time.Time { t := date(s); return &t }

func usd(s string) domain.USD { return domain.USD{Decimal: decimal.RequireFromString(s)} }

// validInput is a shipment that Normalize accepts, written the sloppy way a
// form or a broker may write it.
func validInput() ShipmentInput {
	return ShipmentInput{
		EntryNumber:   " prx26001014 ",
		EntryType:     "1",
		BLNumber:      "maeu 2633-18842",
		ISFBLNumber:   "263318842",
		Carrier:       " maeu",
		VesselVoyage:  " MAERSK ESSEN 645E ",
		Port:          " 2704",
		Terminal:      "APM Terminals Pier 400 ",
		DischargeDate: datePtr("2026-11-02"),
		AvailableDate: func() *time.Time { t := time.Date(2026, 11, 3, 15, 30, 0, 0, time.UTC); return &t }(),
		ReleaseDate:   time.Date(2026, 11, 1, 18, 22, 0, 0, time.UTC),
		Dispositions: []domain.Disposition{
			{Code: "1h ", At: time.Date(2026, 11, 1, 12, 0, 0, 0, time.FixedZone("PST", -8*3600))},
			{Code: "1C", At: time.Date(2026, 11, 1, 18, 22, 0, 0, time.UTC)},
		},
		Incoterm:     "fob",
		ReconFlagged: true,
		Containers: []Container{
			{Number: "msku 123456-5", Seals: []string{"ml-4411001"}},
			{Number: "MAEU7654320", Seals: []string{"ML4411002", " ML4411003 "}},
		},
		Lines: []Line{
			{SKU: " DRL-18V-LI ", Description: " Cordless drill ", HTS: "8467210010", Value: usd("48250.00"), Category: "Lithium Battery Tool"},
			{SKU: "IMP-12-PN", Description: "Impact wrench", HTS: "8467.11.1000", Value: usd("15320.5"), Category: "pneumatic-tool"},
		},
	}
}

func TestNormalizeCanonicalises(t *testing.T) {
	s := validInput()
	if fe := s.Normalize(); fe != nil {
		t.Fatalf("Normalize() = %v, want nil", fe)
	}
	want := ShipmentInput{
		EntryNumber: "PRX-2600101-4", EntryType: "01", BLNumber: "MAEU263318842", ISFBLNumber: "263318842",
		Carrier: "MAEU", VesselVoyage: "MAERSK ESSEN 645E", Port: "2704", Terminal: "APM Terminals Pier 400",
		DischargeDate: datePtr("2026-11-02"), AvailableDate: datePtr("2026-11-03"), ReleaseDate: date("2026-11-01"),
		Dispositions: []domain.Disposition{
			{Code: "1C", At: time.Date(2026, 11, 1, 18, 22, 0, 0, time.UTC)},
			{Code: "1H", At: time.Date(2026, 11, 1, 20, 0, 0, 0, time.UTC)}, // 12:00 PST, sorted after 18:22 UTC
		},
		Incoterm: "FOB", ReconFlagged: true,
		Containers: []Container{
			{Number: "MSKU1234565", Seals: []string{"ML4411001"}},
			{Number: "MAEU7654320", Seals: []string{"ML4411002", "ML4411003"}},
		},
		Lines: []Line{
			{SKU: "DRL-18V-LI", Description: "Cordless drill", HTS: "8467.21.0010", Value: usd("48250.00"), Category: domain.CategoryLithiumBatteryTool},
			{SKU: "IMP-12-PN", Description: "Impact wrench", HTS: "8467.11.1000", Value: usd("15320.50"), Category: domain.CategoryPneumaticTool},
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("Normalize() gave\n%+v\nwant\n%+v", s, want)
	}
	again := s
	if fe := again.Normalize(); fe != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("Normalize is not idempotent: %v\n%+v", fe, again)
	}
}

func TestNormalizeFieldErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *ShipmentInput)
		key    string
		want   string
	}{
		{"entry number missing", func(s *ShipmentInput) { s.EntryNumber = "" }, "entry_number", "expected filer code"},
		{"entry number short", func(s *ShipmentInput) { s.EntryNumber = "PRX-260010-4" }, "entry_number", "7 digits"},
		{"entry type missing", func(s *ShipmentInput) { s.EntryType = " " }, "entry_type", "is required"},
		{"entry type 3 digits", func(s *ShipmentInput) { s.EntryType = "001" }, "entry_type", "2 digits"},
		{"entry type letters", func(s *ShipmentInput) { s.EntryType = "A1" }, "entry_type", "2 digits"},
		{"entry type 00", func(s *ShipmentInput) { s.EntryType = "0" }, "entry_type", "does not exist"},
		{"B/L missing", func(s *ShipmentInput) { s.BLNumber = " - " }, "bl_number", "is required"},
		{"B/L with slash", func(s *ShipmentInput) { s.BLNumber = "MAEU/123" }, "bl_number", "only letters and digits"},
		{"B/L too long", func(s *ShipmentInput) { s.BLNumber = strings.Repeat("A", 36) }, "bl_number", "longer than 35"},
		{"ISF B/L bad", func(s *ShipmentInput) { s.ISFBLNumber = "123#" }, "isf_bl_number", "only letters and digits"},
		{"carrier missing", func(s *ShipmentInput) { s.Carrier = "" }, "carrier", "is required"},
		{"carrier with digit", func(s *ShipmentInput) { s.Carrier = "MA3U" }, "carrier", "2 to 4 letters"},
		{"carrier too long", func(s *ShipmentInput) { s.Carrier = "MAEUX" }, "carrier", "2 to 4 letters"},
		{"carrier one letter", func(s *ShipmentInput) { s.Carrier = "M" }, "carrier", "2 to 4 letters"},
		{"vessel too long", func(s *ShipmentInput) { s.VesselVoyage = strings.Repeat("V", 101) }, "vessel_voyage", "longer than 100"},
		{"port not 4 digits", func(s *ShipmentInput) { s.Port = "270" }, "port", "4-digit CBP port code"},
		{"terminal too long", func(s *ShipmentInput) { s.Terminal = strings.Repeat("T", 101) }, "terminal", "longer than 100"},
		{"incoterm missing", func(s *ShipmentInput) { s.Incoterm = "" }, "incoterm", "is required"},
		{"incoterm 2010 rule", func(s *ShipmentInput) { s.Incoterm = "DAT" }, "incoterm", "Incoterms 2020"},
		{"release date missing", func(s *ShipmentInput) { s.ReleaseDate = time.Time{} }, "release_date", "is required"},
		{"available without discharge", func(s *ShipmentInput) { s.DischargeDate = nil }, "discharge_date", "required when an availability date"},
		{"available before discharge", func(s *ShipmentInput) { s.AvailableDate = datePtr("2026-11-01") }, "available_date", "2026-11-01 is before the discharge date 2026-11-02"},
		{"disposition code missing", func(s *ShipmentInput) { s.Dispositions[1].Code = "" }, "dispositions[1].code", "is required"},
		{"disposition code too long", func(s *ShipmentInput) { s.Dispositions[0].Code = "HOLD1" }, "dispositions[0].code", "1 to 4 letters or digits"},
		{"disposition code punctuation", func(s *ShipmentInput) { s.Dispositions[0].Code = "1-H" }, "dispositions[0].code", "1 to 4 letters or digits"},
		{"disposition time missing", func(s *ShipmentInput) { s.Dispositions[1].At = time.Time{} }, "dispositions[1].at", "is required"},
		{"disposition twice", func(s *ShipmentInput) { s.Dispositions[0] = s.Dispositions[1] }, "dispositions", "1C at 2026-11-01T18:22:00Z is listed twice"},
		{"no container", func(s *ShipmentInput) { s.Containers = nil }, "containers", "at least one container"},
		{"too many containers", func(s *ShipmentInput) { s.Containers = make([]Container, MaxContainers+1) }, "containers", "at most 999"},
		{"container number missing", func(s *ShipmentInput) { s.Containers[1].Number = "" }, "containers[1].number", "is required"},
		{"container check digit", func(s *ShipmentInput) { s.Containers[1].Number = "MAEU7654321" }, "containers[1].number", "check digit is 1 but ISO 6346 gives 0"},
		{"container category letter", func(s *ShipmentInput) { s.Containers[0].Number = "MSKX1234565" }, "containers[0].number", "must be U, J or Z"},
		{"container twice", func(s *ShipmentInput) { s.Containers[1].Number = "msku1234565" }, "containers[1].number", "listed twice (also containers[0])"},
		{"seal empty", func(s *ShipmentInput) { s.Containers[1].Seals[1] = " " }, "containers[1].seals[1]", "seal number is required"},
		{"seal bad characters", func(s *ShipmentInput) { s.Containers[0].Seals[0] = "ML#1" }, "containers[0].seals[0]", "only letters and digits"},
		{"seal twice on a container", func(s *ShipmentInput) { s.Containers[1].Seals[1] = "ml4411002" }, "containers[1].seals[1]", "listed twice (also seals[0])"},
		{"seal on two containers", func(s *ShipmentInput) { s.Containers[1].Seals[0] = "ML4411001" }, "containers[1].seals[0]", "also declared on container MSKU1234565"},
		{"no line", func(s *ShipmentInput) { s.Lines = []Line{} }, "lines", "at least one line item"},
		{"too many lines", func(s *ShipmentInput) { s.Lines = make([]Line, MaxLines+1) }, "lines", "at most 999"},
		{"SKU missing", func(s *ShipmentInput) { s.Lines[0].SKU = "  " }, "lines[0].sku", "is required"},
		{"SKU too long", func(s *ShipmentInput) { s.Lines[0].SKU = strings.Repeat("S", 65) }, "lines[0].sku", "longer than 64"},
		{"SKU twice", func(s *ShipmentInput) { s.Lines[1].SKU = "DRL-18V-LI" }, "lines[1].sku", "listed twice (also lines[0])"},
		{"description missing", func(s *ShipmentInput) { s.Lines[1].Description = "" }, "lines[1].description", "is required"},
		{"description too long", func(s *ShipmentInput) { s.Lines[1].Description = strings.Repeat("d", 501) }, "lines[1].description", "longer than 500"},
		{"HTS missing", func(s *ShipmentInput) { s.Lines[0].HTS = "" }, "lines[0].hts", "HTS code is required"},
		{"HTS 9 digits", func(s *ShipmentInput) { s.Lines[0].HTS = "8467.21.001" }, "lines[0].hts", "needs 10 digits"},
		{"value zero", func(s *ShipmentInput) { s.Lines[1].Value = domain.USD{} }, "lines[1].value", "greater than zero"},
		{"value negative", func(s *ShipmentInput) { s.Lines[1].Value = usd("-5") }, "lines[1].value", "greater than zero"},
		{"value fractions of a cent", func(s *ShipmentInput) { s.Lines[1].Value = usd("10.005") }, "lines[1].value", "more than two decimals"},
		{"category missing", func(s *ShipmentInput) { s.Lines[1].Category = "" }, "lines[1].category", "is required"},
		{"category unknown", func(s *ShipmentInput) { s.Lines[1].Category = "hand_tool" }, "lines[1].category", "must be power_tool"},
		// the text rules of domain/text.go
		{"SKU not UTF-8", func(s *ShipmentInput) { s.Lines[0].SKU = "WR-\xff\xfe" }, "lines[0].sku", "not valid UTF-8"},
		{"SKU with a bidi override", func(s *ShipmentInput) { s.Lines[0].SKU = "WR-\u202E21" }, "lines[0].sku", "bidirectional"},
		{"SKU of 64 accented letters is fine, 65 are not", func(s *ShipmentInput) { s.Lines[0].SKU = strings.Repeat("é", 65) }, "lines[0].sku", "longer than 64 characters"},
		{"description with a control character", func(s *ShipmentInput) { s.Lines[1].Description = "wrench\x1b[2J" }, "lines[1].description", "control character"},
		{"description of a megabyte", func(s *ShipmentInput) { s.Lines[1].Description = strings.Repeat("d", 1<<20) }, "lines[1].description", "longer than 500"},
		{"terminal on two lines", func(s *ShipmentInput) { s.Terminal = "Pier\n400" }, "terminal", "must be one line"},
		{"vessel with an isolate", func(s *ShipmentInput) { s.VesselVoyage = "MAERSK \u2066ESSEN" }, "vessel_voyage", "bidirectional"},
		{"location not UTF-8", func(s *ShipmentInput) { s.Containers[0].Location = "Row \xc3" }, "containers[0].location", "not valid UTF-8"},
		{"value over the ceiling", func(s *ShipmentInput) { s.Lines[1].Value = usd("10000000000.01") }, "lines[1].value", "more than USD 10,000,000,000.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validInput()
			tt.change(&s)
			fe := s.Normalize()
			if !strings.Contains(fe[tt.key], tt.want) {
				t.Fatalf("Normalize()[%q] = %q, want it to contain %q (all errors: %v)", tt.key, fe[tt.key], tt.want, fe)
			}
			if !strings.Contains(fe.Error(), tt.key+": ") {
				t.Fatalf("Error() = %q does not name %s", fe.Error(), tt.key)
			}
		})
	}
}

// A description may span lines; a SKU of 64 characters that are not ASCII
// fits (the limit counts characters, not bytes).
func TestNormalizeTextThatFits(t *testing.T) {
	s := validInput()
	s.Lines[0].SKU = strings.Repeat("é", 64)
	s.Lines[1].Description = "Impact wrench\r\n\t1/2 in. drive"
	if fe := s.Normalize(); fe != nil {
		t.Fatalf("Normalize() = %v", fe)
	}
}

// The dates of the entry's past follow the case's rule: not in the future
// beyond a day, not older than the 5-year record retention.
func TestCheckDates(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(s *ShipmentInput)
		want   map[string]string // field → part of the message; nil when fine
	}{
		{"fine", func(s *ShipmentInput) {}, nil},
		{"release tomorrow (a zone ahead of UTC)", func(s *ShipmentInput) { s.ReleaseDate = date("2026-11-22") }, nil},
		{"release in 2028", func(s *ShipmentInput) { s.ReleaseDate = date("2028-01-01") }, map[string]string{"release_date": "2028-01-01 is in the future"}},
		{"entry in 1990", func(s *ShipmentInput) { s.EntryDate = datePtr("1990-01-01") }, map[string]string{"entry_date": "past their retention period"}},
		{"disposition in 2028", func(s *ShipmentInput) { s.Dispositions[1].At = time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC) },
			map[string]string{"dispositions[1].at": "in the future"}},
		{"discharge and availability may be ahead", func(s *ShipmentInput) {
			s.DischargeDate, s.AvailableDate = datePtr("2026-12-20"), datePtr("2026-12-21")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validInput()
			tt.change(&s)
			fe := s.CheckDates(now)
			if len(fe) != len(tt.want) {
				t.Fatalf("CheckDates = %v, want %v", fe, tt.want)
			}
			for k, w := range tt.want {
				if !strings.Contains(fe[k], w) {
					t.Errorf("CheckDates()[%s] = %q, want %q", k, fe[k], w)
				}
			}
		})
	}
}

func TestNormalizeOnlyTheBrokenField(t *testing.T) {
	// A single mistake yields a single field error: errors do not cascade.
	s := validInput()
	s.Lines[1].HTS = "84671"
	fe := s.Normalize()
	if len(fe) != 1 || fe["lines[1].hts"] == "" {
		t.Fatalf("Normalize() = %v, want only lines[1].hts", fe)
	}
}

func TestNormalizeDates(t *testing.T) {
	tests := []struct {
		name                          string
		discharge, available, release string
		wantKey                       string
	}{
		{"all in order", "2026-11-02", "2026-11-03", "2026-11-04", ""},
		{"release before discharge (pre-arrival release)", "2026-11-05", "2026-11-06", "2026-10-30", ""},
		{"available on the day of discharge", "2026-11-05", "2026-11-05", "2026-11-05", ""},
		{"not discharged yet", "", "", "2026-11-05", ""},
		{"discharged, not yet available", "2026-11-05", "", "2026-11-05", ""},
		{"available before discharge", "2026-11-05", "2026-11-04", "2026-11-05", "available_date"},
		{"available, no discharge", "", "2026-11-04", "2026-11-05", "discharge_date"},
		{"no release date", "2026-11-05", "2026-11-06", "", "release_date"},
	}
	opt := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		return datePtr(s)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validInput()
			s.DischargeDate, s.AvailableDate = opt(tt.discharge), opt(tt.available)
			s.ReleaseDate = time.Time{}
			if tt.release != "" {
				s.ReleaseDate = date(tt.release)
			}
			fe := s.Normalize()
			if tt.wantKey == "" && fe != nil {
				t.Fatalf("Normalize() = %v, want nil", fe)
			}
			if tt.wantKey != "" && (len(fe) != 1 || fe[tt.wantKey] == "") {
				t.Fatalf("Normalize() = %v, want one error on %s", fe, tt.wantKey)
			}
		})
	}
}

func TestNormalizeZeroDatesBecomeNil(t *testing.T) {
	s := validInput()
	zero := time.Time{}
	s.DischargeDate, s.AvailableDate = &zero, &zero
	if fe := s.Normalize(); fe != nil {
		t.Fatalf("Normalize() = %v", fe)
	}
	if s.DischargeDate != nil || s.AvailableDate != nil {
		t.Fatalf("zero dates kept: %v %v", s.DischargeDate, s.AvailableDate)
	}
}

func TestID(t *testing.T) {
	tests := []struct{ entry, want string }{
		{"PRX-2600101-4", "SH-PRX26001014"},
		{"prx26001014", "SH-PRX26001014"},
		{" PRX-2600101-4 ", "SH-PRX26001014"},
		{"PRX-2600102-2", "SH-PRX26001022"},
		{"PRX-260010", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := (ShipmentInput{EntryNumber: tt.entry}).ID(); got != tt.want {
			t.Errorf("ID() of entry %q = %q, want %q", tt.entry, got, tt.want)
		}
	}
}

func TestContainerSealsAndCategories(t *testing.T) {
	s := validInput()
	s.Containers = append(s.Containers, Container{Number: "CSQU3054383"})
	s.Lines = append(s.Lines, Line{SKU: "X", Description: "x", HTS: "8204.20.0000", Value: usd("1"), Category: "lithium_battery_tool"})
	if fe := s.Normalize(); fe != nil {
		t.Fatal(fe)
	}
	wantSeals := []domain.ContainerSeal{
		{Container: "MSKU1234565", Seal: "ML4411001"},
		{Container: "MAEU7654320", Seal: "ML4411002"},
		{Container: "MAEU7654320", Seal: "ML4411003"},
		{Container: "CSQU3054383"},
	}
	if got := s.ContainerSeals(); !reflect.DeepEqual(got, wantSeals) {
		t.Errorf("ContainerSeals() = %v, want %v", got, wantSeals)
	}
	if m := domain.MatchSeals(s.ContainerSeals(), wantSeals); m != nil {
		t.Errorf("MatchSeals with itself = %v", m)
	}
	wantCats := []domain.ProductCategory{domain.CategoryLithiumBatteryTool, domain.CategoryPneumaticTool}
	if got := s.Categories(); !reflect.DeepEqual(got, wantCats) {
		t.Errorf("Categories() = %v, want %v", got, wantCats)
	}
}

func TestFieldErrorsError(t *testing.T) {
	fe := FieldErrors{"port": "bad", "carrier": "missing", "lines[0].hts": "short"}
	if got, want := fe.Error(), "carrier: missing; lines[0].hts: short; port: bad"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
