package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// The search box: one query over every case, shipment and protest, by the
// prefix of any word of its ids and references (search_terms.go), answered
// from the read model.

// Bounds of a search query.
const (
	MaxSearchLength = 100 // characters
	maxSearchWords  = 4
	minSearchKey    = 2 // letters or digits in all
)

// SearchQueryError says what is wrong with a query, in words for the person
// who typed it.
type SearchQueryError string

func (e SearchQueryError) Error() string { return string(e) }

// ParseSearch checks a query and returns its words as keys (searchKey),
// longest first: each must start a word of one of an item's values.
func ParseSearch(q string) ([]string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, SearchQueryError("type a case, shipment or protest id, an entry, B/L, container, PSC or protest number, a SKU or an importer")
	}
	if !utf8.ValidString(q) {
		return nil, SearchQueryError("is not text (UTF-8)")
	}
	if utf8.RuneCountInString(q) > MaxSearchLength {
		return nil, SearchQueryError(fmt.Sprintf("is longer than %d characters", MaxSearchLength))
	}
	var keys []string
	n := 0
	for _, w := range strings.Fields(q) {
		if k := searchKey(w); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
			n += utf8.RuneCountInString(k)
		}
	}
	switch {
	case len(keys) == 0:
		return nil, SearchQueryError("has no letters or digits to search for")
	case len(keys) > maxSearchWords:
		return nil, SearchQueryError(fmt.Sprintf("has more than %d words: the shortest ones add little", maxSearchWords))
	case n < minSearchKey:
		return nil, SearchQueryError(fmt.Sprintf("type at least %d letters or digits", minSearchKey))
	}
	slices.SortStableFunc(keys, func(a, b string) int { return len(b) - len(a) })
	return keys, nil
}

// prefixEnd is the least string above every string that starts with key
// (its last character raised by one), the open end of key's prefix range in
// bytewise order (search_terms.term is COLLATE "C" on PostgreSQL).
func prefixEnd(key string) string {
	r, size := utf8.DecodeLastRuneInString(key)
	return key[:len(key)-size] + string(r+1)
}

// SearchMatch is a value of an item that a query matched.
type SearchMatch struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// SearchHit is one item a search found, with what a list shows of it.
type SearchHit struct {
	Kind        string        `json:"kind"`                // case, shipment or protest
	ID          string        `json:"id"`                  // DC-…, SH-…, PR-…
	CaseKind    string        `json:"case_kind,omitempty"` // a case's kind (seal_mismatch, ...)
	Status      string        `json:"status"`              // open or closed; a shipment's phase
	Step        string        `json:"step,omitempty"`      // a case's or protest's step
	EntryNumber string        `json:"entry_number"`
	Importer    string        `json:"importer,omitempty"`
	Port        string        `json:"port"`
	OpenedAt    time.Time     `json:"opened_at"`
	Matches     []SearchMatch `json:"matches"`
}

// SearchResults are the hits of a search, closest first: an item found by
// its own id, then one whose value the query spells out whole before one it
// only starts; More says there were more than the limit.
type SearchResults struct {
	Hits []SearchHit `json:"hits"`
	More bool        `json:"more"`
}

// Search finds the items every word of q starts a word of (ParseSearch),
// at most limit of them (PageSize). A bad query is a SearchQueryError.
func (s *Store) Search(ctx context.Context, q string, limit int) (SearchResults, error) {
	keys, err := ParseSearch(q)
	if err != nil {
		return SearchResults{}, err
	}
	limit = PageSize(limit)
	db := s.db.WithContext(ctx)
	// The longest word drives the index range; the others must each match
	// another term of the same item.
	where := "t.term >= ? AND t.term < ?"
	args := []any{keys[0], prefixEnd(keys[0])}
	for _, k := range keys[1:] {
		where += " AND EXISTS (SELECT 1 FROM search_terms u WHERE u.kind = t.kind AND u.item_id = t.item_id AND u.term >= ? AND u.term < ?)"
		args = append(args, k, prefixEnd(k))
	}
	var found []struct {
		Kind, ItemID    string
		ByID, Closeness int
	}
	// Closest first: an item by its own id, then by how much of a value the
	// query spells out (the shortest term it starts).
	err = db.Raw("SELECT t.kind, t.item_id, MIN(CASE WHEN t.field = 'id' THEN 0 ELSE 1 END) AS by_id, MIN(LENGTH(t.term)) AS closeness"+
		" FROM search_terms t WHERE "+where+" GROUP BY t.kind, t.item_id ORDER BY by_id, closeness, t.kind, t.item_id LIMIT ?",
		append(args, limit+1)...).Scan(&found).Error
	if err != nil {
		return SearchResults{}, fmt.Errorf("searching for %q: %w", q, err)
	}
	res := SearchResults{Hits: []SearchHit{}, More: len(found) > limit}
	found = found[:min(len(found), limit)]
	if len(found) == 0 {
		return res, nil
	}
	ids := map[string][]string{}
	for _, f := range found {
		ids[f.Kind] = append(ids[f.Kind], f.ItemID)
	}
	hits, err := s.searchHits(db, ids)
	if err != nil {
		return SearchResults{}, err
	}
	if err := s.searchMatches(db, hits, keys); err != nil {
		return SearchResults{}, err
	}
	for _, f := range found {
		if h, ok := hits[f.Kind+" "+f.ItemID]; ok { // gone since its terms were read: left out
			res.Hits = append(res.Hits, *h)
		}
	}
	return res, nil
}

