package store_test

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// sortValue is a row's value under a sort key: a string, an int, a
// decimal, a time, or nil for none (which sorts last either way).
type sortValue any

// compareSortValues orders two values of one key the way the list must:
// nil last, then by the value in the asked direction.
func compareSortValues(a, b sortValue, desc bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	var c int
	switch x := a.(type) {
	case string:
		c = cmp.Compare(x, b.(string))
	case int:
		c = cmp.Compare(x, b.(int))
	case decimal.Decimal:
		c = x.Cmp(b.(decimal.Decimal))
	case time.Time:
		c = x.Compare(b.(time.Time))
	default:
		panic(fmt.Sprintf("no order for %T", a))
	}
	if desc {
		return -c
	}
	return c
}

// checkSorts lists every row under each key of keys both ways, two rows a
// page so the pages must line up, and wants the order the values say, ties
// by id; every key of the list must have a value function.
func checkSorts[R any](t *testing.T, keys store.SortKeys, value map[string]func(R) sortValue, id func(R) string,
	list func(s store.Sort, limit, offset int) ([]R, int64, error)) {
	checkSortsAndExport(t, keys, value, id, list, nil)
}

// checkSortsAndExport is checkSorts, and when export is given, the export
// of every sort, two rows a page (keyset paging), must hand over the same
// rows in the same order.
func checkSortsAndExport[R any](t *testing.T, keys store.SortKeys, value map[string]func(R) sortValue, id func(R) string,
	list func(s store.Sort, limit, offset int) ([]R, int64, error), export func(s store.Sort, size int, each func([]R) error) error) {
	t.Helper()
	if got, want := len(value), len(keys); got != want {
		t.Fatalf("the test knows %d sort keys, the list has %d (%v)", got, want, keys.Keys())
	}
	all, total, err := list(store.Sort{}, store.MaxPage, 0)
	if err != nil || int64(len(all)) != total {
		t.Fatalf("the whole list: %d rows of %d, %v", len(all), total, err)
	}
	for _, key := range keys.Keys() {
		val, ok := value[key]
		if !ok {
			t.Fatalf("no value for sort key %q", key)
		}
		for _, desc := range []bool{false, true} {
			s := store.Sort{Key: key, Desc: desc}
			want := slices.Clone(all)
			slices.SortStableFunc(want, func(a, b R) int {
				if c := compareSortValues(val(a), val(b), desc); c != 0 {
					return c
				}
				return cmp.Compare(id(a), id(b))
			})
			var got []R
			for offset := 0; offset < len(all); offset += 2 {
				rows, _, err := list(s, 2, offset)
				if err != nil {
					t.Fatalf("sort %s: %v", s.Param(), err)
				}
				got = append(got, rows...)
			}
			gotIDs, wantIDs := mapIDs(got, id), mapIDs(want, id)
			if !slices.Equal(gotIDs, wantIDs) {
				t.Errorf("sort %s: got %q, want %q", s.Param(), gotIDs, wantIDs)
			}
			if export == nil {
				continue
			}
			var exported []R
			calls := 0
			if err := export(s, 2, func(rows []R) error {
				calls++
				exported = append(exported, rows...)
				return nil
			}); err != nil {
				t.Fatalf("export sorted %s: %v", s.Param(), err)
			}
			if got := mapIDs(exported, id); !slices.Equal(got, wantIDs) || calls < len(all)/2 {
				t.Errorf("export sorted %s: got %q in %d pages, want %q", s.Param(), got, calls, wantIDs)
			}
		}
	}
	if export != nil {
		var exported []R
		if err := export(store.Sort{}, 2, func(rows []R) error { exported = append(exported, rows...); return nil }); err != nil {
			t.Fatalf("export in the list's own order: %v", err)
		}
		if got, want := mapIDs(exported, id), mapIDs(all, id); !slices.Equal(got, want) {
			t.Errorf("export in the list's own order: got %q, want %q", got, want)
		}
		if err := export(store.Sort{Key: "nonsense"}, 2, func([]R) error { return nil }); !errors.Is(err, store.ErrUnknownSort) {
			t.Errorf("export by an unknown key: %v, want ErrUnknownSort", err)
		}
	}
	if _, _, err := list(store.Sort{Key: "nonsense"}, 10, 0); !errors.Is(err, store.ErrUnknownSort) {
		t.Errorf("sort by an unknown key: %v, want ErrUnknownSort", err)
	}
}

