package api

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// The action forms of every kind's page, built from the kind's specs: the
// fields, labels, help and choices are the spec's; a posted form becomes
// the action's JSON by the fields' kinds and goes to the same service Act
// as the JSON API, whose workflow decodes it (the one parse).

// actionForm is one action's form, ready to render (partials.html,
// "action_forms").
type actionForm struct {
	Action    string
	Title     string
	Button    string // the submit button's words
	Minor     bool   // a side action: a quieter button, after the step's own work
	Open      bool   // shown unfolded: the step's own work, the form asked for, a refused one
	Help      string // the spec's sentence under the title
	Intro     string // what the form says of the state (the spec's Note)
	Confirm   string // the spec's consequences, which the user ticks to confirm
	URL       string
	Multipart bool
	Fields    []formField
	IdemKey   string
	// After a refusal of this form: what was typed, the messages beside
	// the fields and the one that belongs to no field.
	Values  map[string]string
	Errors  map[string]string
	Message string
}

// Value is what was typed into a field before a refusal.
func (f actionForm) Value(name string) string { return f.Values[name] }

// InputID is the id of a field's input on the page: the error summary
// links to it and its message is tied to it (aria-describedby).
func (f actionForm) InputID(name string) string { return "f-" + f.Action + "-" + name }

// Choose reports whether a choice of n options starts on none: the user
// picks it, so that no decision is taken by default.
func (f formField) Choose() bool { return len(f.Options) > 1 }

// Error is a refusal's message for a field.
func (f actionForm) Error(name string) string { return f.Errors[name] }

// formField is one input: Kind is the HTML input's (text, textarea, select,
// date, datetime-local, file, hidden).
type formField struct {
	Name, Label, Kind, Hint string
	Value                   string // a hidden field's
	Options                 []kit.Option
	Lookup                  bool // an HTS code: the form links to the schedule's lookup
}

// htmlKind is how the form shows a field of a kind.
var htmlKind = map[kit.FieldKind]string{
	kit.FieldLongText: "textarea", kit.FieldChoice: "select", kit.FieldUser: "select",
	kit.FieldDate: "date", kit.FieldTime: "datetime-local", kit.FieldFile: "file", kit.FieldFixed: "hidden",
}

// formsOf builds the forms of the available actions for the state st
// (a *S) of the kind whose page is at base ("/shipments/SH-1"). users are
// the choices of a FieldUser. An action whose choice has nothing to choose
// gets no form; one with a file is posted, multipart, to base/documents.
func formsOf[S, W any](specs []kit.Spec[S, W], available []string, st *S, actor workflows.Actor, base string, users []kit.Option) []actionForm {
	var out []actionForm
	for _, name := range available {
		spec, ok := kit.Find(specs, name)
		if !ok {
			continue
		}
		f := actionForm{Action: name, Title: spec.Title, Button: spec.Title, Minor: spec.Minor, Open: !spec.Minor, Help: spec.Help, Confirm: spec.Confirm,
			URL: base + "/actions/" + name, IdemKey: service.RandomKey()}
		if spec.Button != "" {
			f.Button = spec.Button
		}
		if spec.Note != nil {
			f.Intro = spec.Note(st)
		}
		if fields, ok := formFields(spec.Fields, st, actor, users); ok {
			f.Fields = fields
		} else {
			continue
		}
		if slices.ContainsFunc(spec.Fields, func(fd kit.Field) bool { return fd.Kind == kit.FieldFile }) {
			f.URL, f.Multipart = base+"/documents", true
		}
		out = append(out, f)
	}
	// The step's own work first, the side actions (notes, claiming) after.
	slices.SortStableFunc(out, func(a, b actionForm) int {
		switch {
		case a.Minor == b.Minor:
			return 0
		case a.Minor:
			return 1
		}
		return -1
	})
	return out
}

// formFields are the inputs of fields for st; false when a choice has
// nothing to choose.
func formFields(fields []kit.Field, st any, actor workflows.Actor, users []kit.Option) ([]formField, bool) {
	var out []formField
	for _, fd := range fields {
		kind := htmlKind[fd.Kind]
		if kind == "" {
			kind = "text"
		}
		if fd.Each != nil {
			for _, o := range fd.Each(st, actor) {
				out = append(out, formField{Name: eachName(fd.Name, o.Value), Label: o.Label, Kind: kind, Hint: fd.Hint})
			}
			continue
		}
		ff := formField{Name: fd.Name, Label: fd.Label, Kind: kind, Hint: fd.Hint, Options: fd.Options, Lookup: fd.Kind == kit.FieldHTS}
		switch {
		case fd.Choices != nil:
			ff.Options = fd.Choices(st, actor)
		case fd.Kind == kit.FieldUser:
			ff.Options = users
		case fd.Kind == kit.FieldFixed && len(fd.Options) > 0:
			ff.Value = fd.Options[0].Value
		}
		if kind == "select" && len(ff.Options) == 0 {
			return nil, false
		}
		out = append(out, ff)
	}
	return out, true
}

// eachName names one input of a repeated field (kit.Field.Each).
func eachName(field, value string) string { return field + "_" + value }

