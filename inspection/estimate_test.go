package inspection_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/inspection"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", what, got, want, tol)
	}
}

// The incomplete beta function against values worked out by hand from
// closed forms.
func TestRegIncBetaByHand(t *testing.T) {
	for _, c := range []struct {
		name    string
		a, b, x float64
		want    float64
	}{
		// Beta(1, 1) is uniform: I_x = x.
		{"uniform", 1, 1, 0.3, 0.3},
		// Beta(2, 2): density 6x(1−x), so I_x = 3x² − 2x³;
		// at 0.25: 3/16 − 2/64 = 0.1875 − 0.03125 = 0.15625.
		{"2,2 at 0.25", 2, 2, 0.25, 0.15625},
		// For whole a and b, I_x(a, b) = P(Binomial(a+b−1, x) ≥ a).
		// I_0.1(2, 3): n = 4, 1 − P(0) − P(1) = 1 − 0.9⁴ − 4·0.1·0.9³
		// = 1 − 0.6561 − 0.2916 = 0.0523.
		{"2,3 at 0.1", 2, 3, 0.1, 0.0523},
		// I_0.5(3, 3) = 0.5 by symmetry.
		{"3,3 at 0.5", 3, 3, 0.5, 0.5},
		// I_0.2(1, 30) = 1 − 0.8³⁰ = 1 − 0.00123794… = 0.99876205…
		{"1,30 at 0.2", 1, 30, 0.2, 1 - math.Pow(0.8, 30)},
		// I_0.6(3, 1) = 0.6³ = 0.216 (the upper side of the mean: the
		// symmetry branch).
		{"3,1 at 0.6", 3, 1, 0.6, 0.216},
		// I_0.05(1, 60) = 1 − 0.95⁶⁰ = 1 − 0.0460681… = 0.953932 (large b).
		{"1,60 at 0.05", 1, 60, 0.05, 1 - math.Pow(0.95, 60)},
	} {
		near(t, c.name, inspection.RegIncBeta(c.a, c.b, c.x), c.want, 1e-12)
	}
	for _, x := range []float64{-1, 0} {
		if got := inspection.RegIncBeta(2, 3, x); got != 0 {
			t.Errorf("I_%g(2,3) = %g, want 0", x, got)
		}
	}
	if got := inspection.RegIncBeta(2, 3, 1.5); got != 1 {
		t.Errorf("I_1.5(2,3) = %g, want 1", got)
	}
	if got := inspection.RegIncBeta(0, 3, 0.5); !math.IsNaN(got) {
		t.Errorf("I with a = 0 = %g, want NaN", got)
	}
}

// simpson integrates the Beta(a, b) density from 0 to x, independently of
// the continued fraction: a check for parameters no closed form covers.
func simpson(a, b, x float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	f := func(t float64) float64 {
		if t <= 0 {
			return 0
		}
		return math.Exp((a-1)*math.Log(t) + (b-1)*math.Log1p(-t) - (la + lb - lab))
	}
	const n = 200000
	h := x / n
	sum := f(0) + f(x)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * f(float64(i)*h)
	}
	return sum * h / 3
}

func TestRegIncBetaAgainstIntegration(t *testing.T) {
	// The posterior of 3 inspected of 41 under the default prior, and the
	// prior alone (a < 1: the density is infinite at 0, so the integral is
	// only good to about 1e-4 there).
	for _, c := range []struct{ a, b, x, tol float64 }{
		{3.76, 57.24, 0.02, 1e-7}, {3.76, 57.24, 0.1, 1e-7}, {3.76, 57.24, 0.2, 1e-7},
		{5.5, 2.25, 0.7, 1e-7}, {0.76, 19.24, 0.1, 1e-3},
	} {
		near(t, "I vs Simpson", inspection.RegIncBeta(c.a, c.b, c.x), simpson(c.a, c.b, c.x), c.tol)
	}
}

