package kit

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// An action is one declared value, a Spec: its name, who may take it and
// when (Permit, which the update's validator, the API's available actions
// and the web form all ask), its typed input with one decode-and-check, the
// function that applies it, and what a form shows (title, help, fields,
// options, the confirmation of its consequences). A workflow registers an
// update handler and validator per spec (Register); the API and the web form
// read the same specs.

// FieldKind says how a form shows a field and which rule the validator
// applies to its value, on top of the action's own check.
type FieldKind string

const (
	FieldText     FieldKind = "text"     // one line (domain.ShortText)
	FieldName     FieldKind = "name"     // a person's or a company's name (domain.NameText)
	FieldLongText FieldKind = "textarea" // lines (domain.LongText)
	FieldChoice   FieldKind = "select"   // one of Options
	FieldMoney    FieldKind = "money"    // USD in plain decimal notation (domain.ParseMoney)
	FieldRate     FieldKind = "rate"     // a fraction in plain notation (domain.ParseRate)
	FieldDate     FieldKind = "date"     // YYYY-MM-DD
	FieldTime     FieldKind = "time"     // an RFC 3339 time, not in the future nor past record retention
	FieldCode     FieldKind = "code"     // one line with a format of its own, which the action checks
	FieldHTS      FieldKind = "hts"      // an HTS code (####.##.####): the action checks its format, the service that the schedule has it
	FieldUser     FieldKind = "user"     // a user's e-mail; the API offers the users who may take the work
	// An upload form's fields, not the action's input: the API stores the
	// file first and gives the action the stored document.
	FieldFile  FieldKind = "file"  // the file
	FieldFixed FieldKind = "fixed" // sent unchanged, not asked: the value of its one Option
)

// Option is one choice of a FieldChoice: the value sent and its label.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Field is one input of an action.
type Field struct {
	Name    string    `json:"name"` // the input's JSON field
	Label   string    `json:"label"`
	Kind    FieldKind `json:"kind"`
	Help    string    `json:"help,omitempty"`
	Hint    string    `json:"hint,omitempty"` // an example value
	Options []Option  `json:"options,omitempty"`
	// Choices, when set, are a choice's options taken from the state the
	// form is shown for (the open tasks, the containers still in): the
	// state is the kind's *S (see ChoicesOf).
	Choices func(state any, actor workflows.Actor) []Option `json:"-"`
	// Each, when set, repeats the field once per option it gives, named
	// Name + "_" + the option's value and labelled by the option (an upload
	// form's seal numbers, one input per container).
	Each func(state any, actor workflows.Actor) []Option `json:"-"`
}

// ChoicesOf types the options function of a field (Choices, Each) over a
// kind's state S; for a state of another type it gives none.
func ChoicesOf[S any](f func(s *S, actor workflows.Actor) []Option) func(state any, actor workflows.Actor) []Option {
	return func(state any, actor workflows.Actor) []Option {
		if s, ok := state.(*S); ok {
			return f(s, actor)
		}
		return nil
	}
}

// Spec is one action of a workflow kind whose state is S and whose state
// machine (the workflow's struct) is W. Declare it with Define.
type Spec[S, W any] struct {
	Name  string
	Title string // the form's heading and button: "File PSC"
	Help  string // one sentence under the title
	// Button, when set, is the form's button where the title would not
	// fit every choice ("Record the decision" for approve or reject).
	Button string
	// Confirm, when set, is what the form asks before the action is sent:
	// its consequences ("Closing ends the case; nothing can be added"). The
	// web form has the user tick it, for what cannot be undone.
	Confirm string
	// Minor marks a side action (a note, taking or giving back work): the
	// form shows it after the step's own work, with a quieter button.
	Minor  bool
	Fields []Field
	// Note, when set, is what the form says of the state above its fields
	// (when the deposit is due, what blocks pickup).
	Note func(s *S) string
	// Permit says whether actor may take the action on s at now, without
	// looking at its input: nil, or a Conflict or Forbidden refusal.
	Permit func(s *S, actor workflows.Actor, now time.Time) error
	// Recheck has the handler ask Permit again: two updates validated in
	// the same workflow task must not both win (claim), or the first may
	// have changed what the second needs.
	Recheck bool

	decode func(w W, actor workflows.Actor, raw json.RawMessage, now time.Time) (any, error)
	apply  func(ctx workflow.Context, w W, actor workflows.Actor, input any) error
}

