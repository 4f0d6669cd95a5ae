// Package manifest holds a shipment's opening data and the import of a
// broker's release list (CSV or JSON). It is pure: no I/O beyond reading the
// io.Reader it is given, no clock, no randomness, so the API, activities and
// workflows may all call it. The rules themselves (entry numbers, ports, HTS
// codes, money, container numbers, categories, dispositions) live in domain;
// this package applies them to a shipment and says which field is wrong.
package manifest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
)

// Limits of one shipment. A CBP entry summary (Form 7501) has at most 999
// lines; the container bound keeps a workflow's input payload small. The
// free-text fields follow the text rules of domain/text.go: vessel/voyage,
// terminal and yard location one line of 100 characters, a SKU one line of
// 64, a description 500 (lines allowed).
const (
	MaxContainers     = 999
	MaxLines          = 999
	maxReference      = 35 // B/L, ISF B/L and seal numbers (UN/EDIFACT reference length)
	maxDispositionLen = 4
)

// ShipmentInput opens a shipment: the data of one CBP entry as a broker's
// release list, the web form or the JSON API give it (issue 3, point 1).
// Normalize checks it and puts every value in its canonical form.
//
// Required: entry_number, entry_type, bl_number, carrier, port, release_date,
// incoterm, at least one container and one line. Optional: isf_bl_number
// (the B/L–ISF check becomes a human step without it), vessel_voyage,
// terminal, discharge_date and available_date (not known yet when CBP
// releases before arrival), seals, dispositions, recon_flagged.
type ShipmentInput struct {
	EntryNumber  string `json:"entry_number"`  // "ABC-1234567-8"
	EntryType    string `json:"entry_type"`    // 2 digits, "01"
	BLNumber     string `json:"bl_number"`     // upper case, no spaces or dashes
	ISFBLNumber  string `json:"isf_bl_number"` // as filed in the ISF; may be empty
	Carrier      string `json:"carrier"`       // SCAC, 2–4 letters
	VesselVoyage string `json:"vessel_voyage"`
	Port         string `json:"port"` // CBP port code (Schedule D), "2704"
	Terminal     string `json:"terminal"`

	Containers []Container `json:"containers"`

	// Dates are calendar days at 00:00 UTC. Availability needs discharge and
	// may not come before it; release may come before discharge (CBP releases
	// before arrival), so it is not ordered against them.
	DischargeDate *time.Time `json:"discharge_date,omitempty"`
	AvailableDate *time.Time `json:"available_date,omitempty"`
	ReleaseDate   time.Time  `json:"release_date"`
	// EntryDate starts the entry's legal clock (PSC window, liquidation,
	// record retention). When absent it is the release date: with entry and
	// immediate delivery the time of entry is the release (19 CFR 141.68(a),
	// from memory: verify).
	EntryDate *time.Time `json:"entry_date,omitempty"`

	// Known at opening when the broker's list has them; otherwise officers
	// record them and the port check waits for them as a human step.
	PickupNumber        string `json:"pickup_number,omitempty"`
	PierPassAppointment string `json:"pierpass_appointment,omitempty"`

	// Dispositions are the ACE disposition codes received so far, holds
	// included, sorted by time; which codes release or hold is configuration
	// (domain.ReleaseRules), so any 1–4 letters or digits are accepted here.
	Dispositions []domain.Disposition `json:"dispositions"`

	Incoterm     string `json:"incoterm"` // Incoterms 2020, upper case
	ReconFlagged bool   `json:"recon_flagged"`

	Lines []Line `json:"lines"`
}

// Container is a container of the shipment with the seal numbers declared for
// it (upper case, without spaces or dashes).
type Container struct {
	Number string   `json:"number"` // ISO 6346, "CSQU3054383"
	Seals  []string `json:"seals"`
	// Location is the container's place in the terminal yard, when known.
	Location string `json:"location,omitempty"`
}

