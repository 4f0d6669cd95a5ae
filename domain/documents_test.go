package domain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseProductCategory(t *testing.T) {
	checkCodeParser(t, "ParseProductCategory", ParseProductCategory, "must be power_tool, pneumatic_tool, lithium_battery_tool or other", []codeCase[ProductCategory]{
		{"power_tool", CategoryPowerTool, false},
		{"pneumatic_tool", CategoryPneumaticTool, false},
		{"lithium_battery_tool", CategoryLithiumBatteryTool, false},
		{"other", CategoryOther, false},
		{"  Power Tool ", CategoryPowerTool, false},
		{"PNEUMATIC-TOOL", CategoryPneumaticTool, false},
		{"Lithium Battery Tool", CategoryLithiumBatteryTool, false},
		{"", "", true},
		{"power", "", true},
		{"power__tool", "", true},
		{"battery", "", true},
		{"power_tools", "", true},
	})
}

func TestParseDocumentKind(t *testing.T) {
	for _, k := range DocumentKinds() {
		if got, err := ParseDocumentKind(" " + strings.ToUpper(string(k)) + " "); err != nil || got != k {
			t.Errorf("ParseDocumentKind(%q) = %q, %v", k, got, err)
		}
	}
	for _, bad := range []string{"", "fcc", "un38.3_report", "msds"} {
		if got, err := ParseDocumentKind(bad); err == nil {
			t.Errorf("ParseDocumentKind(%q) = %q, want an error", bad, got)
		}
	}
}

func TestDocumentKindLabel(t *testing.T) {
	tests := []struct {
		kind DocumentKind
		want string
	}{
		{DocFCCCertificate, "FCC certificate (electronic copy)"},
		{DocMSDSPressureTest, "MSDS including pressure-vessel test data"},
		{DocUN383Report, "UN38.3 test report"},
		{DocShortCircuitPackagingProof, "Proof of short-circuit-prevention packaging"},
		{DocDeliveryOrder, "Delivery order"},
		{DocumentKind("customs_bond"), "customs_bond"},
	}
	for _, tt := range tests {
		if got := tt.kind.Label(); got != tt.want {
			t.Errorf("%s.Label() = %q, want %q", tt.kind, got, tt.want)
		}
	}
	if len(DocumentKinds()) != len(documentLabels) {
		t.Fatalf("%d kinds but %d labels", len(DocumentKinds()), len(documentLabels))
	}
}

func TestRequiredDocuments(t *testing.T) {
	tests := []struct {
		c    ProductCategory
		want []DocumentKind
	}{
		{CategoryPowerTool, []DocumentKind{DocFCCCertificate}},
		{CategoryPneumaticTool, []DocumentKind{DocMSDSPressureTest}},
		{CategoryLithiumBatteryTool, []DocumentKind{DocUN383Report, DocShortCircuitPackagingProof}},
		{CategoryOther, nil},
		{ProductCategory("unknown"), nil},
	}
	for _, tt := range tests {
		if got := RequiredDocuments(tt.c); !slices.Equal(got, tt.want) {
			t.Errorf("RequiredDocuments(%s) = %v, want %v", tt.c, got, tt.want)
		}
	}
}

func TestMissingDocuments(t *testing.T) {
	all := map[DocumentKind]bool{DocFCCCertificate: true, DocMSDSPressureTest: true, DocUN383Report: true, DocShortCircuitPackagingProof: true}
	tests := []struct {
		name string
		cats []ProductCategory
		have map[DocumentKind]bool
		want []DocumentKind
	}{
		{"no lines", nil, nil, nil},
		{"other needs nothing", []ProductCategory{CategoryOther, CategoryOther}, nil, nil},
		{"power tool without certificate", []ProductCategory{CategoryPowerTool}, nil, []DocumentKind{DocFCCCertificate}},
		{"power tool with certificate", []ProductCategory{CategoryPowerTool}, map[DocumentKind]bool{DocFCCCertificate: true}, nil},
		{"a false entry is not having it", []ProductCategory{CategoryPowerTool}, map[DocumentKind]bool{DocFCCCertificate: false}, []DocumentKind{DocFCCCertificate}},
		{"many power-tool lines ask once", []ProductCategory{CategoryPowerTool, CategoryPowerTool, CategoryPowerTool}, nil, []DocumentKind{DocFCCCertificate}},
		{"lithium: both documents", []ProductCategory{CategoryLithiumBatteryTool}, nil, []DocumentKind{DocUN383Report, DocShortCircuitPackagingProof}},
		{"lithium: report on file, packaging proof missing", []ProductCategory{CategoryLithiumBatteryTool}, map[DocumentKind]bool{DocUN383Report: true}, []DocumentKind{DocShortCircuitPackagingProof}},
		{"fixed order whatever the line order", []ProductCategory{CategoryLithiumBatteryTool, CategoryOther, CategoryPneumaticTool, CategoryPowerTool}, nil,
			[]DocumentKind{DocFCCCertificate, DocMSDSPressureTest, DocUN383Report, DocShortCircuitPackagingProof}},
		{"everything on file", []ProductCategory{CategoryLithiumBatteryTool, CategoryPneumaticTool, CategoryPowerTool}, all, nil},
		{"documents not required are irrelevant", []ProductCategory{CategoryPneumaticTool}, map[DocumentKind]bool{DocFCCCertificate: true}, []DocumentKind{DocMSDSPressureTest}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MissingDocuments(tt.cats, tt.have); !slices.Equal(got, tt.want) {
				t.Fatalf("MissingDocuments(%v, %v) = %v, want %v", tt.cats, tt.have, got, tt.want)
			}
		})
	}
	// Every order of the lines gives the same answer.
	cats := []ProductCategory{CategoryPowerTool, CategoryLithiumBatteryTool, CategoryPneumaticTool}
	want := fmt.Sprint(MissingDocuments(cats, nil))
	for _, perm := range [][]int{{0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		p := []ProductCategory{cats[perm[0]], cats[perm[1]], cats[perm[2]]}
		if got := fmt.Sprint(MissingDocuments(p, nil)); got != want {
			t.Errorf("MissingDocuments(%v) = %s, want %s", p, got, want)
		}
	}
}
