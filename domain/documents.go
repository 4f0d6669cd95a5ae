package domain

import (
	"fmt"
	"strings"
)

// ProductCategory is a line item's category for regulated documents.
type ProductCategory string

const (
	CategoryPowerTool          ProductCategory = "power_tool"
	CategoryPneumaticTool      ProductCategory = "pneumatic_tool"
	CategoryLithiumBatteryTool ProductCategory = "lithium_battery_tool"
	CategoryOther              ProductCategory = "other"
)

// ProductCategories lists the categories in the order forms show them.
func ProductCategories() []ProductCategory {
	return []ProductCategory{CategoryPowerTool, CategoryPneumaticTool, CategoryLithiumBatteryTool, CategoryOther}
}

// ParseProductCategory accepts a category code; case, surrounding spaces and
// spaces or dashes for underscores are forgiven, so a broker's CSV may say
// "Power Tool" or "pneumatic-tool".
func ParseProductCategory(s string) (ProductCategory, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	norm = strings.NewReplacer(" ", "_", "-", "_").Replace(norm)
	for _, c := range ProductCategories() {
		if ProductCategory(norm) == c {
			return c, nil
		}
	}
	return "", fmt.Errorf("product category %q: must be power_tool, pneumatic_tool, lithium_battery_tool or other", s)
}

// DocumentKind is a kind of document a shipment may need.
type DocumentKind string

const (
	DocFCCCertificate             DocumentKind = "fcc_certificate"
	DocMSDSPressureTest           DocumentKind = "msds_pressure_test"
	DocUN383Report                DocumentKind = "un38_3_report"
	DocShortCircuitPackagingProof DocumentKind = "short_circuit_packaging_proof"
	DocDeliveryOrder              DocumentKind = "delivery_order"
)

// DocumentKinds lists every kind in a fixed order, the order in which missing
// documents are reported.
func DocumentKinds() []DocumentKind {
	return []DocumentKind{DocFCCCertificate, DocMSDSPressureTest, DocUN383Report, DocShortCircuitPackagingProof, DocDeliveryOrder}
}

var documentLabels = map[DocumentKind]string{
	DocFCCCertificate:             "FCC certificate (electronic copy)",
	DocMSDSPressureTest:           "MSDS including pressure-vessel test data",
	DocUN383Report:                "UN38.3 test report",
	DocShortCircuitPackagingProof: "Proof of short-circuit-prevention packaging",
	DocDeliveryOrder:              "Delivery order",
}

// Label is the name an officer reads; an unknown kind shows its code.
func (k DocumentKind) Label() string { return labelOf(documentLabels, k) }

// ParseDocumentKind accepts one of the document kind codes.
func ParseDocumentKind(s string) (DocumentKind, error) {
	return parseCode(documentLabels, s, "document kind", "one of fcc_certificate, msds_pressure_test, un38_3_report, short_circuit_packaging_proof, delivery_order")
}

// RequiredDocuments are the regulated documents a product category needs
// (seed; lithium batteries also US DOT from 2022): power tools an FCC
// certificate, pneumatic tools an MSDS with pressure-vessel test data, tools
// with lithium batteries a UN38.3 report and proof of short-circuit-prevention
// packaging. Other products and unknown categories need none. The delivery
// order is required of every shipment by the carrier check, not by category.
func RequiredDocuments(c ProductCategory) []DocumentKind {
	switch c {
	case CategoryPowerTool:
		return []DocumentKind{DocFCCCertificate}
	case CategoryPneumaticTool:
		return []DocumentKind{DocMSDSPressureTest}
	case CategoryLithiumBatteryTool:
		return []DocumentKind{DocUN383Report, DocShortCircuitPackagingProof}
	}
	return nil
}

// MissingDocuments lists the documents the categories require that have is not
// true for, each once, in DocumentKinds order, so a shipment of a hundred
// power-tool lines asks for one FCC certificate.
func MissingDocuments(categories []ProductCategory, have map[DocumentKind]bool) []DocumentKind {
	need := map[DocumentKind]bool{}
	for _, c := range categories {
		for _, k := range RequiredDocuments(c) {
			need[k] = true
		}
	}
	var missing []DocumentKind
	for _, k := range DocumentKinds() {
		if need[k] && !have[k] {
			missing = append(missing, k)
		}
	}
	return missing
}
