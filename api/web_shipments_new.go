package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
)

// Opening shipments through the web: the form for one shipment by hand and the broker's release-list import (checked first, then imported).

// shipmentFormHeader are the new-shipment form's single-value inputs.
var shipmentFormHeader = []string{"entry_number", "entry_type", "bl_number", "isf_bl_number", "carrier", "vessel_voyage", "port", "terminal",
	"discharge_date", "available_date", "release_date", "entry_date", "pickup_number", "pierpass_appointment", "incoterm", "recon_flagged",
	"dispositions", "containers", "lines"}

type newShipmentPage struct {
	Ports      []store.Port
	Incoterms  []string
	Categories []domain.ProductCategory
	// Problems are the errors of each textarea's lines, in line order.
	Problems map[string][]string
}

func (s *Server) newShipmentPage(ctx context.Context) (newShipmentPage, error) {
	ports, err := s.Store.Ports(ctx)
	if err != nil {
		return newShipmentPage{}, errInternal(err)
	}
	return newShipmentPage{Ports: ports, Incoterms: manifest.Incoterms, Categories: domain.ProductCategories(), Problems: map[string][]string{}}, nil
}

func (s *Server) webNewShipment(c echo.Context) error {
	if u := currentUser(c); !u.Role.CanAct() {
		return errf(CodeForbidden, "role %s may not open shipments", u.Role)
	}
	np, err := s.newShipmentPage(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "shipment_new", page{Title: "Open a shipment", Data: np,
		Form: map[string]string{"entry_type": "01", "incoterm": "FOB", "port": "2704"}})
}

func (s *Server) webOpenShipment(c echo.Context) error {
	form := map[string]string{}
	for _, k := range shipmentFormHeader {
		form[k] = strings.TrimSpace(c.FormValue(k))
	}
	in, lines, fe := shipmentFromForm(form)
	maps.Copy(fe, formTextErrors(form))
	opened, err := s.Shipments.Open(c.Request().Context(), currentUser(c), in, "form", fe)
	if err == nil {
		done := "existing"
		if opened.Created {
			done = "opened"
		}
		return c.Redirect(http.StatusSeeOther, "/shipments/"+opened.ID+"?done="+done)
	}
	ae := asError(err)
	if ae.Code != CodeInvalid && ae.Code != CodeConflict {
		return err
	}
	np, perr := s.newShipmentPage(c.Request().Context())
	if perr != nil {
		return perr
	}
	errs := map[string]string{}
	var other []string
	problems := map[string][]problem{}
	for k, v := range ae.Fields {
		if list, i, rest, ok := splitKey(k); ok && (list == "containers" || list == "lines" || list == "dispositions") {
			var where []string
			if i >= 0 && i < len(lines[list]) {
				where = append(where, fmt.Sprintf("line %d", lines[list][i]))
			}
			if rest != "" {
				where = append(where, rest)
			}
			problems[list] = append(problems[list], problem{i, k, strings.TrimPrefix(strings.Join(where, ", ")+": "+v, ": ")})
			errs[list] = v // marks the textarea; the list below it says where
		} else if slices.Contains(shipmentFormHeader, k) {
			errs[k] = v
		} else {
			other = append(other, k+": "+v)
		}
	}
	for list, ps := range problems {
		slices.SortFunc(ps, func(a, b problem) int { return cmp.Or(cmp.Compare(a.index, b.index), strings.Compare(a.key, b.key)) })
		for _, p := range ps {
			np.Problems[list] = append(np.Problems[list], p.text)
		}
	}
	sort.Strings(other)
	if ae.Code == CodeConflict {
		errs["_"] = ae.Message
	} else {
		errs["_"] = strings.Join(append([]string{"The shipment was not opened: correct the fields marked below."}, other...), " ")
	}
	return s.render(c, ae.Status(), "shipment_new", page{Title: "Open a shipment", Data: np, Form: form, Errors: errs})
}

