package domain

import (
	"strings"
	"testing"
)

func TestParseEntryNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
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
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseEntryNumber(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseEntryNumber(%q) = %q, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "ABC-1234567-8") {
					t.Errorf("error %q should show the expected form", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseEntryNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParsePort(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
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
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePort(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParsePort(%q) = %q, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "4-digit") {
					t.Errorf("error %q should say a port code has 4 digits", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParsePort(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
