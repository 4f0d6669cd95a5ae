package domain

import (
	"fmt"
	"testing"
)

func TestParseEntryNumber(t *testing.T) {
	checkCodeParser(t, "ParseEntryNumber", ParseEntryNumber, "ABC-1234567-8", []codeCase[string]{
		{"ABC-1234567-8", "ABC-1234567-8", false},
		{"ABC12345678", "ABC-1234567-8", false},
		{"abc-1234567-8", "ABC-1234567-8", false},
		{"  abc12345678\t", "ABC-1234567-8", false},
		{"ABC-12345678", "ABC-1234567-8", false},
		{"ABC1234567-8", "ABC-1234567-8", false},
		{"A1C-1234567-8", "A1C-1234567-8", false},
		{"123-1234567-8", "123-1234567-8", false},
		{"", "", true},
		{"AB-1234567-8", "", true},
		{"ABCD-1234567-8", "", true},
		{"ABC-123456-8", "", true},
		{"ABC-12345678-9", "", true},
		{"ABC-1234567-", "", true},
		{"ABC-1234567-89", "", true},
		{"ABC 1234567 8", "", true},
		{"ABC--1234567-8", "", true},
		{"ABC-123456A-8", "", true},
		{"ABC-1234567-X", "", true},
		{"AB_-1234567-8", "", true},
		{"ÄBC-1234567-8", "", true},
	})
}

func TestParsePort(t *testing.T) {
	checkCodeParser(t, "ParsePort", ParsePort, "4-digit", []codeCase[string]{
		{"2704", "2704", false},
		{" 1001 ", "1001", false},
		{"0101", "0101", false},
		{"", "", true},
		{"270", "", true},
		{"27045", "", true},
		{"27a4", "", true},
		{"27 04", "", true},
		{"LAX", "", true},
		{"-2704", "", true},
	})
}

// codeCase is an input to a parser of codes and what it gives: want, or an
// error when wantErr.
type codeCase[C ~string] struct {
	in      string
	want    C
	wantErr bool
}

// checkCodeParser runs parse on each case; an error must show errText (the
// form expected).
func checkCodeParser[C ~string](t *testing.T, name string, parse func(string) (C, error), errText string, tests []codeCase[C]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parse(tt.in)
			if tt.wantErr {
				checkErr(t, fmt.Sprintf("%s(%q)", name, tt.in), err, errText)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("%s(%q) = %q, %v; want %q", name, tt.in, got, err, tt.want)
			}
		})
	}
}
