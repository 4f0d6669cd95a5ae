package app

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
)

// Demo files for `dev`: a broker's release list dated relative to today, so
// importing it shows every clock at once (deposits overdue and due soon,
// free time passed, ending within 48 hours and days away, holds, an ISF that
// differs, checks waiting for people), and a small PDF to attach as a
// delivery order or certificate. Entry numbers carry the day, so a later
// day's list opens new shipments instead of clashing with earlier ones.

const demoDir = "demo"

var demoPorts = []struct{ code, terminal, carrier, vessel string }{
	{"2704", "APM Terminals Pier 400", "MAEU", "MAERSK ESSEN 645E"},
	{"2709", "Long Beach Container Terminal", "CMDU", "CMA CGM MARCO POLO 0MX1RE"},
	{"1001", "Red Hook Container Terminal", "HLCU", "BERLIN EXPRESS 052W"},
	{"4601", "Port Newark Container Terminal", "MSCU", "MSC GULSUN FL612A"},
	{"2811", "Oakland International Container Terminal", "ONEY", "ONE APUS 081E"},
}

var demoLines = []struct{ sku, description, hts, value, category string }{
	{"DRL-18V-LI", "18V cordless drill/driver kit, 2 Li-ion batteries", "8467.21.0010", "48250.00", "lithium_battery_tool"},
	{"IMP-12-PN", `1/2" pneumatic impact wrench`, "8467.11.1000", "15320.00", "pneumatic_tool"},
	{"SAW-7-CRD", "7-1/4 in. corded circular saw", "8467.22.0020", "22140.00", "power_tool"},
	{"WR-SET-12", "12-piece combination wrench set", "8204.11.0030", "9875.50", "other"},
}

// writeDemoFiles writes DataDir/demo/release-list-<date>.csv and
// DataDir/demo/document.pdf and returns the list's path.
func writeDemoFiles(dataDir string, today time.Time) (string, error) {
	dir := filepath.Join(dataDir, demoDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "document.pdf"), demoPDF(), 0o600); err != nil {
		return "", fmt.Errorf("writing the demo document: %w", err)
	}
	path := filepath.Join(dir, "release-list-"+today.Format(time.DateOnly)+".csv")
	list, err := DemoReleaseList(today)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, list, 0o600); err != nil {
		return "", fmt.Errorf("writing the demo release list: %w", err)
	}
	return path, nil
}

// DemoReleaseList is the demo release list `dev` writes for today, as CSV:
// what the notification measurement (e2e) imports.
func DemoReleaseList(today time.Time) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(demoReleaseRows(today, 30)); err != nil {
		return nil, fmt.Errorf("writing the demo release list: %w", err)
	}
	return b.Bytes(), nil
}

// demoReleaseRows is the release list as CSV rows, header first: n
// shipments, one or two containers each, two lines per shipment.
func demoReleaseRows(today time.Time, n int) [][]string {
	today = domain.Date(today)
	header := []string{"entry_number", "entry_type", "bl_number", "isf_bl_number", "carrier", "vessel_voyage", "port", "terminal",
		"discharge_date", "available_date", "release_date", "pickup_number", "pierpass_appointment", "dispositions", "incoterm",
		"recon_flagged", "container_number", "seals", "container_location", "sku", "description", "hts", "value", "category"}
	rows := [][]string{header}
	ymd := today.Format("06") + fmt.Sprintf("%03d", today.YearDay())
	date := func(t time.Time) string { return t.Format(time.DateOnly) }
	for i := range n {
		p := demoPorts[i%len(demoPorts)]
		// Released 1 to 18 days ago: deposits from overdue to two weeks away,
		// free time from long passed to days away.
		release := domain.AddDays(today, -(1 + (i*7)%18))
		discharge := domain.AddDays(release, 1)
		available := domain.AddDays(release, 1+i%3)
		entry := fmt.Sprintf("DMO-%s%02d-%d", ymd, i, i%10)
		bl := fmt.Sprintf("%s%s%03d", p.carrier, ymd, i)
		isf := bl
		switch {
		case i == 7:
			isf = fmt.Sprintf("%s%s%03d", p.carrier, ymd, i+500) // differs: an ISF discrepancy case
		case i%6 == 5:
			isf = "" // not received yet: a person checks it
		}
		disp := "1C@" + release.Add(15*time.Hour).Format(time.RFC3339)
		switch {
		case i == 11:
			disp += ";1H@" + release.Add(20*time.Hour).Format(time.RFC3339) // a hold: a CBP hold case
		case i%9 == 4:
			disp = "" // no release message yet
		}
		pickup, appt := "", ""
		if i%2 == 0 {
			pickup = fmt.Sprintf("PU%s%03d", ymd, i)
			if p.code == "2704" || p.code == "2709" {
				appt = fmt.Sprintf("PP%s%03d", ymd, i)
			}
		}
		containers := 1 + i%2
		for c := range containers {
			number := demoContainer(p.carrier, i*10+c)
			seals := fmt.Sprintf("SL%s%02d%d", ymd, i, c)
			location := ""
			if i%3 != 1 {
				location = fmt.Sprintf("Block %c Row %d Slot %d", 'A'+rune(i%6), 1+i%20, 1+c)
			}
			for l := range 2 {
				line := demoLines[(i+l)%len(demoLines)]
				rows = append(rows, []string{entry, "01", bl, isf, p.carrier, p.vessel, p.code, p.terminal,
					date(discharge), date(available), date(release), pickup, appt, disp, "FOB", fmt.Sprint(i%4 == 0),
					number, seals, location, line.sku, line.description, line.hts, line.value, line.category})
			}
		}
	}
	return rows
}

// demoContainer is a valid ISO 6346 number: the carrier's owner code with U,
// a serial and its check digit.
func demoContainer(carrier string, serial int) string {
	owner := strings.ToUpper(carrier)[:3] + "U"
	first10 := fmt.Sprintf("%s%06d", owner, 300000+serial)
	return fmt.Sprintf("%s%d", first10, domain.ContainerCheckDigit(first10))
}

// demoPDF is a one-page PDF saying it is a demo document.
func demoPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
		"4 0 obj<</Length 58>>stream\nBT /F1 18 Tf 72 720 Td (postrelease demo document) Tj ET\nendstream endobj\n" +
		"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}