// indexedKey splits "containers[1].seals[0]" into "containers", "1", "seals[0]".
var indexedKey = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?(?:\.(.+))?$`)

// splitKey reads a field key: the list, the index (-1 for none), the rest.
func splitKey(k string) (list string, i int, rest string, ok bool) {
	m := indexedKey.FindStringSubmatch(k)
	if m == nil {
		return "", 0, "", false
	}
	i = -1
	if m[2] != "" {
		i, _ = strconv.Atoi(m[2])
	}
	return m[1], i, m[3], true
}

// problem is one error of a textarea, sorted by its index then its key.
type problem struct {
	index int
	key   string
	text  string
}

// shipmentFromForm reads the new-shipment form. The textareas hold one item
// a line:
//
//	dispositions  CODE TIME or CODE@TIME, the time in UTC: 1C 2026-11-01T18:22
//	containers    NUMBER SEAL SEAL ... [@ LOCATION]: MSKU1234565 ML4411001 @ Block C Row 14
//	lines         SKU | description | HTS | value | category
//
// lines maps each list to the textarea line of each of its items, so errors
// can say where they are. fe holds what could not be read at all; the rest is
// checked by ShipmentInput.Normalize.
func shipmentFromForm(f map[string]string) (in manifest.ShipmentInput, lines map[string][]int, fe map[string]string) {
	fe, lines = map[string]string{}, map[string][]int{}
	in = manifest.ShipmentInput{EntryNumber: f["entry_number"], EntryType: f["entry_type"], BLNumber: f["bl_number"],
		ISFBLNumber: f["isf_bl_number"], Carrier: f["carrier"], VesselVoyage: f["vessel_voyage"], Port: f["port"],
		Terminal: f["terminal"], PickupNumber: f["pickup_number"], PierPassAppointment: f["pierpass_appointment"],
		Incoterm: f["incoterm"], ReconFlagged: f["recon_flagged"] != ""}
	optDate := func(name string) *time.Time {
		if f[name] == "" {
			return nil
		}
		d := formDate(fe, name, f[name])
		return &d
	}
	in.DischargeDate, in.AvailableDate, in.EntryDate = optDate("discharge_date"), optDate("available_date"), optDate("entry_date")
	if d := optDate("release_date"); d != nil {
		in.ReleaseDate = *d
	}
	each := func(list string, fn func(i int, line string)) {
		for n, line := range strings.Split(f[list], "\n") {
			if line = strings.TrimSpace(line); line != "" {
				lines[list] = append(lines[list], n+1)
				fn(len(lines[list])-1, line)
			}
		}
	}
	each("dispositions", func(i int, line string) {
		code, at, ok := strings.Cut(line, "@")
		if !ok {
			code, at, ok = strings.Cut(line, " ")
		}
		d := domain.Disposition{Code: strings.TrimSpace(code)}
		key := fmt.Sprintf("dispositions[%d]", i)
		if !ok || strings.TrimSpace(at) == "" {
			fe[key+".at"] = "write CODE TIME, e.g. 1C 2026-11-01T18:22 (UTC)"
		} else if t := formTime(fe, key+".at", strings.TrimSpace(at)); t != nil {
			d.At = *t
		}
		in.Dispositions = append(in.Dispositions, d)
	})
	each("containers", func(i int, line string) {
		head, loc, _ := strings.Cut(line, "@")
		parts := strings.FieldsFunc(head, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		c := manifest.Container{Location: strings.TrimSpace(loc)}
		if len(parts) > 0 {
			c.Number, c.Seals = parts[0], parts[1:]
		}
		in.Containers = append(in.Containers, c)
	})
	each("lines", func(i int, line string) {
		parts := strings.Split(line, "|")
		key := fmt.Sprintf("lines[%d]", i)
		if len(parts) != 5 {
			fe[key] = fmt.Sprintf("write SKU | description | HTS | value | category: 5 parts separated by |, not %d", len(parts))
			in.Lines = append(in.Lines, manifest.Line{})
			return
		}
		for j := range parts {
			parts[j] = strings.TrimSpace(parts[j])
		}
		l := manifest.Line{SKU: parts[0], Description: parts[1], HTS: domain.HTSCode(parts[2]), Category: domain.ProductCategory(parts[4])}
		if v, err := domain.ParseMoney(parts[3]); err != nil {
			fe[key+".value"] = err.Error()
		} else {
			l.Value = domain.USD{Decimal: v}
		}
		in.Lines = append(in.Lines, l)
	})
	return in, lines, fe
}

// ---------------------------------------------------------------------------
// Release-list import

type importPage struct {
	Filename string
	Format   string
	Preview  *service.ImportPreview
	Report   *service.ImportReport
	Content  string // the previewed file, base64, for the Import button
	TooLarge bool
}

// webImport previews a release list (action "preview", the default) or
// imports it (action "import"). The file is the upload, or the previewed
// file the preview page carries.
func (s *Server) webImport(c echo.Context) error {
	const title = "Import a release list"
	if u := currentUser(c); !u.Role.CanAct() { // before reading the file: who may comes before what is wrong
		return errf(CodeForbidden, "role %s may not import release lists", u.Role)
	}
	invalid := func(fields map[string]string) error {
		return s.render(c, http.StatusUnprocessableEntity, "import", page{Title: title, Errors: fields})
	}
	// refused shows a list the service refused on the form; any other error
	// is for the error page.
	refused := func(err error) error {
		if ae := asError(err); ae.Code == CodeInvalid {
			return invalid(ae.Fields)
		}
		return err
	}
	var content []byte
	var filename, contentType string
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return errInternal(err)
		}
		defer f.Close()
		if content, err = io.ReadAll(io.LimitReader(f, manifest.MaxImportBytes+1)); err != nil {
			return errInternal(err)
		}
		filename, contentType = fh.Filename, fh.Header.Get("Content-Type")
	} else if enc := c.FormValue("content"); enc != "" {
		if content, err = base64.StdEncoding.DecodeString(enc); err != nil {
			return invalid(map[string]string{"file": "the previewed file did not come back whole: choose it again"})
		}
		filename = c.FormValue("filename")
	} else {
		return invalid(map[string]string{"file": "choose a CSV or JSON release list to upload"})
	}
	format := formatOf(c.FormValue("format"), filename, contentType)
	ctx, u := c.Request().Context(), currentUser(c)
	ip := importPage{Filename: filename, Format: format}
	if c.FormValue("action") == "import" {
		rep, err := s.Shipments.Import(ctx, u, bytes.NewReader(content), format)
		if err != nil {
			return refused(err)
		}
		ip.Report = &rep
		return s.render(c, http.StatusOK, "import", page{Title: "Imported: " + filename, Data: ip})
	}
	p, err := s.Shipments.Preview(ctx, u, bytes.NewReader(content), format)
	if err != nil {
		return refused(err)
	}
	ip.Preview = &p
	if len(content) <= maxResubmit {
		ip.Content = base64.StdEncoding.EncodeToString(content)
	} else {
		ip.TooLarge = true
	}
	return s.render(c, http.StatusOK, "import", page{Title: "Release list: " + filename, Data: ip})
}

// formTime reads an optional time in UTC: a datetime-local value
// (2026-11-02T14:05) or RFC 3339.
func formTime(fe map[string]string, name, v string) *time.Time {
	if v == "" {
		return nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return &t
		}
	}
	fe[name] = fmt.Sprintf("%q is not a time like 2026-11-02T14:05 (UTC)", v)
	return nil
}

// formDate reads a required date; an error leaves the zero time.
func formDate(fe map[string]string, name, v string) time.Time {
	v = strings.TrimSpace(v)
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case v == "":
		fe[name] = "is required (YYYY-MM-DD)"
	case err != nil:
		fe[name] = fmt.Sprintf("%q is not a date like 2026-11-02", v)
	}
	return d
}