// searchHits reads the rows of the items found, keyed by kind and id.
func (s *Store) searchHits(db *gorm.DB, ids map[string][]string) (map[string]*SearchHit, error) {
	hits := map[string]*SearchHit{}
	add := func(h SearchHit) { hits[h.Kind+" "+h.ID] = &h }
	if len(ids[SearchCase]) > 0 {
		var rows []CaseRow
		if err := db.Omit("state").Where("id IN ?", ids[SearchCase]).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("reading the cases found: %w", err)
		}
		for _, r := range rows {
			add(SearchHit{Kind: SearchCase, ID: r.ID, CaseKind: r.Kind, Status: r.Status, Step: r.Step, EntryNumber: r.EntryNumber,
				Importer: r.Importer, Port: r.Port, OpenedAt: r.OpenedAt})
		}
	}
	if len(ids[SearchShipment]) > 0 {
		var rows []ShipmentRow
		if err := db.Omit("state").Where("id IN ?", ids[SearchShipment]).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("reading the shipments found: %w", err)
		}
		for _, r := range rows {
			add(SearchHit{Kind: SearchShipment, ID: r.ID, Status: r.Phase, EntryNumber: r.EntryNumber, Port: r.Port, OpenedAt: r.OpenedAt})
		}
	}
	if len(ids[SearchProtest]) > 0 {
		var rows []ProtestRow
		if err := db.Omit("state").Where("id IN ?", ids[SearchProtest]).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("reading the protests found: %w", err)
		}
		for _, r := range rows {
			add(SearchHit{Kind: SearchProtest, ID: r.ID, Status: r.Status, Step: r.Step, EntryNumber: r.EntryNumber,
				Importer: r.Importer, Port: r.Port, OpenedAt: r.OpenedAt})
		}
	}
	if len(ids[SearchReview]) > 0 {
		var rows []ReviewRow
		if err := db.Omit("state").Where("id IN ?", ids[SearchReview]).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("reading the compliance reviews found: %w", err)
		}
		for _, r := range rows {
			add(SearchHit{Kind: SearchReview, ID: r.ID, Status: r.Status, Step: r.Step, OpenedAt: r.OpenedAt})
		}
	}
	return hits, nil
}

// searchMatches fills in, for each hit, the values the query's words
// matched, each once, in field order.
func (s *Store) searchMatches(db *gorm.DB, hits map[string]*SearchHit, keys []string) error {
	var itemIDs []string
	for _, h := range hits {
		itemIDs = append(itemIDs, h.ID)
	}
	var ranges []string
	args := []any{itemIDs}
	for _, k := range keys {
		ranges = append(ranges, "(term >= ? AND term < ?)")
		args = append(args, k, prefixEnd(k))
	}
	var rows []SearchTermRow
	err := db.Where("item_id IN ? AND ("+strings.Join(ranges, " OR ")+")", args...).Order("kind, item_id, field, value").Find(&rows).Error
	if err != nil {
		return fmt.Errorf("reading what the search matched: %w", err)
	}
	for _, r := range rows {
		h, ok := hits[r.Kind+" "+r.ItemID]
		if !ok {
			continue
		}
		m := SearchMatch{Field: r.Field, Value: r.Value}
		if !slices.Contains(h.Matches, m) {
			h.Matches = append(h.Matches, m)
		}
	}
	return nil
}
