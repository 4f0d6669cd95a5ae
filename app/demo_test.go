package app

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/manifest"
)

// The demo release list imports whole: every row valid, 30 shipments, and
// it exercises the paths the demo needs (a hold, an ISF that differs,
// checks left to people).
func TestDemoReleaseListParses(t *testing.T) {
	path, err := writeDemoFiles(t.TempDir(), time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := manifest.ParseReleaseList(f, "csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 0 {
		t.Fatalf("rejected rows: %+v", res.Rejected)
	}
	if len(res.Shipments) != 30 {
		t.Fatalf("%d shipments, want 30", len(res.Shipments))
	}
	var holds, isfDiffers, noISF int
	for _, s := range res.Shipments {
		for _, d := range s.Dispositions {
			if d.Code == "1H" {
				holds++
			}
		}
		if s.ISFBLNumber == "" {
			noISF++
		} else if s.ISFBLNumber != s.BLNumber {
			isfDiffers++
		}
		if !strings.HasPrefix(s.EntryNumber, "DMO-26326") {
			t.Fatalf("entry %s does not carry the day", s.EntryNumber)
		}
	}
	if holds != 1 || isfDiffers != 1 || noISF == 0 {
		t.Fatalf("holds %d, ISF differs %d, no ISF %d", holds, isfDiffers, noISF)
	}
}
