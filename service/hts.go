package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/hts"
	"github.com/postrelease/postrelease/store"
)

// The tariff schedule: loading revisions of the HTSUS, looking codes up, and
// the existence check every entry point runs on the codes it is given (a
// case's, a shipment's lines, a release list's rows, a code fix, a reported
// misclassification). Without a revision in force on the entry's date the
// check is the format's alone, as before any schedule was loaded.

// HTS is the tariff schedule's service.
type HTS struct{ cfg *Config }

// MaxHTSFile bounds an uploaded export: the full schedule is about 15 MB.
const MaxHTSFile = 64 << 20

// maxSuggestions is how many nearby codes a refusal names.
const maxSuggestions = 5

// LoadHTS loads an export file as the revision name, in force from
// effective (YYYY-MM-DD): managers only. A bad file is refused with its row
// and reason and loads nothing; the same file under the same name again
// changes nothing (loaded is false).
func (h *HTS) LoadHTS(ctx context.Context, user store.User, name, effective string, file io.Reader) (store.HTSRevision, bool, error) {
	if user.Role != domain.RoleManager {
		return store.HTSRevision{}, false, errf(Forbidden, "only a manager may load a revision of the tariff schedule")
	}
	return h.Load(ctx, user.Email, name, effective, file)
}

// Load is LoadHTS for the command line and dev's demo: by is who loads it.
func (h *HTS) Load(ctx context.Context, by, name, effective string, file io.Reader) (store.HTSRevision, bool, error) {
	fe := map[string]string{}
	name = strings.TrimSpace(name)
	if name == "" {
		fe["name"] = "is required: the revision's name, e.g. 2026 Revision 4"
	} else if err := domain.SingleLine(name, 100); err != nil {
		fe["name"] = err.Error()
	}
	day, err := parseDate(effective)
	if err != nil {
		fe["effective"] = err.Error()
	}
	if len(fe) > 0 {
		return store.HTSRevision{}, false, InvalidFields(fe)
	}
	body, err := io.ReadAll(io.LimitReader(file, MaxHTSFile+1))
	if err != nil {
		return store.HTSRevision{}, false, InvalidFields(map[string]string{"file": "could not be read: " + err.Error()})
	}
	if len(body) > MaxHTSFile {
		return store.HTSRevision{}, false, InvalidFields(map[string]string{"file": fmt.Sprintf("is larger than %d MB", MaxHTSFile>>20)})
	}
	lines, err := hts.Parse(bytes.NewReader(body))
	if err != nil {
		return store.HTSRevision{}, false, InvalidFields(map[string]string{"file": err.Error()})
	}
	sum := sha256.Sum256(body)
	rev, loaded, err := h.cfg.Store.LoadHTSRevision(ctx, store.HTSRevision{Name: name, Effective: day.Format(time.DateOnly),
		SHA256: hex.EncodeToString(sum[:]), LoadedAt: time.Now().UTC().Truncate(time.Microsecond), LoadedBy: by}, lines)
	var conflict *store.HTSConflict
	if errors.As(err, &conflict) {
		return rev, false, errf(Conflict, "%s", conflict.Message)
	}
	if err != nil {
		return rev, false, internal(err)
	}
	return rev, loaded, nil
}

// Revisions lists the loaded revisions, the latest effective first.
func (h *HTS) Revisions(ctx context.Context) ([]store.HTSRevision, error) {
	revs, err := h.cfg.Store.HTSRevisions(ctx)
	if err != nil {
		return nil, internal(err)
	}
	return orNone(revs), nil
}

// HTSEntry is a line of the schedule as a lookup answers it.
type HTSEntry struct {
	store.HTSLine
	// ReportingCode is the 10-digit code an entry declares for the line
	// (####.##.####), "" when the line is not one.
	ReportingCode string `json:"reporting_code"`
	// AdValoremRate is the general rate as a decimal fraction when it is
	// "Free" or a bare percentage; null for a specific or compound rate
	// (the text in general is then the rate) or none.
	AdValoremRate *decimal.Decimal `json:"ad_valorem_rate"`
	// RateText says what AdValoremRate means, or why there is none.
	RateText string `json:"rate_text"`
}

