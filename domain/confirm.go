package domain

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// normalizeRef upper-cases a reference number and drops whitespace and dashes,
// which carriers and brokers print in different places.
func normalizeRef(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// NormalizeBL puts a bill of lading number in the form used for comparing:
// upper case, without spaces or dashes.
func NormalizeBL(s string) string { return normalizeRef(s) }

// MaxReference is the longest B/L, seal, pickup or appointment number kept.
const MaxReference = 35

// IsReference reports whether a normalised reference number (NormalizeBL) is
// 1 to MaxReference ASCII letters and digits, as B/L, seal and pickup numbers
// are.
func IsReference(n string) bool {
	if n == "" || len(n) > MaxReference {
		return false
	}
	for _, r := range n {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// BLMatchesISF reports whether a shipment's B/L number is the one filed in the
// ISF, and says why. The two may be written with or without the carrier's SCAC
// (4 letters) in front: a master B/L is often given as SCAC + number on one
// side and as the bare number on the other. Prefixes that differ on both sides
// are different carriers' bills, not a match.
func BLMatchesISF(bl, isfBL string) (bool, string) {
	a, b := NormalizeBL(bl), NormalizeBL(isfBL)
	switch {
	case a == "" && b == "":
		return false, "B/L number and ISF B/L number are both missing"
	case a == "":
		return false, "B/L number is missing"
	case b == "":
		return false, "ISF B/L number is missing"
	case a == b:
		return true, fmt.Sprintf("B/L %s matches the ISF", a)
	case hasSCACPrefix(a) && a[4:] == b:
		return true, fmt.Sprintf("B/L %s matches ISF B/L %s once the SCAC prefix %s is removed from the B/L", a, b, a[:4])
	case hasSCACPrefix(b) && b[4:] == a:
		return true, fmt.Sprintf("B/L %s matches ISF B/L %s once the SCAC prefix %s is removed from the ISF B/L", a, b, b[:4])
	}
	return false, fmt.Sprintf("B/L %s does not match ISF B/L %s", a, b)
}

// hasSCACPrefix: 4 letters followed by at least one more character.
func hasSCACPrefix(s string) bool {
	if len(s) <= 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// ContainerSeal is a seal number recorded for a container. A container with
// several seals appears once per seal; an empty Seal records the container
// without a seal.
type ContainerSeal struct {
	Container string `json:"container"`
	Seal      string `json:"seal"`
}

// iso6346Letter are the ISO 6346 values of the letters: A = 10 upwards,
// skipping the multiples of 11 (11, 22, 33).
var iso6346Letter = func() [26]int {
	var v [26]int
	n := 10
	for i := range v {
		if n%11 == 0 {
			n++
		}
		v[i] = n
		n++
	}
	return v
}()

// ContainerCheckDigit is the ISO 6346 check digit of the first 10 characters
// of a container number (owner code, category letter, 6-digit serial): each
// character's value times 2^position, summed, mod 11, with 10 written as 0.
// The caller guarantees 4 upper-case letters then 6 digits.
func ContainerCheckDigit(first10 string) int {
	sum := 0
	for i := 0; i < 10; i++ {
		c := first10[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = iso6346Letter[c-'A']
		}
		sum += v << i
	}
	return sum % 11 % 10
}

// ParseContainerNumber checks an ISO 6346 container number: a 3-letter owner
// code, the equipment category letter (U freight container, J detachable
// equipment, Z trailer or chassis), a 6-digit serial and a check digit that
// must agree. Case, spaces and dashes are forgiven ("csqu 305438-3"); the
// result is the bare 11 characters, "CSQU3054383".
func ParseContainerNumber(s string) (string, error) {
	n := normalizeRef(s)
	if len(n) != 11 {
		return "", fmt.Errorf("container number %q: expected 4 letters, 6 digits and a check digit (11 characters), e.g. CSQU3054383; got %d characters", s, len(n))
	}
	for i := 0; i < 11; i++ {
		c := n[i]
		if i < 4 && (c < 'A' || c > 'Z') {
			return "", fmt.Errorf("container number %q: the first 4 characters must be letters (owner code and category), e.g. CSQU3054383", s)
		}
		if i >= 4 && (c < '0' || c > '9') {
			return "", fmt.Errorf("container number %q: the last 7 characters must be digits (serial and check digit), e.g. CSQU3054383", s)
		}
	}
	if cat := n[3]; cat != 'U' && cat != 'J' && cat != 'Z' {
		return "", fmt.Errorf("container number %q: the 4th letter is the equipment category and must be U, J or Z, not %c", s, cat)
	}
	if want := ContainerCheckDigit(n[:10]); int(n[10]-'0') != want {
		return "", fmt.Errorf("container number %q: check digit is %c but ISO 6346 gives %d for %s: a character is probably mistyped", s, n[10], want, n[:10])
	}
	return n, nil
}

// SealMismatchKind says how a container's seals disagree.
type SealMismatchKind string

const (
	SealDiffers            SealMismatchKind = "seal_differs"
	SealContainerMissingDO SealMismatchKind = "container_missing_on_do" // declared, not on the delivery order
	SealContainerExtraDO   SealMismatchKind = "container_extra_on_do"   // on the delivery order, not declared
)

// SealMismatch is one container whose seals on the delivery order do not
// match the declared ones. Declared and OnDeliveryOrder are the seal numbers
// on each side, normalised, sorted and joined by ", ".
type SealMismatch struct {
	Container       string           `json:"container"`
	Kind            SealMismatchKind `json:"kind"`
	Declared        string           `json:"declared"`
	OnDeliveryOrder string           `json:"on_delivery_order"`
	Reason          string           `json:"reason"`
}

// MatchSeals compares the declared seals with the delivery order's, container
// by container. Container numbers are compared in their ISO 6346 form when
// valid (otherwise upper case without spaces or dashes), seals upper case
// without spaces or dashes. A container's seals match when both sides list the
// same set; a container with no seal on either side is not a mismatch, so a
// caller that needs a seal must check for one. The result is sorted by
// container number; nil means everything matches.
func MatchSeals(declared, onDeliveryOrder []ContainerSeal) []SealMismatch {
	decl, do := sealSets(declared), sealSets(onDeliveryOrder)
	containers := sortedKeys(decl)
	for c := range do {
		if _, ok := decl[c]; !ok {
			containers = append(containers, c)
		}
	}
	slices.Sort(containers)

	var out []SealMismatch
	for _, c := range containers {
		declSeals, inDecl := decl[c]
		doSeals, inDO := do[c]
		m := SealMismatch{Container: c, Declared: joinSeals(declSeals), OnDeliveryOrder: joinSeals(doSeals)}
		switch {
		case !inDO:
			m.Kind = SealContainerMissingDO
			m.Reason = fmt.Sprintf("container %s is declared (seal %s) but not on the delivery order", c, orNone(m.Declared))
		case !inDecl:
			m.Kind = SealContainerExtraDO
			m.Reason = fmt.Sprintf("container %s is on the delivery order (seal %s) but not declared", c, orNone(m.OnDeliveryOrder))
		case m.Declared != m.OnDeliveryOrder:
			m.Kind = SealDiffers
			m.Reason = fmt.Sprintf("container %s: declared seal %s, delivery order seal %s", c, orNone(m.Declared), orNone(m.OnDeliveryOrder))
		default:
			continue
		}
		out = append(out, m)
	}
	return out
}

// sealSets maps each container to the set of its seals.
func sealSets(cs []ContainerSeal) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, c := range cs {
		id, err := ParseContainerNumber(c.Container)
		if err != nil {
			id = normalizeRef(c.Container)
		}
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		if s := normalizeRef(c.Seal); s != "" {
			out[id][s] = true
		}
	}
	return out
}

func joinSeals(set map[string]bool) string { return strings.Join(sortedKeys(set), ", ") }

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
