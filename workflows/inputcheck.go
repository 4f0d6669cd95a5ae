package workflows

import (
	"encoding/json"
	"time"

	"github.com/postrelease/postrelease/domain"
)

// The input rules that came after the first runs: the text rules of
// domain/text.go (single- or multi-line, a maximum length, valid UTF-8 as
// sent), money in plain decimal notation up to domain.MaxAmount, rates in
// plain notation, and dates within the record retention. Only the update
// validators apply them. Temporal does not run validators on replay (the
// SDK's internal_update.go: "we don't execute update validation during replay
// so that validation routines can change across versions"), so a stricter
// rule here refuses new input and nothing else, while decode, which the
// handlers also run on replay, keeps accepting what it accepted when a
// recorded history was written.

// checkRawInput refuses an input whose text would not decode to what was
// sent (bytes that are not UTF-8, lone surrogate escapes, NUL), naming the
// field. It runs before decode, whose messages would otherwise be about the
// replaced text.
func checkRawInput(raw json.RawMessage) error {
	//workflowcheck:ignore (encoding/json's tokenizer over the input's bytes: deterministic)
	if field, err := domain.CheckJSONText(raw); err != nil {
		return invalid(FieldErrors{field: err.Error()})
	}
	return nil
}

// textField is one free-text field of a decoded input and its rule.
type textField struct {
	name  string
	value string
	rule  domain.TextRule
}

// inputTexts lists the free-text fields of an action's decoded input. Fields
// with a format of their own (entry and HTS numbers, B/L, seal and pickup
// numbers, yard locations, codes, choices, e-mails looked up in the users)
// are checked by decode.
func inputTexts(in any) []textField {
	short, long := domain.ShortText, domain.LongText
	switch in := in.(type) {
	case NoteInput:
		return []textField{{"text", in.Text, long}}
	case NotApplicableInput:
		return []textField{{"reason", in.Reason, long}}
	case DecideNotApplicableInput:
		return []textField{{"comment", in.Comment, long}}
	case OverrideBlockInput:
		return []textField{{"reason", in.Reason, long}}
	case DepositInput:
		return []textField{{"reference", in.Reference, short}}
	case MisclassificationInput:
		return []textField{{"importer_of_record", in.ImporterOfRecord, domain.NameText}, {"reason", in.Reason, long}}
	}
	return nil
}

// numberFields are an input's money and rate fields, by JSON name.
func numberFields(in any) (money, rates []string) {
	switch in.(type) {
	case DepositInput:
		return []string{"amount"}, nil
	case MisclassificationInput:
		return nil, []string{"declared_rate", "correct_rate", "penalty_rate"}
	}
	return nil, nil
}

// checkInput applies the rules to a decoded input (in, as decode returned
// it) and the raw JSON it came from. now is the workflow's time.
func checkInput(raw json.RawMessage, in any, now time.Time) error {
	fe := FieldErrors{}
	for _, f := range inputTexts(in) {
		if err := f.rule.Check(f.value); err != nil {
			fe[f.name] = err.Error()
		}
	}
	money, rates := numberFields(in)
	if len(money)+len(rates) > 0 {
		var fields map[string]json.RawMessage
		//workflowcheck:ignore (decoding the input's own bytes: deterministic)
		_ = json.Unmarshal(raw, &fields) // decode accepted raw: it is an object
		check := func(name string, parse func(string) error) {
			v, ok := fields[name]
			if !ok || string(v) == "null" {
				return
			}
			var text domain.NumberText
			//workflowcheck:ignore (as above)
			if err := json.Unmarshal(v, &text); err != nil {
				fe[name] = "must be a number or a string of digits"
			} else if err := parse(string(text)); err != nil {
				fe[name] = err.Error()
			}
		}
		for _, name := range money {
			check(name, func(s string) error { _, err := domain.ParseMoney(s); return err })
		}
		for _, name := range rates {
			check(name, func(s string) error { _, err := domain.ParseRate(s); return err })
		}
	}
	switch in := in.(type) {
	case DispositionInput:
		if in.At != nil {
			if err := domain.CheckPastDate(*in.At, now); err != nil {
				fe["at"] = err.Error()
			}
		}
	case GateOutInput:
		if in.At != nil {
			if err := domain.CheckPastDate(*in.At, now); err != nil {
				fe["at"] = err.Error()
			}
		}
	}
	if len(fe) > 0 {
		return invalid(fe)
	}
	return nil
}