func entryOf(l store.HTSLine) HTSEntry {
	e := HTSEntry{HTSLine: l, ReportingCode: l.Reporting()}
	switch r, ok := hts.AdValorem(l.General); {
	case ok:
		e.AdValoremRate = &r
		e.RateText = fmt.Sprintf("%s of the value (duty rate %s)", percent(r), r.String())
	case l.General == "":
		e.RateText = "no general rate on this line"
	default:
		e.RateText = "not ad valorem: " + l.General + " (enter the duty rate yourself)"
	}
	return e
}

// percent writes a fraction as a percentage: 0.025 → "2.5 %", 0 → "Free".
func percent(r decimal.Decimal) string {
	if r.IsZero() {
		return "Free"
	}
	return r.Shift(2).String() + " %"
}

// revisionFor is the revision a lookup reads: the one named, else the one
// in force on day.
func (h *HTS) revisionFor(ctx context.Context, name string, day time.Time) (store.HTSRevision, error) {
	var (
		rev store.HTSRevision
		err error
	)
	if name != "" {
		rev, err = h.cfg.Store.HTSRevisionNamed(ctx, name)
	} else {
		rev, err = h.cfg.Store.HTSRevisionInForce(ctx, day)
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && name != "":
		return rev, errf(NotFound, "no HTS revision is named %q", name)
	case errors.Is(err, store.ErrNotFound):
		return rev, errf(NotFound, "no HTS revision is in force on %s: a manager loads the schedule under Tariff schedule", day.Format(time.DateOnly))
	case err != nil:
		return rev, internal(err)
	}
	return rev, nil
}

// Lookup is the line numbered code (4 to 10 digits, dotted or not; a
// 10-digit code also finds the 8-digit line it reports) in the revision
// named, or the one in force on day.
func (h *HTS) Lookup(ctx context.Context, code, revision string, day time.Time) (HTSEntry, store.HTSRevision, error) {
	digits := strings.ReplaceAll(strings.TrimSpace(code), ".", "")
	if n := len(digits); n < 4 || n > 10 || n%2 != 0 || strings.Trim(digits, "0123456789") != "" {
		return HTSEntry{}, store.HTSRevision{}, InvalidFields(map[string]string{"code": "must be 4, 6, 8 or 10 digits, dotted or not (8467, 8467.21.00, 8467.21.0010)"})
	}
	rev, err := h.revisionFor(ctx, revision, day)
	if err != nil {
		return HTSEntry{}, rev, err
	}
	l, err := h.cfg.Store.HTSLineByDigits(ctx, rev.Name, digits)
	if errors.Is(err, store.ErrNotFound) && len(digits) == 10 {
		l, err = h.cfg.Store.HTSReportable(ctx, rev.Name, digits[0:4]+"."+digits[4:6]+"."+digits[6:10])
	}
	if errors.Is(err, store.ErrNotFound) {
		return HTSEntry{}, rev, errf(NotFound, "%s is not in HTS revision %q", code, rev.Name)
	}
	if err != nil {
		return HTSEntry{}, rev, internal(err)
	}
	return entryOf(l), rev, nil
}

// Search finds lines by a code prefix or words, at most limit.
func (h *HTS) Search(ctx context.Context, q, revision string, day time.Time, limit int) ([]HTSEntry, store.HTSRevision, error) {
	q = strings.TrimSpace(q)
	if q == "" || len(q) > 100 {
		return nil, store.HTSRevision{}, InvalidFields(map[string]string{"q": "is required: a code's first digits (8467.21) or words of its description (drills)"})
	}
	rev, err := h.revisionFor(ctx, revision, day)
	if err != nil {
		return nil, rev, err
	}
	lines, err := h.cfg.Store.HTSSearch(ctx, rev.Name, q, limit)
	if err != nil {
		return nil, rev, internal(err)
	}
	out := make([]HTSEntry, len(lines))
	for i, l := range lines {
		out[i] = entryOf(l)
	}
	return out, rev, nil
}

// Loaded reports whether any revision is loaded: forms say when codes are
// checked for their format only.
func (h *HTS) Loaded(ctx context.Context) (bool, error) {
	revs, err := h.cfg.Store.HTSRevisions(ctx)
	if err != nil {
		return false, internal(err)
	}
	return len(revs) > 0, nil
}

