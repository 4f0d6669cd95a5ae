package workflows

import (
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Custom search attributes, registered on the namespace at first start, so
// managers (and the Temporal CLI) can find cases in Temporal's visibility.
var (
	SACaseKind        = temporal.NewSearchAttributeKeyKeyword("CaseKind")
	SACaseStatus      = temporal.NewSearchAttributeKeyKeyword("CaseStatus")
	SACaseStep        = temporal.NewSearchAttributeKeyKeyword("CaseStep")
	SAEntryNumber     = temporal.NewSearchAttributeKeyKeyword("EntryNumber")
	SAPort            = temporal.NewSearchAttributeKeyKeyword("CBPPort")
	SAHTSCode         = temporal.NewSearchAttributeKeyKeyword("HTSCode")
	SAAssignee        = temporal.NewSearchAttributeKeyKeyword("Assignee")
	SAEscalationLevel = temporal.NewSearchAttributeKeyInt64("EscalationLevel")
	// SADetentionKind is a detention case's kind (hs_misclassification,
	// seal_mismatch, ...); CaseKind stays "detention" for all of them.
	SADetentionKind = temporal.NewSearchAttributeKeyKeyword("DetentionKind")
	// SAShipmentID is set on a shipment and on every case it opened.
	SAShipmentID = temporal.NewSearchAttributeKeyKeyword("ShipmentID")
)

// SearchAttributeTypes lists every custom attribute with its type, in a fixed order.
var SearchAttributeTypes = []struct {
	Name string
	Type enums.IndexedValueType
}{
	{SACaseKind.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SACaseStatus.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SACaseStep.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAEntryNumber.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAPort.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAHTSCode.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAAssignee.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAEscalationLevel.GetName(), enums.INDEXED_VALUE_TYPE_INT},
	{SADetentionKind.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAShipmentID.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
}

// SearchAttributesAtStart are set when a case workflow starts, by the API
// or by the shipment that opens it as a child. HTSCode and ShipmentID are
// left out when the case has none.
func SearchAttributesAtStart(in OpenCaseInput) temporal.SearchAttributes {
	sas := []temporal.SearchAttributeUpdate{
		SACaseKind.ValueSet("detention"),
		SADetentionKind.ValueSet(string(in.KindOrDefault())),
		SACaseStatus.ValueSet(StatusOpen),
		SAEntryNumber.ValueSet(in.EntryNumber),
		SAPort.ValueSet(in.Port),
	}
	if in.CorrectHTS != "" {
		sas = append(sas, SAHTSCode.ValueSet(string(in.CorrectHTS)))
	}
	if in.ShipmentID != "" {
		sas = append(sas, SAShipmentID.ValueSet(in.ShipmentID))
	}
	return temporal.NewSearchAttributes(sas...)
}