// Line is a line item of the entry. Value is the line's entered value in USD,
// positive and in cents.
type Line struct {
	SKU         string                 `json:"sku"`
	Description string                 `json:"description"`
	HTS         domain.HTSCode         `json:"hts"`
	Value       domain.USD             `json:"value"`
	Category    domain.ProductCategory `json:"category"`
}

// FieldErrors maps an input field ("carrier", "containers[1].number",
// "lines[0].hts") to what is wrong with it.
type FieldErrors = domain.FieldErrors

// Incoterms are the eleven Incoterms 2020 rules.
var Incoterms = []string{"EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"}

var (
	scacRe        = regexp.MustCompile(`^[A-Z]{2,4}$`)
	entryTypeRe   = regexp.MustCompile(`^[0-9]{1,2}$`)
	referenceRe   = regexp.MustCompile(`^[A-Z0-9]+$`)
	dispositionRe = regexp.MustCompile(`^[A-Z0-9]+$`)
)

// ID is the shipment's stable id, derived from its entry number alone:
// "SH-ABC12345678" for entry ABC-1234567-8, however the number was written. So
// importing the same entry twice maps to the same shipment (and the same
// workflow). It is "" when the entry number is not valid.
func (s ShipmentInput) ID() string {
	n, err := domain.ParseEntryNumber(s.EntryNumber)
	if err != nil {
		return ""
	}
	return "SH-" + strings.ReplaceAll(n, "-", "")
}

// ContainerSeals lists the declared seals in the form domain.MatchSeals takes:
// one entry per seal, and one with an empty seal for a container without any.
func (s ShipmentInput) ContainerSeals() []domain.ContainerSeal {
	var out []domain.ContainerSeal
	for _, c := range s.Containers {
		if len(c.Seals) == 0 {
			out = append(out, domain.ContainerSeal{Container: c.Number})
		}
		for _, seal := range c.Seals {
			out = append(out, domain.ContainerSeal{Container: c.Number, Seal: seal})
		}
	}
	return out
}

// Categories lists the lines' product categories, each once, in line order,
// as domain.MissingDocuments takes them.
func (s ShipmentInput) Categories() []domain.ProductCategory {
	var out []domain.ProductCategory
	for _, l := range s.Lines {
		if !slices.Contains(out, l.Category) {
			out = append(out, l.Category)
		}
	}
	return out
}