// needsUsers reports whether a form of the available actions chooses a user.
func needsUsers[S, W any](specs []kit.Spec[S, W], available []string) bool {
	for _, name := range available {
		if spec, ok := kit.Find(specs, name); ok && slices.ContainsFunc(spec.Fields, func(f kit.Field) bool { return f.Kind == kit.FieldUser }) {
			return true
		}
	}
	return false
}

// pageForms are the forms of an item's available actions, with the users to
// choose from when one of them assigns someone.
func pageForms[S, W any, A ~string](ctx context.Context, s *Server, specs []kit.Spec[S, W], actions []A, st *S, actor workflows.Actor, base string) ([]actionForm, error) {
	available := actionNames(actions)
	var users []kit.Option
	if needsUsers(specs, available) {
		var err error
		if users, err = s.assignees(ctx); err != nil {
			return nil, err
		}
	}
	return formsOf(specs, available, st, actor, base, users), nil
}

// assignees are the users who may take work, as a FieldUser's choices.
func (s *Server) assignees(ctx context.Context) ([]kit.Option, error) {
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, errInternal(err)
	}
	var out []kit.Option
	for _, u := range users {
		if u.Role.CanAct() {
			out = append(out, kit.Option{Value: u.Email, Label: u.Email + " (" + string(u.Role) + ")"})
		}
	}
	slices.SortFunc(out, func(a, b kit.Option) int { return strings.Compare(a.Value, b.Value) })
	return out, nil
}

// readActionForm reads the posted fields of an action's form, trimmed (for
// showing them again), and the action's JSON input made of them by their
// kinds: text as typed; a number, date or time as its text, left out when
// empty (absent is the action's default: now, the default penalty rate).
func readActionForm(c echo.Context, fields []kit.Field) (map[string]string, json.RawMessage) {
	form := map[string]string{}
	input := map[string]string{}
	for _, f := range fields {
		if f.Kind == kit.FieldFile || f.Kind == kit.FieldFixed || f.Each != nil {
			continue // an upload's, not an action's input
		}
		v := strings.TrimSpace(c.FormValue(f.Name))
		form[f.Name] = v
		switch f.Kind {
		case kit.FieldMoney, kit.FieldRate, kit.FieldDate, kit.FieldTime:
			if v == "" {
				continue
			}
		}
		if f.Kind == kit.FieldTime {
			v = browserTime(v)
		}
		input[f.Name] = v
	}
	raw, _ := json.Marshal(input) // strings only: cannot fail
	return form, raw
}

// localTime is what a datetime-local input sends: a time without a zone.
var localTime = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$`)

// browserTime writes a datetime-local value, which the form labels as UTC,
// as the RFC 3339 time the action takes; any other text is left for the
// action's decode to refuse, naming the field.
func browserTime(v string) string {
	m := localTime.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	sec := m[3]
	if sec == "" {
		sec = ":00"
	}
	return m[1] + "T" + m[2] + sec + "Z"
}

// refuseForm puts a refusal on the form of action among forms: each field's
// message beside it (key maps an error's key to the form's input), what was
// typed, and a message that belongs to no field in the form. When the
// action no longer has a form, the message is for the top of the page
// (the "_" of the returned errors).
func refuseForm(forms []actionForm, action string, values map[string]string, ae *Error, key func(string) string) map[string]string {
	i := slices.IndexFunc(forms, func(f actionForm) bool { return f.Action == action })
	if i < 0 {
		return map[string]string{"_": ae.Message}
	}
	f := &forms[i]
	f.Values, f.Errors, f.Open = values, map[string]string{}, true
	unplaced := len(ae.Fields) == 0
	for k, v := range ae.Fields {
		if name := key(k); slices.ContainsFunc(f.Fields, func(ff formField) bool { return ff.Name == name }) || (name == confirmField && f.Confirm != "") {
			f.Errors[name] = strings.TrimSpace(f.Errors[name] + " " + v)
		} else {
			unplaced = true
		}
	}
	if unplaced {
		f.Message = ae.Message
	}
	return nil
}

// postAction sends a posted action form to act. It answers the form's
// values, to show again after a refusal, and act's error.
func postAction(c echo.Context, fs formSpec, act func(input json.RawMessage, idemKey string) error) (map[string]string, error) {
	form, input := readActionForm(c, fs.Fields)
	key, err := formIdempotencyKey(c)
	if err != nil {
		return form, err
	}
	if fs.Confirm != "" {
		form[confirmField] = c.FormValue(confirmField)
	}
	// Who may comes before what is wrong: the service says who may.
	if fe := formTextErrors(form); len(fe) > 0 && currentUser(c).Role.CanAct() {
		return form, errInvalid(fe)
	}
	return form, act(input, key)
}

// confirmField is the box an irreversible action's form has ticked.
const confirmField = "confirmed"

// isRefusal: a refused form is shown again; anything else is an error page.
func isRefusal(ae *Error) bool {
	return ae.Code == CodeInvalid || ae.Code == CodeConflict || ae.Code == CodeForbidden
}

// openForm unfolds the form of action among forms (the ?open= of a link).
func openForm(forms []actionForm, action string) {
	for i := range forms {
		if forms[i].Action == action {
			forms[i].Open = true
		}
	}
}

// actionNames are a kind's typed action names as strings.
func actionNames[A ~string](as []A) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}
