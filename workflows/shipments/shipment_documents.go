package shipments

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

func (s *shipment) requirement(kind domain.DocumentKind) *workflows.DocRequirement {
	for i := range s.state.Documents {
		if s.state.Documents[i].Kind == kind {
			return &s.state.Documents[i]
		}
	}
	return nil
}

func (s *shipment) checkAttachDocument(in *workflows.AttachDocumentInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	checkDocumentRef(fe, "document", in.Document)
	if r := s.requirement(in.Kind); r == nil {
		fe["kind"] = fmt.Sprintf("%q is not required by this shipment's lines", in.Kind)
	} else if r.Status == workflows.DocNotApplicable {
		fe["kind"] = r.Label + " was approved as not applicable"
	} else if slices.ContainsFunc(r.Documents, func(d workflows.DocumentRef) bool { return d.SHA256 == in.Document.SHA256 }) {
		fe["document"] = "this file is already attached to " + r.Label
	}
}

func (s *shipment) attachDocument(ctx workflow.Context, actor workflows.Actor, in workflows.AttachDocumentInput) error {
	r := s.requirement(in.Kind)
	r.Documents = append(r.Documents, in.Document)
	r.Status = workflows.DocAttached
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipAttachDocument), fmt.Sprintf("%s attached: %s (sha256 %s)", r.Label, in.Document.Filename, in.Document.SHA256[:12]))
	return nil
}

func (s *shipment) checkNotApplicable(in *workflows.NotApplicableInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	in.Reason = kit.Required(fe, "reason", in.Reason)
	if r := s.requirement(in.Kind); r == nil {
		fe["kind"] = fmt.Sprintf("%q is not required by this shipment's lines", in.Kind)
	} else if r.Status != workflows.DocMissing {
		fe["kind"] = fmt.Sprintf("%s is %s", r.Label, strings.ReplaceAll(r.Status, "_", " "))
	}
}

func (s *shipment) requestNotApplicable(ctx workflow.Context, actor workflows.Actor, in workflows.NotApplicableInput) error {
	r := s.requirement(in.Kind)
	a := actor
	r.Status, r.NAReason, r.NARequest = workflows.DocNARequested, in.Reason, &a
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipRequestNotApplicable), fmt.Sprintf("%s marked not applicable, for a manager to approve: %s", r.Label, in.Reason))
	return nil
}

// decodeDecideNotApplicable refuses the manager who asked (403, before any
// field error): the decider must be another manager.
func decodeDecideNotApplicable(s *shipment, actor workflows.Actor, raw json.RawMessage, _ time.Time) (workflows.DecideNotApplicableInput, error) {
	var in workflows.DecideNotApplicableInput
	if err := kit.StrictDecode(raw, &in); err != nil {
		return in, err
	}
	fe := kit.FieldErrors{}
	if r := s.requirement(in.Kind); r == nil || r.Status != workflows.DocNARequested {
		fe["kind"] = fmt.Sprintf("%q is not waiting for a not-applicable decision", in.Kind)
	} else if r.NARequest != nil && strings.EqualFold(r.NARequest.Email, actor.Email) {
		return in, kit.Forbidden("the manager who decides must not be the one who asked")
	}
	if in.Decision != "approved" && in.Decision != "rejected" {
		fe["decision"] = `must be "approved" or "rejected"`
	}
	if in.Decision == "rejected" {
		in.Comment = kit.Required(fe, "comment", in.Comment)
	}
	if len(fe) > 0 {
		return in, kit.Invalid(fe)
	}
	return in, nil
}

func (s *shipment) decideNotApplicable(ctx workflow.Context, actor workflows.Actor, in workflows.DecideNotApplicableInput) error {
	r := s.requirement(in.Kind)
	a := actor
	r.NADecision, r.NAComment, r.NADecider = in.Decision, in.Comment, &a
	if in.Decision == "approved" {
		r.Status = workflows.DocNotApplicable
	} else {
		r.Status = workflows.DocMissing
	}
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipDecideNotApplicable), fmt.Sprintf("%s not applicable: %s %s", r.Label, in.Decision, in.Comment))
	return nil
}

func checkDocumentRef(fe kit.FieldErrors, field string, d workflows.DocumentRef) {
	switch {
	case d.ID == "":
		fe[field+".id"] = "is required: upload the file first"
	case !sha256Re.MatchString(d.SHA256):
		fe[field+".sha256"] = "must be the file's SHA-256 in lower-case hex"
	case d.Size <= 0:
		fe[field+".size"] = "must be positive"
	}
}