// Normalize checks the shipment field by field and puts every value in its
// canonical form: entry number with dashes, entry type with 2 digits, B/L and
// seal numbers upper case without spaces or dashes, SCAC and Incoterm upper
// case, container numbers in their bare ISO 6346 form, HTS codes dotted,
// categories as codes, values with two decimals, dates at 00:00 UTC, dispositions upper case in UTC and
// sorted by time. It returns nil when the shipment may open; otherwise every
// problem, keyed by field ("containers[1].number", "lines[0].hts").
func (s *ShipmentInput) Normalize() FieldErrors {
	fe := FieldErrors{}
	s.normalizeHeader(fe)
	for i := range s.Containers {
		s.Containers[i].normalize(fmt.Sprintf("containers[%d].", i), fe)
	}
	for i := range s.Lines {
		s.Lines[i].normalize(fmt.Sprintf("lines[%d].", i), fe)
	}
	s.crossCheck(fe)
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// normalizeHeader checks the shipment-level fields: everything but the
// containers and lines. The CSV import runs it on each row.
func (s *ShipmentInput) normalizeHeader(fe FieldErrors) {
	var err error
	if s.EntryNumber, err = domain.ParseEntryNumber(s.EntryNumber); err != nil {
		fe["entry_number"] = err.Error()
	}
	if s.EntryType, err = parseEntryType(s.EntryType); err != nil {
		fe["entry_type"] = err.Error()
	}
	if s.BLNumber, err = parseReference("B/L number", s.BLNumber, true); err != nil {
		fe["bl_number"] = err.Error()
	}
	if s.ISFBLNumber, err = parseReference("ISF B/L number", s.ISFBLNumber, false); err != nil {
		fe["isf_bl_number"] = err.Error()
	}
	if s.Carrier, err = parseSCAC(s.Carrier); err != nil {
		fe["carrier"] = err.Error()
	}
	s.VesselVoyage = strings.TrimSpace(s.VesselVoyage)
	checkText(fe, "vessel_voyage", s.VesselVoyage, domain.ShortText)
	if s.Port, err = domain.ParsePort(s.Port); err != nil {
		fe["port"] = err.Error()
	}
	s.Terminal = strings.TrimSpace(s.Terminal)
	checkText(fe, "terminal", s.Terminal, domain.ShortText)
	if s.Incoterm, err = parseIncoterm(s.Incoterm); err != nil {
		fe["incoterm"] = err.Error()
	}

	if s.ReleaseDate.IsZero() {
		fe["release_date"] = "is required (YYYY-MM-DD)"
	} else {
		s.ReleaseDate = domain.Date(s.ReleaseDate)
	}
	s.DischargeDate = dateOrNil(s.DischargeDate)
	s.AvailableDate = dateOrNil(s.AvailableDate)
	s.EntryDate = dateOrNil(s.EntryDate)
	if s.PickupNumber, err = parseReference("pickup number", s.PickupNumber, false); err != nil {
		fe["pickup_number"] = err.Error()
	}
	if s.PierPassAppointment, err = parseReference("PierPass appointment", s.PierPassAppointment, false); err != nil {
		fe["pierpass_appointment"] = err.Error()
	}
	switch {
	case s.AvailableDate == nil:
	case s.DischargeDate == nil:
		fe["discharge_date"] = "is required when an availability date is given: containers are available only after discharge"
	case s.AvailableDate.Before(*s.DischargeDate):
		fe["available_date"] = fmt.Sprintf("%s is before the discharge date %s", day(*s.AvailableDate), day(*s.DischargeDate))
	}

	for i := range s.Dispositions {
		d := &s.Dispositions[i]
		key := fmt.Sprintf("dispositions[%d]", i)
		d.Code = strings.ToUpper(strings.TrimSpace(d.Code))
		if d.Code == "" {
			fe[key+".code"] = "is required, e.g. 1C"
		} else if len(d.Code) > maxDispositionLen || !dispositionRe.MatchString(d.Code) {
			fe[key+".code"] = fmt.Sprintf("%q: an ACE disposition code is 1 to %d letters or digits, e.g. 1C or 1H", d.Code, maxDispositionLen)
		}
		if d.At.IsZero() {
			fe[key+".at"] = "is required (a time, e.g. 2026-11-02T14:05:00Z)"
		} else {
			d.At = d.At.UTC()
		}
	}
	// Sort after the checks so the keys above name the dispositions as given.
	if len(s.Dispositions) == 0 {
		s.Dispositions = nil
	} else {
		slices.SortStableFunc(s.Dispositions, func(a, b domain.Disposition) int { return a.At.Compare(b.At) })
		for i := 1; i < len(s.Dispositions); i++ {
			if a, b := s.Dispositions[i-1], s.Dispositions[i]; a.Code == b.Code && a.At.Equal(b.At) && a.Code != "" {
				fe["dispositions"] = fmt.Sprintf("%s at %s is listed twice", a.Code, a.At.Format(time.RFC3339))
			}
		}
	}
}

// normalize checks one container; prefix is its field key, "containers[1].".
func (c *Container) normalize(prefix string, fe FieldErrors) {
	var err error
	if strings.TrimSpace(c.Number) == "" {
		fe[prefix+"number"] = "is required (ISO 6346, e.g. CSQU3054383)"
	} else if c.Number, err = domain.ParseContainerNumber(c.Number); err != nil {
		fe[prefix+"number"] = err.Error()
	}
	seen := map[string]int{}
	for j := range c.Seals {
		key := fmt.Sprintf("%sseals[%d]", prefix, j)
		if c.Seals[j], err = parseReference("seal number", c.Seals[j], true); err != nil {
			fe[key] = err.Error()
			continue
		}
		if k, dup := seen[c.Seals[j]]; dup {
			fe[key] = fmt.Sprintf("seal %s is listed twice (also seals[%d])", c.Seals[j], k)
		}
		seen[c.Seals[j]] = j
	}
	if len(c.Seals) == 0 {
		c.Seals = nil
	}
	c.Location = strings.TrimSpace(c.Location)
	checkText(fe, prefix+"location", c.Location, domain.ShortText)
}

// normalize checks one line item; prefix is its field key, "lines[0].".
func (l *Line) normalize(prefix string, fe FieldErrors) {
	var err error
	l.SKU = strings.TrimSpace(l.SKU)
	if l.SKU == "" {
		fe[prefix+"sku"] = "is required"
	} else {
		checkText(fe, prefix+"sku", l.SKU, domain.SKUText)
	}
	l.Description = strings.TrimSpace(l.Description)
	if l.Description == "" {
		fe[prefix+"description"] = "is required"
	} else {
		checkText(fe, prefix+"description", l.Description, domain.DescriptionText)
	}
	if l.HTS, err = domain.ParseHTS(string(l.HTS)); err != nil {
		fe[prefix+"hts"] = err.Error()
	}
	if err := domain.CheckAmount(l.Value.Decimal); err != nil {
		fe[prefix+"value"] = "USD " + err.Error()
	} else {
		l.Value = domain.USD{Decimal: l.Value.Round(2)} // same cents, one representation: 12.5 → 12.50
	}
	if strings.TrimSpace(string(l.Category)) == "" {
		fe[prefix+"category"] = "is required: power_tool, pneumatic_tool, lithium_battery_tool or other"
	} else if l.Category, err = domain.ParseProductCategory(string(l.Category)); err != nil {
		fe[prefix+"category"] = err.Error()
	}
}

// crossCheck: at least one container and one line, within the limits; no
// container, seal or SKU twice.
func (s *ShipmentInput) crossCheck(fe FieldErrors) {
	switch {
	case len(s.Containers) == 0:
		fe["containers"] = "at least one container is required"
	case len(s.Containers) > MaxContainers:
		fe["containers"] = fmt.Sprintf("has %d containers, at most %d are allowed", len(s.Containers), MaxContainers)
	}
	switch {
	case len(s.Lines) == 0:
		fe["lines"] = "at least one line item is required"
	case len(s.Lines) > MaxLines:
		fe["lines"] = fmt.Sprintf("has %d lines, at most %d are allowed (an entry summary has at most 999)", len(s.Lines), MaxLines)
	}

	containerAt := map[string]int{}
	sealOn := map[string]string{} // seal → container
	for i, c := range s.Containers {
		prefix := fmt.Sprintf("containers[%d].", i)
		if _, bad := fe[prefix+"number"]; bad {
			continue
		}
		if k, dup := containerAt[c.Number]; dup {
			fe[prefix+"number"] = fmt.Sprintf("container %s is listed twice (also containers[%d])", c.Number, k)
			continue
		}
		containerAt[c.Number] = i
		for j, seal := range c.Seals {
			key := fmt.Sprintf("%sseals[%d]", prefix, j)
			if _, bad := fe[key]; bad {
				continue
			}
			if other, ok := sealOn[seal]; ok && other != c.Number {
				fe[key] = fmt.Sprintf("seal %s is also declared on container %s: a seal closes one container", seal, other)
				continue
			}
			sealOn[seal] = c.Number
		}
	}

	skuAt := map[string]int{}
	for i, l := range s.Lines {
		key := fmt.Sprintf("lines[%d].sku", i)
		if _, bad := fe[key]; bad {
			continue
		}
		if k, dup := skuAt[l.SKU]; dup {
			fe[key] = fmt.Sprintf("SKU %s is listed twice (also lines[%d]): give each SKU one line", l.SKU, k)
			continue
		}
		skuAt[l.SKU] = i
	}
}

// parseEntryType accepts a CBP entry type code, 2 digits ("01", "11"). A
// single digit is padded ("1" → "01"): spreadsheets drop the leading zero.
func parseEntryType(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", fmt.Errorf("is required: the 2-digit entry type, e.g. 01 (consumption)")
	}
	if !entryTypeRe.MatchString(t) {
		return "", fmt.Errorf("entry type %q: expected 2 digits, e.g. 01 (consumption)", s)
	}
	if len(t) == 1 {
		t = "0" + t
	}
	if t == "00" {
		return "", fmt.Errorf("entry type 00 does not exist: e.g. 01 (consumption)")
	}
	return t, nil
}