func TestBetaQuantileByHand(t *testing.T) {
	for _, c := range []struct {
		name    string
		a, b, p float64
		want    float64
	}{
		// Beta(1, b): I_x = 1 − (1−x)^b, so the p-quantile is 1 − (1−p)^(1/b).
		// Beta(1, 30) at 0.95: 1 − 0.05^(1/30) = 1 − e^(−2.995732/30)
		// = 1 − e^(−0.0998577) = 1 − 0.904966 = 0.095034.
		{"1,30 q95", 1, 30, 0.95, 1 - math.Pow(0.05, 1.0/30)},
		// At 0.05: 1 − 0.95^(1/30) = 1 − e^(−0.0512933/30) = 0.0017083.
		{"1,30 q05", 1, 30, 0.05, 1 - math.Pow(0.95, 1.0/30)},
		// Beta(a, 1): I_x = x^a, the p-quantile p^(1/a): Beta(3, 1) at
		// 0.05 is 0.05^(1/3) = 0.368403, at 0.95 0.95^(1/3) = 0.983048.
		{"3,1 q05", 3, 1, 0.05, math.Pow(0.05, 1.0/3)},
		{"3,1 q95", 3, 1, 0.95, math.Pow(0.95, 1.0/3)},
		// Beta(2, 2) is symmetric: its median is 0.5; and I_0.25 = 0.15625
		// (above), so the 0.15625-quantile is 0.25.
		{"2,2 median", 2, 2, 0.5, 0.5},
		{"2,2 q.15625", 2, 2, 0.15625, 0.25},
	} {
		near(t, c.name, inspection.BetaQuantile(c.a, c.b, c.p), c.want, 1e-12)
	}
	// Round trips on the non-integer posteriors the page shows.
	for _, ab := range [][2]float64{{3.76, 57.24}, {0.76, 19.24}, {40.76, 1000.24}} {
		for _, p := range []float64{0.05, 0.5, 0.95} {
			near(t, "I(q(p))", inspection.RegIncBeta(ab[0], ab[1], inspection.BetaQuantile(ab[0], ab[1], p)), p, 1e-12)
		}
	}
	if got := inspection.BetaQuantile(2, 2, 1.5); !math.IsNaN(got) {
		t.Errorf("quantile at p = 1.5 = %g, want NaN", got)
	}
}

// The estimator's posteriors, worked out by hand.
func TestEstimateByHand(t *testing.T) {
	p := inspection.DefaultPrior()

	// 3 inspected of 41 shipments at Savannah, chapter 82. Prior: m = 0.038,
	// k = 20, so Beta(0.76, 19.24). Posterior: α = 0.76 + 3 = 3.76,
	// β = 19.24 + 38 = 57.24; mean 3.76 / 61 = 0.0616393…
	e := p.Estimate("82", "1703", 3, 41)
	near(t, "alpha", e.Alpha, 3.76, 1e-12)
	near(t, "beta", e.Beta, 57.24, 1e-12)
	near(t, "mean", e.Mean, 3.76/61, 1e-12)
	// The interval holds 90 % of the posterior: 5 % below Low and 5 %
	// above High, checked by integrating the density.
	near(t, "mass below low", simpson(3.76, 57.24, e.Low), 0.05, 1e-7)
	near(t, "mass below high", simpson(3.76, 57.24, e.High), 0.95, 1e-7)
	// The normal approximation, by hand: variance αβ/((α+β)²(α+β+1)) =
	// 215.2224 / (3721 · 62) = 0.00093290, sd 0.030543; the Beta is skewed
	// right, so both ends sit above mean ∓ 1.645 sd = 0.0114 and 0.1119.
	if !(e.Low > 0.0114 && e.Low < e.Mean && e.High > 0.1119 && e.High < 0.2) {
		t.Errorf("interval %g–%g around %g: not the skewed 90 %% interval", e.Low, e.High, e.Mean)
	}
	if e.Shipments != 41 || e.Inspected != 3 || e.Chapter != "82" || e.Port != "1703" || e.Interval != 0.9 {
		t.Errorf("estimate does not carry its counts: %+v", e)
	}
	if !strings.Contains(e.Baseline.Source, "not measured") || e.Baseline.Rate != 0.038 {
		t.Errorf("chapter 82 baseline = %+v, want the notes' 3.8 %%, not measured", e.Baseline)
	}

	// No history: the prior alone, mean 0.76 / 20 = 0.038.
	e = p.Estimate("84", "2704", 0, 0)
	near(t, "prior mean", e.Mean, 0.038, 1e-12)
	near(t, "prior alpha", e.Alpha, 0.76, 1e-12)

	// A closed form end to end: baseline 5 %, strength 20 is Beta(1, 19);
	// 0 inspected of 11 makes Beta(1, 30): mean 1/31 = 0.0322581, 90 %
	// interval 1 − 0.95^(1/30) = 0.0017083 to 1 − 0.05^(1/30) = 0.0950339.
	q, err := inspection.ParsePrior("73:0.05", "20")
	if err != nil {
		t.Fatal(err)
	}
	e = q.Estimate("73", "2704", 0, 11)
	near(t, "Beta(1,30) mean", e.Mean, 1.0/31, 1e-12)
	near(t, "Beta(1,30) low", e.Low, 0.0017083, 1e-7)
	near(t, "Beta(1,30) high", e.High, 0.0950339, 1e-7)

	// Baseline 50 %, strength 2 is Beta(1, 1); 2 inspected of 2 makes
	// Beta(3, 1): mean 3/4, interval 0.05^(1/3) = 0.368403 to
	// 0.95^(1/3) = 0.983048.
	q, err = inspection.ParsePrior("*:0.5", "2")
	if err != nil {
		t.Fatal(err)
	}
	e = q.Estimate("90", "1001", 2, 2)
	near(t, "Beta(3,1) mean", e.Mean, 0.75, 1e-12)
	near(t, "Beta(3,1) low", e.Low, 0.368403, 1e-6)
	near(t, "Beta(3,1) high", e.High, 0.983048, 1e-6)

	// Shrinkage: the more history, the closer to the observed rate. 10 of
	// 100 under the default prior: (0.76 + 10) / 120 = 0.0896667; 100 of
	// 1000: (0.76 + 100) / 1020 = 0.0987843.
	near(t, "10 of 100", p.Estimate("82", "1703", 10, 100).Mean, 10.76/120, 1e-12)
	near(t, "100 of 1000", p.Estimate("82", "1703", 100, 1000).Mean, 100.76/1020, 1e-12)

	// Impossible counts are clamped rather than fed to the arithmetic.
	e = p.Estimate("82", "1703", 5, 3)
	if e.Inspected != 3 || e.Shipments != 3 {
		t.Errorf("5 of 3 = %d of %d, want clamped to 3 of 3", e.Inspected, e.Shipments)
	}
	e = p.Estimate("82", "1703", -1, -4)
	if e.Inspected != 0 || e.Shipments != 0 || math.IsNaN(e.Low) {
		t.Errorf("negative counts = %+v, want 0 of 0", e)
	}
}