func mapIDs[R any](rows []R, id func(R) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

func orNil[T any](p *T) sortValue {
	if p == nil {
		return nil
	}
	return *p
}

func TestListCasesSorts(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		listFixture(t, s)
		// Importers and totals that differ, totals whose text order is not
		// their order as amounts ("950.00" < "48210.00" only as numbers).
		for i, c := range []struct{ importer, total string }{{"Zeta Hardware LLC", "950"}, {"Bolt & Nut Co", "48210"}, {"Acme Tools Inc.", "7.5"}} {
			st := sampleCase(fmt.Sprintf("C-%d", 6+i), 1, t0.Add(time.Duration(i)*time.Hour))
			st.Case.ImporterOfRecord = c.importer
			st.Amounts.Total = domain.USD{Decimal: decimal.RequireFromString(c.total)}
			mustUpsert(t, s, st)
		}
		value := map[string]func(store.CaseRow) sortValue{
			"id": func(r store.CaseRow) sortValue { return r.ID }, "entry": func(r store.CaseRow) sortValue { return r.EntryNumber },
			"importer": func(r store.CaseRow) sortValue { return r.Importer }, "port": func(r store.CaseRow) sortValue { return r.Port },
			"sku": func(r store.CaseRow) sortValue { return r.SKU }, "step": func(r store.CaseRow) sortValue { return r.Step },
			"assignee": func(r store.CaseRow) sortValue { return r.Assignee }, "due": func(r store.CaseRow) sortValue { return orNil(r.DueAt) },
			"escalation": func(r store.CaseRow) sortValue { return r.EscalationLevel },
			"total":      func(r store.CaseRow) sortValue { return decimal.RequireFromString(r.TotalDue) },
			"opened":     func(r store.CaseRow) sortValue { return r.OpenedAt }, "status": func(r store.CaseRow) sortValue { return r.Status },
		}
		checkSortsAndExport(t, store.CaseSorts, value, func(r store.CaseRow) string { return r.ID }, func(so store.Sort, limit, offset int) ([]store.CaseRow, int64, error) {
			return s.ListCases(t.Context(), store.CaseFilter{Sort: so, Limit: limit, Offset: offset})
		}, func(so store.Sort, size int, each func([]store.CaseRow) error) error {
			return s.ExportCases(t.Context(), store.CaseFilter{Sort: so, Limit: size}, each)
		})
		// The filter still applies under a sort.
		rows, total, err := s.ListCases(t.Context(), store.CaseFilter{Status: "open", Step: "file_psc", Sort: store.Sort{Key: "due", Desc: true}})
		if got := ids(rows); err != nil || total != 2 || !slices.Equal(got, []string{"C-1", "C-2"}) {
			t.Errorf("file_psc by due descending = %q (total %d), %v; want C-1, C-2", got, total, err)
		}
	})
}

func TestListShipmentsSorts(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		shipmentListFixture(t, s)
		value := map[string]func(store.ShipmentRow) sortValue{
			"id": func(r store.ShipmentRow) sortValue { return r.ID }, "entry": func(r store.ShipmentRow) sortValue { return r.EntryNumber },
			"port": func(r store.ShipmentRow) sortValue { return r.Port }, "phase": func(r store.ShipmentRow) sortValue { return r.Phase },
			"bl": func(r store.ShipmentRow) sortValue { return r.BLNumber }, "containers": func(r store.ShipmentRow) sortValue { return r.ContainerCount },
			"tasks": func(r store.ShipmentRow) sortValue { return r.OpenTasks }, "due": func(r store.ShipmentRow) sortValue { return orNil(r.NextDueAt) },
			"escalation":    func(r store.ShipmentRow) sortValue { return r.EscalationLevel },
			"last_free_day": func(r store.ShipmentRow) sortValue { return orNil(r.LastFreeDay) },
			"opened":        func(r store.ShipmentRow) sortValue { return r.OpenedAt },
		}
		checkSortsAndExport(t, store.ShipmentSorts, value, func(r store.ShipmentRow) string { return r.ID }, func(so store.Sort, limit, offset int) ([]store.ShipmentRow, int64, error) {
			return s.ListShipments(t.Context(), store.ShipmentFilter{Sort: so, Limit: limit, Offset: offset})
		}, func(so store.Sort, size int, each func([]store.ShipmentRow) error) error {
			return s.ExportShipments(t.Context(), store.ShipmentFilter{Sort: so, Limit: size}, each)
		})
	})
}