// parseSCAC accepts a Standard Carrier Alpha Code: 2 to 4 letters.
func parseSCAC(s string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if c == "" {
		return "", fmt.Errorf("is required: the carrier's SCAC, e.g. MAEU")
	}
	if !scacRe.MatchString(c) {
		return "", fmt.Errorf("carrier %q: a SCAC is 2 to 4 letters, e.g. MAEU", s)
	}
	return c, nil
}

// parseIncoterm accepts one of the Incoterms 2020 rules, in any case.
func parseIncoterm(s string) (string, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "" {
		return "", fmt.Errorf("is required: one of %s", strings.Join(Incoterms, ", "))
	}
	if !slices.Contains(Incoterms, t) {
		return "", fmt.Errorf("incoterm %q: must be one of the Incoterms 2020 rules %s", s, strings.Join(Incoterms, ", "))
	}
	return t, nil
}

// parseReference normalises a B/L or seal number with domain.NormalizeBL
// (upper case, spaces and dashes dropped: the same normalisation
// domain.MatchSeals compares seals with) and checks what is left: letters and
// digits, at most 35 of them.
func parseReference(what, s string, required bool) (string, error) {
	n := domain.NormalizeBL(s)
	switch {
	case n == "" && required:
		return "", fmt.Errorf("%s is required", what)
	case n == "":
		return "", nil
	case !referenceRe.MatchString(n):
		return "", fmt.Errorf("%s %q: only letters and digits (spaces and dashes are dropped)", what, s)
	case len(n) > maxReference:
		return "", fmt.Errorf("%s %q: longer than %d characters", what, s, maxReference)
	}
	return n, nil
}