// Define declares an action with input type I: its input is decoded
// strictly (unknown fields refused), then check normalises it and records
// what is wrong in fe; apply applies it. check runs in the validator and
// again in the handler, which runs on replay: a stricter rule must be a
// Field rule (validator only) or versioned.
func Define[S, W, I any](spec Spec[S, W], check func(w W, in *I, fe FieldErrors, actor workflows.Actor, now time.Time),
	apply func(w W, ctx workflow.Context, actor workflows.Actor, in I) error) Spec[S, W] {
	return DefineDecode(spec, func(w W, actor workflows.Actor, raw json.RawMessage, now time.Time) (I, error) {
		var in I
		if err := StrictDecode(raw, &in); err != nil {
			return in, err
		}
		fe := FieldErrors{}
		if check != nil {
			check(w, &in, fe, actor, now)
		}
		if len(fe) > 0 {
			return in, Invalid(fe)
		}
		return in, nil
	}, apply)
}

// DefineDecode is Define for an action that decodes its input itself.
func DefineDecode[S, W, I any](spec Spec[S, W], decode func(w W, actor workflows.Actor, raw json.RawMessage, now time.Time) (I, error),
	apply func(w W, ctx workflow.Context, actor workflows.Actor, in I) error) Spec[S, W] {
	spec.decode = func(w W, actor workflows.Actor, raw json.RawMessage, now time.Time) (any, error) {
		in, err := decode(w, actor, raw, now)
		if err != nil {
			return nil, err
		}
		return in, nil
	}
	spec.apply = func(ctx workflow.Context, w W, actor workflows.Actor, input any) error {
		in, ok := input.(I)
		if !ok {
			return fmt.Errorf("action %s: input %T is not a %T", spec.Name, input, in) // a bug: decode made it
		}
		return apply(w, ctx, actor, in)
	}
	return spec
}

// Decode reads and checks an action's input for w as its validator does,
// before the Field rules.
func (s Spec[S, W]) Decode(w W, actor workflows.Actor, raw json.RawMessage, now time.Time) (any, error) {
	return s.decode(w, actor, raw, now)
}

// Find is the spec named name.
func Find[S, W any](specs []Spec[S, W], name string) (Spec[S, W], bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return Spec[S, W]{}, false
}

// Names lists the specs' names, in their order, typed as a kind's action names.
func Names[A ~string, S, W any](specs []Spec[S, W]) []A {
	out := make([]A, len(specs))
	for i, sp := range specs {
		out[i] = A(sp.Name)
	}
	return out
}

// Permit asks the permit of the spec named action.
func Permit[A ~string, S, W any](specs []Spec[S, W], s *S, actor workflows.Actor, action A, now time.Time) error {
	sp, ok := Find(specs, string(action))
	if !ok {
		return Conflict(fmt.Sprintf("unknown action %q", action))
	}
	return sp.Permit(s, actor, now)
}

// Available lists the actions actor may take on s at now, in the order of
// specs.
func Available[A ~string, S, W any](specs []Spec[S, W], s *S, actor workflows.Actor, now time.Time) []A {
	var out []A
	for _, sp := range specs {
		if sp.Permit(s, actor, now) == nil {
			out = append(out, A(sp.Name))
		}
	}
	return out
}

// Machine is what the kit asks of a workflow kind's state machine around
// every action.
type Machine[S any] interface {
	State() *S
	// Guard refuses every action while the machine cannot take one (the
	// case's busy guard); nil otherwise.
	Guard() error
	// Applied reports that an earlier run applied the running update (ids
	// carried across continue-as-new): it is accepted and changes nothing.
	Applied(ctx workflow.Context) bool
	// RememberUpdate keeps the running update's id for the next run.
	RememberUpdate(ctx workflow.Context)
	// Keys are the Idempotency-Keys applied, kept in the state.
	Keys() *[]workflows.AppliedKey
	// Noun names the workflow in refusals: "case", "shipment".
	Noun() string
	// AfterApply runs after every applied action, before the flush.
	AfterApply(now time.Time, actor workflows.Actor)
	// CausedBy names the actor as the cause of the queued notifications
	// (kit.Journal's).
	CausedBy(actor workflows.Actor)
	Flush(ctx workflow.Context)
	// Result is what an update answers.
	Result() workflows.ActionResult
}

// Register sets an update handler and its validator for every spec. The
// validator refuses before anything is written to the history (a refused
// update leaves no trace); the handler applies the action, remembers its
// ids, and flushes.
func Register[S any, W Machine[S]](ctx workflow.Context, w W, specs []Spec[S, W]) error {
	for _, spec := range specs {
		err := workflow.SetUpdateHandlerWithOptions(ctx, spec.Name,
			func(ctx workflow.Context, req workflows.ActionRequest) (workflows.ActionResult, error) {
				err := handle(ctx, w, spec, req)
				return w.Result(), err
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req workflows.ActionRequest) error {
				return validate(ctx, w, spec, req)
			}})
		if err != nil {
			return fmt.Errorf("registering update %s: %w", spec.Name, err)
		}
	}
	return nil
}

