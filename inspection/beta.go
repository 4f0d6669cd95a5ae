// Package inspection estimates the chance that CBP inspects a new shipment,
// from how often shipments like it were inspected: a Beta-binomial posterior
// shrunk toward a configured baseline. It is plain arithmetic, no I/O; the
// store counts the shipments and the service feeds the counts in.
package inspection

import "math"

// RegIncBeta is the regularized incomplete beta function I_x(a, b), the
// cumulative distribution of Beta(a, b) at x, for a, b > 0. It evaluates the
// continued fraction of Numerical Recipes (§6.4, modified Lentz) on the side
// of the mean where it converges fast, using I_x(a,b) = 1 − I_{1−x}(b,a).
func RegIncBeta(a, b, x float64) float64 {
	switch {
	case math.IsNaN(x) || a <= 0 || b <= 0:
		return math.NaN()
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	// x^a (1−x)^b / B(a, b), in logs so large parameters do not overflow.
	front := math.Exp(a*math.Log(x) + b*math.Log1p(-x) - (la + lb - lab))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

// betaCF is the continued fraction of the incomplete beta function.
func betaCF(a, b, x float64) float64 {
	const (
		maxIter = 10000
		eps     = 1e-15
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1/nonZero(1-qab*x/qap)
	h := d
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		// The even step of the recurrence, then the odd one.
		c, d = lentz(c, d, fm*(b-fm)*x/((qam+m2)*(a+m2)))
		h *= d * c
		c, d = lentz(c, d, -(a+fm)*(qab+fm)*x/((a+m2)*(qap+m2)))
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// lentz is one step of the modified Lentz method with coefficient aa.
func lentz(c, d, aa float64) (float64, float64) {
	return nonZero(1 + aa/c), 1 / nonZero(1+aa*d)
}

// nonZero keeps a denominator of the Lentz method off zero.
func nonZero(v float64) float64 {
	const tiny = 1e-300
	if math.Abs(v) < tiny {
		return tiny
	}
	return v
}

// BetaQuantile is the p-quantile of Beta(a, b): the x with I_x(a, b) = p.
// The distribution function is continuous and increasing on [0, 1], so
// bisection always converges; 200 halvings reach the spacing of float64
// near any answer, which is far more than a percentage shown to one
// decimal needs, and it costs microseconds.
func BetaQuantile(a, b, p float64) float64 {
	switch {
	case math.IsNaN(p) || a <= 0 || b <= 0 || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return 0
	case p == 1:
		return 1
	}
	lo, hi := 0.0, 1.0
	for range 200 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if RegIncBeta(a, b, mid) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}
