package domain

import (
	"strings"
	"testing"
)

func TestParseHTS(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    HTSCode
		wantErr string // substring of the error; "" means success
	}{
		// accepted, and normalised to ####.##.####
		{"dotted", "7326.90.8688", "7326.90.8688", ""},
		{"bare 10 digits", "7326908688", "7326.90.8688", ""},
		{"spaces around dotted", "  7326.90.8688  ", "7326.90.8688", ""},
		{"tabs and newline around bare", "\t8204110030\n", "8204.11.0030", ""},
		{"chapter 01", "0101.21.0010", "0101.21.0010", ""},
		{"chapter 99", "9903.88.0015", "9903.88.0015", ""},
		{"leading zero in heading only", "0901210000", "0901.21.0000", ""},
		{"all nines", "9999999999", "9999.99.9999", ""},

		// required
		{"empty", "", "", "is required"},
		{"only spaces", "   ", "", "is required"},

		// dots in the wrong places
		{"dot after 2", "73.26.90.8688", "", "dots belong after the 4th and 6th digit"},
		{"dot after 5", "73269.0.8688", "", "dots belong after the 4th and 6th digit"},
		{"second dot after 5th digit", "7326.9.08688", "", "dots belong after the 4th and 6th digit"},
		{"double dot", "7326..908688", "", "dots belong after the 4th and 6th digit"},
		{"leading dot", ".7326908688", "", "dots belong after the 4th and 6th digit"},
		{"trailing dot", "7326.90.8688.", "", "dots belong after the 4th and 6th digit"},
		{"dotted 8-digit subheading form", "7326.90.86.88", "", "dots belong after the 4th and 6th digit"},
		{"only the first dot", "7326.908688", "", "write it as ####.##.####"},
		{"only the second dot", "7326908.688", "", "write it as ####.##.####"},

		// other characters
		{"letter at the end", "7326.90.868A", "", "only digits and dots"},
		{"prefix", "HTS7326908688", "", "only digits and dots"},
		{"dashes", "7326-90-8688", "", "only digits and dots"},
		{"inner spaces", "7326 90 8688", "", "only digits and dots"},
		{"space inside dotted", "7326. 90.8688", "", "only digits and dots"},
		{"full-width digits", "７３２６９０８６８８", "", "only digits and dots"},
		{"minus sign", "-7326908688", "", "only digits and dots"},

		// digit count
		{"9 digits bare", "732690868", "", "needs 10 digits (####.##.####), has 9"},
		{"11 digits bare", "73269086881", "", "needs 10 digits (####.##.####), has 11"},
		{"6 digits (subheading only)", "7326.90", "", "needs 10 digits (####.##.####), has 6"},
		{"4 digits", "7326", "", "has 4"},
		{"9 digits dotted", "7326.90.868", "", "has 9"},
		{"11 digits dotted", "7326.90.86881", "", "has 11"},

		// chapter 00
		{"chapter 00 dotted", "0026.90.8688", "", "chapter 00 does not exist"},
		{"chapter 00 bare", "0000000000", "", "chapter 00 does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHTS(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseHTS(%q): unexpected error %v", tt.in, err)
				}
				if got != tt.want {
					t.Fatalf("ParseHTS(%q) = %q, want %q", tt.in, got, tt.want)
				}
				// The dotted form parses to itself.
				again, err := ParseHTS(string(got))
				if err != nil || again != got {
					t.Fatalf("ParseHTS(%q) is not idempotent: %q, %v", got, again, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseHTS(%q) = %q, want an error containing %q", tt.in, got, tt.wantErr)
			}
			if got != "" {
				t.Errorf("ParseHTS(%q) returned %q with its error, want empty", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseHTS(%q) error = %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestHTSCodeParts(t *testing.T) {
	c, err := ParseHTS("8204110030")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Chapter(); got != "82" {
		t.Errorf("Chapter() = %q, want 82", got)
	}
	if got := c.Heading(); got != "8204" {
		t.Errorf("Heading() = %q, want 8204", got)
	}
	if got := c.String(); got != "8204.11.0030" {
		t.Errorf("String() = %q, want 8204.11.0030", got)
	}
}
