package kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// StrictDecode reads an action's input and refuses fields the action does
// not have, so a typo is an error rather than silently ignored.
func StrictDecode(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	// encoding/json is deterministic for a given input; workflowcheck flags it
	// only through reflect → runtime frame expansion → lazy GC start, the same
	// false positive it already waives for runtime.Caller.
	//workflowcheck:ignore
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			return Invalid(FieldErrors{strings.Trim(f, `"`): "is not a field of this action"})
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Invalid(FieldErrors{te.Field: "has the wrong type: expected " + te.Type.String()})
		}
		if f, ferr := failingField(raw, v); f != "" {
			return Invalid(FieldErrors{f: "is not valid: " + ferr.Error()})
		}
		return Invalid(FieldErrors{"input": "is not valid JSON for this action: " + msg})
	}
	return nil
}

// failingField finds the top-level field of raw that v's type refuses: a
// date or amount whose own UnmarshalJSON fails reports no field name, and a
// 422 must name the field. It returns "" when no single field is to blame.
//
//workflowcheck:ignore (reflection over a decoded struct, as encoding/json does)
func failingField(raw json.RawMessage, v any) (string, error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return "", nil
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return "", nil
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" {
			name = sf.Name
		}
		val, ok := fields[name]
		if !ok || name == "-" {
			continue
		}
		if err := json.Unmarshal(val, reflect.New(sf.Type).Interface()); err != nil {
			return name, err
		}
	}
	return "", nil
}

// DeepCopy copies plain workflow state through JSON, so the copy shares no
// slice, map or pointer with the original. A local activity gets its input
// as Go values, not serialised, and may still be running when the next
// workflow task changes the state.
func DeepCopy[T any](v T) T {
	var cp T
	// encoding/json is deterministic; workflowcheck flags it only through
	// reflect (see StrictDecode).
	//workflowcheck:ignore
	b, err := json.Marshal(v)
	if err == nil {
		//workflowcheck:ignore
		err = json.Unmarshal(b, &cp)
	}
	if err != nil {
		panic(fmt.Sprintf("copying workflow state: %v", err)) // a bug: the state is plain data
	}
	return cp
}