func TestListProtestsSorts(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		for i, c := range []struct {
			importer, claimed string
			level             int
			due               time.Duration
		}{{"Zeta Hardware LLC", "950", 0, time.Hour}, {"Bolt & Nut Co", "48210.5", 2, -time.Hour}, {"Acme Tools Inc.", "7.25", 1, time.Hour}, {"Acme Tools Inc.", "950", 0, 0}} {
			st := sampleProtest(fmt.Sprintf("PR-%d", i+1), 1, t0.Add(time.Duration(i)*time.Hour))
			st.Protest.ImporterOfRecord = c.importer
			st.AmountClaimed = domain.USD{Decimal: decimal.RequireFromString(c.claimed)}
			cur := &st.Steps[len(st.Steps)-1]
			cur.EscalationLevel, cur.DueAt = c.level, cur.DueAt.Add(c.due)
			if _, err := s.UpsertProtest(t.Context(), st); err != nil {
				t.Fatal(err)
			}
		}
		value := map[string]func(store.ProtestRow) sortValue{
			"id": func(r store.ProtestRow) sortValue { return r.ID }, "entry": func(r store.ProtestRow) sortValue { return r.EntryNumber },
			"importer": func(r store.ProtestRow) sortValue { return r.Importer }, "port": func(r store.ProtestRow) sortValue { return r.Port },
			"step": func(r store.ProtestRow) sortValue { return r.Step }, "assignee": func(r store.ProtestRow) sortValue { return r.Assignee },
			"due": func(r store.ProtestRow) sortValue { return orNil(r.DueAt) }, "escalation": func(r store.ProtestRow) sortValue { return r.EscalationLevel },
			"filing_closes": func(r store.ProtestRow) sortValue { return r.FilingClosesAt },
			"claimed":       func(r store.ProtestRow) sortValue { return decimal.RequireFromString(r.AmountClaimed) },
			"opened":        func(r store.ProtestRow) sortValue { return r.OpenedAt }, "status": func(r store.ProtestRow) sortValue { return r.Status },
		}
		checkSortsAndExport(t, store.ProtestSorts, value, func(r store.ProtestRow) string { return r.ID }, func(so store.Sort, limit, offset int) ([]store.ProtestRow, int64, error) {
			return s.ListProtests(t.Context(), store.ProtestFilter{Sort: so, Limit: limit, Offset: offset})
		}, func(so store.Sort, size int, each func([]store.ProtestRow) error) error {
			return s.ExportProtests(t.Context(), store.ProtestFilter{Sort: so, Limit: size}, each)
		})
	})
}

func TestSortKeysParse(t *testing.T) {
	for _, tc := range []struct {
		param string
		want  store.Sort
		bad   bool
	}{
		{"", store.Sort{}, false}, {"due", store.Sort{Key: "due"}, false}, {"-due", store.Sort{Key: "due", Desc: true}, false},
		{"Due", store.Sort{}, true}, {"due;drop table cases", store.Sort{}, true}, {"--due", store.Sort{}, true}, {"-", store.Sort{}, true},
	} {
		got, err := store.CaseSorts.Parse(tc.param)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, bad %v", tc.param, got, err, tc.want, tc.bad)
		}
		if err == nil && got.Param() != tc.param {
			t.Errorf("Parse(%q).Param() = %q", tc.param, got.Param())
		}
	}
}

// TestExportKeepsItsPlace: cases change while an export is between pages
// (two rows a page): the first row handed over is deleted and a case that
// sorts before every other is opened. Read at offsets, the next page would
// skip a row (the deleted one's place is taken) and repeat one (the new
// first row pushes the rest down); read after the last row handed over,
// every case there was comes once, in order.
func TestExportKeepsItsPlace(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		listFixture(t, s)
		for _, sort := range []store.Sort{{}, {Key: "importer"}, {Key: "due", Desc: true}} {
			f := store.CaseFilter{Sort: sort, Limit: store.MaxPage}
			before, _, err := s.ListCases(t.Context(), f)
			if err != nil || len(before) < 4 {
				t.Fatalf("the list: %d rows, %v", len(before), err)
			}
			var got []string
			pages := 0
			f.Limit = 2
			err = s.ExportCases(t.Context(), f, func(rows []store.CaseRow) error {
				pages++
				got = append(got, ids(rows)...)
				if pages == 1 {
					if err := s.DBForTest().Exec("DELETE FROM cases WHERE id = ?", rows[0].ID).Error; err != nil {
						return err
					}
					first := sampleCase("C-0-"+sort.Param(), 1, t0.Add(-time.Hour))
					first.Case.ImporterOfRecord = "AAA Importers"
					first.Steps[len(first.Steps)-1].DueAt = t0.Add(900 * 24 * time.Hour) // first by due, descending
					if sort.Key == "" {
						first.Steps[len(first.Steps)-1].DueAt = t0.Add(-24 * time.Hour) // first by the list's own order
					}
					mustUpsert(t, s, first)
				}
				return nil
			})
			if want := ids(before); err != nil || !slices.Equal(got, want) {
				t.Errorf("sort %q: exported %q (%v), want the rows there were, %q", sort.Param(), got, err, want)
			}
		}
	})
}