// checkText files what the text rule says of v under field.
func checkText(fe FieldErrors, field, v string, rule domain.TextRule) {
	if err := rule.Check(v); err != nil {
		fe[field] = err.Error()
	}
}

// CheckDates checks the dates of the entry's past against now with
// domain.CheckPastDate, the rule a case's entry date follows: the release
// date, the entry date and each disposition's time may not be in the future
// (a day's tolerance) or older than the record retention. Discharge and
// availability may still be ahead (CBP releases before arrival). It is
// apart from Normalize, which has no clock, so a release list reads the same
// whenever it is parsed; it returns nil when every date is fine.
func (s *ShipmentInput) CheckDates(now time.Time) FieldErrors {
	fe := FieldErrors{}
	check := func(field string, t *time.Time) {
		if t != nil && !t.IsZero() {
			if err := domain.CheckPastDate(*t, now); err != nil {
				fe[field] = err.Error()
			}
		}
	}
	check("release_date", &s.ReleaseDate)
	check("entry_date", s.EntryDate)
	for i := range s.Dispositions {
		check(fmt.Sprintf("dispositions[%d].at", i), &s.Dispositions[i].At)
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func dateOrNil(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	d := domain.Date(*t)
	return &d
}

func day(t time.Time) string { return t.Format(time.DateOnly) }