// checkHTS refuses the codes (field → a code already in its dotted form)
// that the revision in force on day does not have, each with the nearest
// codes under its heading. No revision in force: nothing to check against.
func (cfg *Config) checkHTS(ctx context.Context, day time.Time, codes map[string]domain.HTSCode) error {
	if len(codes) == 0 {
		return nil
	}
	rev, err := cfg.Store.HTSRevisionInForce(ctx, day)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return internal(err)
	}
	fe, sugg := map[string]string{}, map[string][]string{}
	for _, field := range sortedKeys(codes) {
		code := string(codes[field])
		_, err := cfg.Store.HTSReportable(ctx, rev.Name, code)
		if err == nil {
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
		near, err := cfg.nearestHTS(ctx, rev.Name, code)
		if err != nil {
			return internal(err)
		}
		msg := fmt.Sprintf("%s is not in the HTSUS (revision %q, in force on %s)", code, rev.Name, day.Format(time.DateOnly))
		if len(near) > 0 {
			var names []string
			for _, l := range near {
				sugg[field] = append(sugg[field], l.Reporting())
				names = append(names, l.Reporting()+" "+l.Description)
			}
			under := "heading " + code[:4]
			if near[0].Heading() != code[:4] {
				under = "chapter " + code[:2] + " (heading " + code[:4] + " has no codes)"
			}
			msg += "; nearest under " + under + ": " + strings.Join(names, ", ")
		}
		fe[field] = msg
	}
	if len(fe) == 0 {
		return nil
	}
	e := InvalidFields(fe)
	e.Suggestions = sugg
	return e
}

// nearestHTS are the reportable codes of the code's heading (or, when the
// heading has none, its chapter) nearest to it: the most leading digits in
// common first, then the closest in number.
func (cfg *Config) nearestHTS(ctx context.Context, revision, code string) ([]store.HTSLine, error) {
	digits := strings.ReplaceAll(code, ".", "")
	var lines []store.HTSLine
	for _, prefix := range []string{digits[:4], digits[:2]} {
		var err error
		if lines, err = cfg.Store.HTSReportableUnder(ctx, revision, prefix, 2000); err != nil {
			return nil, err
		}
		if len(lines) > 0 {
			break
		}
	}
	want, _ := strconv.ParseInt(digits, 10, 64)
	type scored struct {
		l      store.HTSLine
		common int
		dist   int64
	}
	var all []scored
	for _, l := range lines {
		d := strings.ReplaceAll(l.Reporting(), ".", "")
		common := 0
		for common < len(d) && d[common] == digits[common] {
			common++
		}
		n, _ := strconv.ParseInt(d, 10, 64)
		all = append(all, scored{l, common, max(n-want, want-n)})
	}
	slices.SortStableFunc(all, func(a, b scored) int {
		if a.common != b.common {
			return b.common - a.common
		}
		return int(a.dist - b.dist)
	})
	out := make([]store.HTSLine, 0, maxSuggestions)
	for i := 0; i < len(all) && i < maxSuggestions; i++ {
		out = append(out, all[i].l)
	}
	slices.SortFunc(out, func(a, b store.HTSLine) int { return strings.Compare(a.Digits, b.Digits) })
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// HTSDifference is a revision's difference from the one before it and the
// products it affects.
type HTSDifference struct {
	Revision store.HTSRevision   `json:"revision"`
	Changes  []store.HTSChange   `json:"changes"`
	Affected []store.HTSAffected `json:"affected"`
}

// Difference is the difference of the revision named: managers only.
func (h *HTS) Difference(ctx context.Context, user store.User, name string) (HTSDifference, error) {
	if user.Role != domain.RoleManager {
		return HTSDifference{}, errf(Forbidden, "only a manager may read the changes of the tariff schedule")
	}
	if strings.TrimSpace(name) == "" {
		return HTSDifference{}, InvalidFields(map[string]string{"revision": "is required: the name of a loaded revision"})
	}
	rev, err := h.revisionFor(ctx, name, time.Time{})
	if err != nil {
		return HTSDifference{}, err
	}
	d := HTSDifference{Revision: rev}
	if d.Changes, err = h.cfg.Store.HTSChanges(ctx, rev.Name); err != nil {
		return d, internal(err)
	}
	if d.Affected, err = h.cfg.Store.HTSAffectedBy(ctx, rev.Name); err != nil {
		return d, internal(err)
	}
	d.Changes, d.Affected = orNone(d.Changes), orNone(d.Affected)
	return d, nil
}
