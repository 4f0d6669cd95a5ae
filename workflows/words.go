package workflows

// Labels are the human words for the values people see: outcomes and
// resolutions a form offers, and any step, task or document name whose
// words written out would not read well. The web form shows a value by its
// label (Label); a value without one is shown by its words.
var Labels = map[string]string{
	SealsVerified:     "Seals verified: the delivery order was wrong",
	SealsResealedCBP:  "Resealed by CBP after its exam",
	CargoInspectedOK:  "Cargo inspected and complete",
	CargoDiscrepancy:  "Cargo differs from the entry",
	HoldRemoved:       "Hold removed (1I)",
	HoldExamCompleted: "Exam completed, goods released",
	HoldSeized:        "Goods seized",
	// The kind's name written out would read "Hs misclassification".
	string(KindHSMisclassification): "HS misclassification",
}

// Label is a value's human label, or "" when it has none (see Labels).
func Label(value string) string { return Labels[value] }

// CheckLabels say what each confirmation check of a shipment confirms.
var CheckLabels = map[CheckName]string{
	CheckRelease:            "Released, no open hold",
	CheckBLISF:              "B/L agrees with the ISF",
	CheckContainerLocations: "Terminal location of every container",
	CheckPickupNumber:       "Pickup number (and PierPass appointment)",
	CheckDeliveryOrder:      "Delivery order received",
	CheckSeals:              "Seals on the delivery order match",
}

// CheckWords name a check in a sentence ("the seals differ: case … open").
var CheckWords = map[CheckName]string{
	CheckRelease:            "CBP release",
	CheckBLISF:              "B/L against the ISF",
	CheckContainerLocations: "container locations",
	CheckPickupNumber:       "pickup number",
	CheckDeliveryOrder:      "delivery order",
	CheckSeals:              "seals",
}