func TestPriorConfiguration(t *testing.T) {
	p := inspection.DefaultPrior()
	if b := p.For("85"); b.Rate != 0.038 || !strings.Contains(b.Source, "borrowed") {
		t.Errorf("chapter 85 baseline = %+v, want the notes' figure said to be borrowed", b)
	}
	q, err := inspection.ParsePrior(" 85:0.05 , *:0.02", " 50 ")
	if err != nil {
		t.Fatal(err)
	}
	if q.Strength != 50 || q.For("85").Rate != 0.05 || q.For("90").Rate != 0.02 || q.For("82").Rate != 0.038 {
		t.Errorf("parsed prior = %+v", q)
	}
	if !strings.Contains(q.For("85").Source, "POSTRELEASE_INSPECTION_BASELINE") {
		t.Errorf("configured baseline source = %q, want it to name the setting", q.For("85").Source)
	}
	for _, bad := range [][2]string{
		{"82", ""}, {"82:", ""}, {"8:0.1", ""}, {"00:0.1", ""}, {"ab:0.1", ""}, {"82:0", ""}, {"82:1", ""}, {"82:3.8", ""}, {"82:NaN", ""},
		{"", "0"}, {"", "-3"}, {"", "many"}, {"", "NaN"},
	} {
		if _, err := inspection.ParsePrior(bad[0], bad[1]); err == nil {
			t.Errorf("ParsePrior(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestInspectedCodes(t *testing.T) {
	got := strings.Join(inspection.InspectedCodes(map[string]bool{"1H": true, "1B": true, "7H": false}), ",")
	if got != "1A,1B,1H" {
		t.Errorf("inspected codes = %s, want 1A,1B,1H", got)
	}
	if inspection.Percent(0.0616393) != "6.2 %" {
		t.Errorf("Percent = %q", inspection.Percent(0.0616393))
	}
}

func TestInspected(t *testing.T) {
	holds := map[string]bool{"1H": true}
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		codes              []string
		decided, inspected bool
	}{
		{nil, false, false},
		{[]string{" "}, false, false},
		{[]string{"1C"}, true, false},
		{[]string{"1A"}, true, true},
		{[]string{"1C", " 1b"}, true, true},
		{[]string{"1C", "1H", "1I"}, true, true}, // a hold removed later still counts
		{[]string{"7H"}, true, false},            // not a hold code of these rules
	} {
		var ds []domain.Disposition
		for _, code := range c.codes {
			ds = append(ds, domain.Disposition{Code: code, At: at})
		}
		if d, i := inspection.Inspected(ds, holds); d != c.decided || i != c.inspected {
			t.Errorf("Inspected(%q) = %v, %v; want %v, %v", c.codes, d, i, c.decided, c.inspected)
		}
	}
}
