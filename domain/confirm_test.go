package domain

import (
	"strings"
	"testing"
)

func TestNormalizeBL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"MAEU123456789", "MAEU123456789"},
		{" maeu 1234-5678 9 ", "MAEU123456789"},
		{"MAEU\t123456789\n", "MAEU123456789"},
		{"--", ""},
		{"", ""},
		{"OOLU/2345", "OOLU/2345"}, // only spaces and dashes are dropped
	}
	for _, tt := range tests {
		if got := NormalizeBL(tt.in); got != tt.want {
			t.Errorf("NormalizeBL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBLMatchesISF(t *testing.T) {
	tests := []struct {
		name       string
		bl, isf    string
		want       bool
		wantReason string
	}{
		{"identical", "MAEU123456789", "MAEU123456789", true, "B/L MAEU123456789 matches the ISF"},
		{"equal after normalising", "maeu-1234 56789", "MAEU123456789", true, "matches the ISF"},
		{"SCAC on the B/L only", "MAEU123456789", "123456789", true, "once the SCAC prefix MAEU is removed from the B/L"},
		{"SCAC on the ISF only", "123456789", "MAEU123456789", true, "once the SCAC prefix MAEU is removed from the ISF B/L"},
		{"SCAC on the ISF only, normalised", "1234-56789", "maeu 123456789", true, "removed from the ISF B/L"},
		{"different SCACs are different bills", "MAEU123456789", "OOLU123456789", false, "B/L MAEU123456789 does not match ISF B/L OOLU123456789"},
		{"one digit differs", "MAEU123456789", "MAEU123456788", false, "does not match"},
		{"one digit differs without SCAC", "MAEU123456789", "123456788", false, "does not match"},
		{"prefix is not 4 letters", "MAE1123456789", "123456789", false, "does not match"},
		{"a 3-letter prefix is not a SCAC", "MAE123456789", "123456789", false, "does not match"},
		{"a 5-letter prefix is not a SCAC", "MAEUX123456789", "123456789", false, "does not match"},
		{"SCAC alone is not a number", "MAEU", "", false, "ISF B/L number is missing"},
		{"house B/L with letters after the SCAC", "SHPTABC12345", "ABC12345", true, "SCAC prefix SHPT is removed from the B/L"},
		{"B/L missing", "  ", "MAEU1", false, "B/L number is missing"},
		{"ISF B/L missing", "MAEU1", "", false, "ISF B/L number is missing"},
		{"both missing", "", "-", false, "both missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := BLMatchesISF(tt.bl, tt.isf)
			if got != tt.want || !strings.Contains(reason, tt.wantReason) {
				t.Fatalf("BLMatchesISF(%q, %q) = %v, %q; want %v with %q", tt.bl, tt.isf, got, reason, tt.want, tt.wantReason)
			}
		})
	}
}

// Check digits computed independently (Python, ISO 6346 letter values
// A=10 … Z=38 skipping 11, 22, 33; sum of value × 2^i mod 11 mod 10).
func TestContainerCheckDigit(t *testing.T) {
	tests := []struct {
		first10 string
		want    int
	}{
		{"CSQU305438", 3}, // the example in ISO 6346's description
		{"MSKU907032", 3},
		{"TGHU123456", 7},
		{"MAEU000001", 3},
		{"OOLU000000", 8},
		{"HLXU100000", 7},
		{"ZZZU999999", 2},
		{"TCNU000000", 6},
		{"MSCJ123456", 9},
		{"ABCZ000001", 0},
		{"MSKU000008", 0}, // remainder 10 is written 0
	}
	for _, tt := range tests {
		if got := ContainerCheckDigit(tt.first10); got != tt.want {
			t.Errorf("ContainerCheckDigit(%s) = %d, want %d", tt.first10, got, tt.want)
		}
	}
	// The letter table skips multiples of 11.
	want := map[byte]int{'A': 10, 'B': 12, 'K': 21, 'L': 23, 'U': 32, 'V': 34, 'Z': 38}
	for c, v := range want {
		if got := iso6346Letter[c-'A']; got != v {
			t.Errorf("value of %c = %d, want %d", c, got, v)
		}
	}
}

func TestParseContainerNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"CSQU3054383", "CSQU3054383", ""},
		{"csqu 305438-3", "CSQU3054383", ""},
		{" MSKU 907032 3 ", "MSKU9070323", ""},
		{"MSKU0000080", "MSKU0000080", ""}, // remainder 10 → check digit 0
		{"MSCJ1234569", "MSCJ1234569", ""}, // J: detachable equipment
		{"ABCZ0000010", "ABCZ0000010", ""}, // Z: trailer or chassis
		{"CSQU3054384", "", "check digit is 4 but ISO 6346 gives 3 for CSQU305438"},
		{"CSQU3054833", "", "check digit is 3 but ISO 6346 gives"}, // transposed digits
		{"CSQX3054383", "", "must be U, J or Z, not X"},
		{"CSQU305438", "", "got 10 characters"},
		{"CSQU30543830", "", "got 12 characters"},
		{"", "", "got 0 characters"},
		{"CS1U3054383", "", "first 4 characters must be letters"},
		{"CSQU30543A3", "", "last 7 characters must be digits"},
		{"CSQU305438/3", "", "got 12 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseContainerNumber(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseContainerNumber(%q) = %q, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseContainerNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// Every single-digit typo in the serial is caught by the check digit.
func TestParseContainerNumberCatchesTypos(t *testing.T) {
	const good = "CSQU3054383"
	for i := 4; i < 10; i++ {
		for d := byte('0'); d <= '9'; d++ {
			if good[i] == d {
				continue
			}
			bad := good[:i] + string(d) + good[i+1:]
			if _, err := ParseContainerNumber(bad); err == nil {
				t.Errorf("ParseContainerNumber(%s) accepted a typo of %s", bad, good)
			}
		}
	}
}

func TestMatchSeals(t *testing.T) {
	const a, b, c = "CSQU3054383", "MSKU9070323", "TGHU1234567"
	cs := func(container, seal string) ContainerSeal { return ContainerSeal{Container: container, Seal: seal} }
	type mm struct {
		container string
		kind      SealMismatchKind
		decl, do  string
		reason    string
	}
	tests := []struct {
		name     string
		declared []ContainerSeal
		do       []ContainerSeal
		want     []mm
	}{
		{"nothing on either side", nil, nil, nil},
		{"all match", []ContainerSeal{cs(a, "ML123"), cs(b, "ML456")}, []ContainerSeal{cs(b, "ML456"), cs(a, "ML123")}, nil},
		{"match after normalising container and seal", []ContainerSeal{cs("csqu 305438-3", "ml-123")}, []ContainerSeal{cs(a, "ML 123")}, nil},
		{"seal differs", []ContainerSeal{cs(a, "ML123")}, []ContainerSeal{cs(a, "ML124")},
			[]mm{{a, SealDiffers, "ML123", "ML124", "container CSQU3054383: declared seal ML123, delivery order seal ML124"}}},
		{"container missing on the DO", []ContainerSeal{cs(a, "ML123"), cs(b, "ML456")}, []ContainerSeal{cs(a, "ML123")},
			[]mm{{b, SealContainerMissingDO, "ML456", "", "container MSKU9070323 is declared (seal ML456) but not on the delivery order"}}},
		{"extra container on the DO", []ContainerSeal{cs(a, "ML123")}, []ContainerSeal{cs(a, "ML123"), cs(c, "ML789")},
			[]mm{{c, SealContainerExtraDO, "", "ML789", "container TGHU1234567 is on the delivery order (seal ML789) but not declared"}}},
		{"all three kinds, sorted by container", []ContainerSeal{cs(c, "ML789"), cs(a, "ML123")}, []ContainerSeal{cs(b, "ML456"), cs(c, "ML780")},
			[]mm{
				{a, SealContainerMissingDO, "ML123", "", ""},
				{b, SealContainerExtraDO, "", "ML456", ""},
				{c, SealDiffers, "ML789", "ML780", ""},
			}},
		{"seal missing on the DO", []ContainerSeal{cs(a, "ML123")}, []ContainerSeal{cs(a, "")},
			[]mm{{a, SealDiffers, "ML123", "", "delivery order seal none"}}},
		{"seal not declared", []ContainerSeal{cs(a, " ")}, []ContainerSeal{cs(a, "ML123")},
			[]mm{{a, SealDiffers, "", "ML123", "declared seal none"}}},
		{"no seal on either side is not a mismatch", []ContainerSeal{cs(a, "")}, []ContainerSeal{cs(a, "")}, nil},
		{"two seals, same on both sides in any order", []ContainerSeal{cs(a, "S1"), cs(a, "S2")}, []ContainerSeal{cs(a, "S2"), cs(a, "S1")}, nil},
		{"one of two seals missing", []ContainerSeal{cs(a, "S1"), cs(a, "S2")}, []ContainerSeal{cs(a, "S1")},
			[]mm{{a, SealDiffers, "S1, S2", "S1", "declared seal S1, S2, delivery order seal S1"}}},
		{"a repeated line is one seal", []ContainerSeal{cs(a, "S1"), cs(a, "S1")}, []ContainerSeal{cs(a, "S1")}, nil},
		{"an invalid container number is still compared", []ContainerSeal{cs("ABCD1234567", "S1")}, []ContainerSeal{cs("abcd-1234567", "S2")},
			[]mm{{"ABCD1234567", SealDiffers, "S1", "S2", ""}}},
		{"a typo in the DO's container number shows as missing and extra", []ContainerSeal{cs(a, "S1")}, []ContainerSeal{cs("CSQU3054384", "S1")},
			[]mm{{a, SealContainerMissingDO, "S1", "", ""}, {"CSQU3054384", SealContainerExtraDO, "", "S1", ""}}},
		{"nothing delivered yet: every container missing", []ContainerSeal{cs(b, "S2"), cs(a, "S1")}, nil,
			[]mm{{a, SealContainerMissingDO, "S1", "", ""}, {b, SealContainerMissingDO, "S2", "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MatchSeals(tt.declared, tt.do)
			if len(got) != len(tt.want) {
				t.Fatalf("MatchSeals = %+v, want %d mismatches", got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Container != w.container || g.Kind != w.kind || g.Declared != w.decl || g.OnDeliveryOrder != w.do {
					t.Fatalf("mismatch %d = %+v, want {%s %s declared %q DO %q}", i, g, w.container, w.kind, w.decl, w.do)
				}
				if !strings.Contains(g.Reason, w.reason) || g.Reason == "" {
					t.Fatalf("mismatch %d reason %q, want it to contain %q", i, g.Reason, w.reason)
				}
			}
		})
	}
}