// validate runs before an update is accepted. The Field rules run here only:
// Temporal does not run validators on replay (the SDK's internal_update.go:
// "we don't execute update validation during replay so that validation
// routines can change across versions"), so a rule added here refuses new
// input and nothing else, while decode, which the handler also runs on
// replay, keeps accepting what it accepted when a history was written.
func validate[S any, W Machine[S]](ctx workflow.Context, w W, spec Spec[S, W], req workflows.ActionRequest) error {
	if w.Applied(ctx) {
		return nil // a retry of an update an earlier run applied: accepted, changes nothing
	}
	if err := w.Guard(); err != nil {
		return err
	}
	if err := KeyConflict(*w.Keys(), req, w.Noun()); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	if err := spec.Permit(w.State(), req.Actor, now); err != nil {
		return err
	}
	if err := checkRawText(req.Input); err != nil {
		return err
	}
	if _, err := spec.decode(w, req.Actor, req.Input, now); err != nil {
		return err
	}
	return CheckFields(spec.Fields, req.Input, now)
}

// handle applies an accepted update. The validator already ran against the
// same state, so decode cannot fail here except on a bug, or when an update
// validated in the same workflow task changed the state first.
func handle[S any, W Machine[S]](ctx workflow.Context, w W, spec Spec[S, W], req workflows.ActionRequest) error {
	if w.Applied(ctx) {
		return nil
	}
	now := workflow.Now(ctx)
	if spec.Recheck {
		if err := spec.Permit(w.State(), req.Actor, now); err != nil {
			return err
		}
	}
	// Checked again: an update validated in the same workflow task as this
	// one may have applied the same key meanwhile.
	if err := KeyConflict(*w.Keys(), req, w.Noun()); err != nil {
		return err
	}
	input, err := spec.decode(w, req.Actor, req.Input, now)
	if err != nil {
		return err
	}
	if err := spec.apply(ctx, w, req.Actor, input); err != nil {
		return err
	}
	w.RememberUpdate(ctx)
	*w.Keys() = RememberKey(*w.Keys(), req)
	w.AfterApply(workflow.Now(ctx), req.Actor)
	w.CausedBy(req.Actor)
	w.Flush(ctx)
	return nil
}

// checkRawText refuses an input whose text would not decode to what was
// sent (bytes that are not UTF-8, lone surrogate escapes, NUL), naming the
// field. It runs before decode, whose messages would otherwise be about the
// replaced text.
func checkRawText(raw json.RawMessage) error {
	//workflowcheck:ignore (encoding/json's tokenizer over the input's bytes: deterministic)
	if field, err := domain.CheckJSONText(raw); err != nil {
		return Invalid(FieldErrors{field: err.Error()})
	}
	return nil
}

// CheckFields applies each field's rule (its Kind's) to the value raw holds
// for it: the text rules of domain/text.go, money and rates in plain decimal
// notation, times not in the future nor past record retention. Absent and
// null fields are the action's check's business.
func CheckFields(fields []Field, raw json.RawMessage, now time.Time) error {
	var values map[string]json.RawMessage
	//workflowcheck:ignore (decoding the input's own bytes: deterministic)
	if json.Unmarshal(raw, &values) != nil {
		return nil // not an object: decode said so
	}
	fe := FieldErrors{}
	for _, f := range fields {
		v, ok := values[f.Name]
		if !ok || string(v) == "null" {
			continue
		}
		if err := checkField(f.Kind, v, now); err != nil {
			fe[f.Name] = err.Error()
		}
	}
	if len(fe) > 0 {
		return Invalid(fe)
	}
	return nil
}

func checkField(kind FieldKind, v json.RawMessage, now time.Time) error {
	text := func() (string, bool) {
		var s string
		//workflowcheck:ignore (as above)
		return s, json.Unmarshal(v, &s) == nil
	}
	var rule domain.TextRule
	switch kind {
	case FieldText:
		rule = domain.ShortText
	case FieldName:
		rule = domain.NameText
	case FieldLongText:
		rule = domain.LongText
	case FieldMoney, FieldRate:
		var n domain.NumberText
		//workflowcheck:ignore (as above)
		if err := json.Unmarshal(v, &n); err != nil {
			return fmt.Errorf("must be a number or a string of digits")
		}
		var err error
		if kind == FieldMoney {
			_, err = domain.ParseMoney(string(n))
		} else {
			_, err = domain.ParseRate(string(n))
		}
		return err
	case FieldTime:
		s, ok := text()
		if !ok {
			return nil // decode said what is wrong
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
		if err != nil {
			return nil
		}
		return domain.CheckPastDate(t, now)
	default:
		return nil
	}
	s, ok := text()
	if !ok {
		return nil
	}
	return rule.Check(strings.TrimSpace(s))
}
