package inspection

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/postrelease/postrelease/domain"
)

// ExamCodes are the ACE dispositions that mean an intensive exam: 1A
// (entered, intensive exam required, not released) and 1B (released,
// intensive exam completed), CBP CATAIR Appendix N as DESIGN.md §3 gives
// them. A shipment with one of them, or with a hold, counts as inspected.
var ExamCodes = []string{"1A", "1B"}

// Inspected says whether CBP has decided a shipment (any disposition
// received) and whether it inspected it: an exam code, or one of the
// shipment's hold codes (a hold that was removed later still counts).
func Inspected(ds []domain.Disposition, holdCodes map[string]bool) (decided, inspected bool) {
	codes := InspectedCodes(holdCodes)
	for _, d := range ds {
		c := strings.ToUpper(strings.TrimSpace(d.Code))
		if c == "" {
			continue
		}
		decided = true
		inspected = inspected || slices.Contains(codes, c)
	}
	return decided, inspected
}

// InspectedCodes are the exam codes and the given hold codes, each once,
// sorted: the dispositions that make a shipment count as inspected.
func InspectedCodes(holdCodes map[string]bool) []string {
	out := slices.Clone(ExamCodes)
	for c, on := range holdCodes {
		if on && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// Interval is the credible interval shown: 90 %, from the 5th to the 95th
// percentile of the posterior.
const Interval = 0.90

// Baseline is the inspection rate the estimate shrinks toward, and where it
// comes from in words. None is measured: the page says so.
type Baseline struct {
	Rate   float64 `json:"rate"`
	Source string  `json:"source"`
}

// NotesRate is our domain notes' average inspection rate for hardware tools
// (3.8 %, a seed figure, not verified).
const NotesRate = 0.038

// DefaultStrength is how many shipments the baseline weighs as by default:
// after 20 shipments of its own a group's history counts as much as the
// baseline.
const DefaultStrength = 20

// notesChapters are the chapters of the hardware tools the notes' figure is
// about: 82 (hand tools) and 84 (power and pneumatic tools, 8467).
var notesChapters = []string{"82", "84"}

// Prior is the configured prior: a baseline rate per HTS chapter, one for
// every other chapter, and its strength in shipments.
type Prior struct {
	Chapters map[string]Baseline `json:"chapters"`
	Other    Baseline            `json:"other"`
	Strength float64             `json:"strength"`
}

// DefaultPrior is the notes' 3.8 % for chapters 82 and 84, and the same
// figure, said to be borrowed, for any other chapter.
func DefaultPrior() Prior {
	p := Prior{Chapters: map[string]Baseline{}, Strength: DefaultStrength,
		Other: Baseline{Rate: NotesRate, Source: "our notes' figure for hardware tools, borrowed for this chapter; not measured"}}
	for _, ch := range notesChapters {
		p.Chapters[ch] = Baseline{Rate: NotesRate, Source: "baseline from our notes (hardware tools), not measured"}
	}
	return p
}

// For is the baseline of an HTS chapter ("82").
func (p Prior) For(chapter string) Baseline {
	if b, ok := p.Chapters[chapter]; ok {
		return b
	}
	return p.Other
}

// ParsePrior reads the configuration over the defaults: baselines as
// comma-separated chapter:rate pairs, rates as decimal fractions, "*" for
// every other chapter ("82:0.038,85:0.05,*:0.03"; empty keeps the notes'
// figures), and the strength in shipments (empty: DefaultStrength).
func ParsePrior(baselines, strength string) (Prior, error) {
	p := DefaultPrior()
	if s := strings.TrimSpace(strength); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || v <= 0 || v > 100000 {
			return p, fmt.Errorf("strength %q: want a number of shipments above 0, e.g. 20", s)
		}
		p.Strength = v
	}
	const source = "configured baseline (POSTRELEASE_INSPECTION_BASELINE), not measured"
	for _, pair := range strings.Split(baselines, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		ch, rate, ok := strings.Cut(pair, ":")
		ch = strings.TrimSpace(ch)
		if !ok || (ch != "*" && !isChapter(ch)) {
			return p, fmt.Errorf("baseline %q: want chapter:rate with a two-digit chapter or *, e.g. 82:0.038", pair)
		}
		r, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
		if err != nil || math.IsNaN(r) || r <= 0 || r >= 1 {
			return p, fmt.Errorf("baseline %q: want a rate above 0 and below 1 as a fraction, e.g. 0.038 for 3.8 %%", pair)
		}
		if ch == "*" {
			p.Other = Baseline{Rate: r, Source: source}
		} else {
			p.Chapters[ch] = Baseline{Rate: r, Source: source}
		}
	}
	return p, nil
}

func isChapter(s string) bool {
	return len(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s != "00"
}

// Estimate is the chance that a new shipment of an HTS chapter at a port is
// inspected, and what it rests on: Inspected of Shipments decided there,
// and the baseline weighed as Strength shipments. The posterior is
// Beta(Alpha, Beta); Mean is its mean, Low and High the 90 % interval.
type Estimate struct {
	Chapter   string   `json:"chapter"`
	Port      string   `json:"port"`
	PortName  string   `json:"port_name,omitempty"`
	Inspected int64    `json:"inspected"`
	Shipments int64    `json:"shipments"`
	Baseline  Baseline `json:"baseline"`
	Strength  float64  `json:"prior_strength"`
	Alpha     float64  `json:"alpha"`
	Beta      float64  `json:"beta"`
	Mean      float64  `json:"mean"`
	Low       float64  `json:"low"`
	High      float64  `json:"high"`
	Interval  float64  `json:"interval"`
	// Lines are the SKUs of the shipment's lines in the chapter, on a
	// shipment's estimate.
	Lines []string `json:"lines,omitempty"`
}

// Estimate is the posterior of the chapter at the port given inspected of
// shipments: the prior Beta(m·k, (1−m)·k), with m the chapter's baseline and
// k the strength, updated by the counts to Beta(m·k + x, (1−m)·k + n − x).
// Counts out of range (negative, more inspected than shipments) are
// clamped, so the arithmetic never sees them.
func (p Prior) Estimate(chapter, port string, inspected, shipments int64) Estimate {
	shipments = max(shipments, 0)
	inspected = min(max(inspected, 0), shipments)
	b := p.For(chapter)
	a := b.Rate*p.Strength + float64(inspected)
	bb := (1-b.Rate)*p.Strength + float64(shipments-inspected)
	tail := (1 - Interval) / 2
	return Estimate{Chapter: chapter, Port: port, Inspected: inspected, Shipments: shipments, Baseline: b, Strength: p.Strength,
		Alpha: a, Beta: bb, Mean: a / (a + bb), Low: BetaQuantile(a, bb, tail), High: BetaQuantile(a, bb, 1-tail), Interval: Interval}
}

// Percent is a rate as the pages show it: "3.8 %".
func Percent(r float64) string { return strconv.FormatFloat(r*100, 'f', 1, 64) + " %" }
