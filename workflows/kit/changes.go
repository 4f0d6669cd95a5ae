package kit

// The GetVersion change ids of the case and the shipment workflows (the
// kit's own is ChangeClockAndOutbox). A change id is never reused.

// ChangeCaseKinds is the GetVersion change id of case kinds and of the
// closing signal to a parent shipment.
const ChangeCaseKinds = "case-kinds"

// ChangeLegalTimeZone is the GetVersion change id of legal days in a named
// zone (OpenCaseInput.LegalTimeZone; the shipment's too). Version 1: a last
// day ends at the end of that day in the zone, UTC when the input has none,
// and the reconciliation step is due at the end of its due day. A run
// started before (DefaultVersion) keeps 00:00 UTC and the start of the recon
// due day even if its input somehow names a zone, so its timers replay.
const ChangeLegalTimeZone = "legal-time-zone"

// ChangeExplicitZeroPenalty is the GetVersion change id of a reported
// misclassification's penalty rate: an explicit 0 is kept, only an absent
// rate takes the default (before, 0 was read as absent).
const ChangeExplicitZeroPenalty = "explicit-zero-penalty"

// ChangeTasksAndReferences is the GetVersion change id of taskNotices and
// strictReferences.
const ChangeTasksAndReferences = "tasks-and-references"

// ChangeRemedyRouting is the GetVersion change id of routing a shipment's
// misclassified line by the entry's status (OpenCaseInput.Remedy): a run
// started before accepts every correction its case would, as it did, so an
// update it applied is applied again on replay.
const ChangeRemedyRouting = "remedy-routing"
