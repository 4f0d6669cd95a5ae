package api

import "testing"

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"Acme Tools Inc.":      "Acme Tools Inc.",
		"=1+1":                 "'=1+1",
		"+1 555 0100":          "'+1 555 0100",
		"-2+3":                 "'-2+3",
		"@SUM(A1:A9)":          "'@SUM(A1:A9)",
		"\t=cmd":               "'\t=cmd",
		"\r=cmd":               "'\r=cmd",
		"-12.50":               "-12.50", // an amount stays a number
		"+7":                   "+7",
		"a=b":                  "a=b",
		"2026-12-04T10:00:00Z": "2026-12-04T10:00:00Z",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
