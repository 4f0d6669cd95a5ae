package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// shownTime is a <time> element as the page shows it.
type shownTime struct{ Datetime, Text, Title string }

// An officer who reads in Tokyo (UTC+9 all year, so no instant can match UTC
// or the office's New York by chance) sees the case's and the shipment's
// times on Tokyo's clock, with relative wording, and legal dates in their
// legal zone; the same deposit day in the task and the deposit section.
// POSTRELEASE_SCREENSHOTS keeps the case, shipment and inbox at 1280 and
// 390 px.
func TestTimesInTheReadersZone(t *testing.T) {
	browser := chromium(t)
	const officer = "officer@time.test"
	ctx, stack, site, users := startDevSite(t, 6*time.Minute, map[string]domain.Role{officer: domain.RoleOfficer})
	if _, err := stack.Store.SetUserTimeZone(ctx, users[officer].ID, "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")

	b, stop := openTab(t, ctx, browser, "time-", 2*time.Minute)
	defer stop()
	b.signIn(site.URL, officer, "correct horse battery", `a[href="/shipments"]`)
	list := importReleaseList(b, site.URL, 3)

	// times checks every instant on the page: on Tokyo's clock, as its
	// datetime says.
	times := func(where string) string {
		t.Helper()
		var shown []shownTime
		b.run("times on "+where, chromedp.Evaluate(`[...document.querySelectorAll('main time[title]')].map(e => ({Datetime: e.dateTime, Text: e.innerText, Title: e.title}))`, &shown))
		n := 0
		for _, s := range shown {
			if !strings.HasSuffix(s.Title, "(Asia/Tokyo)") {
				continue // a legal or port zone's instant
			}
			at, err := time.Parse(time.RFC3339, s.Datetime)
			if err != nil {
				t.Fatalf("%s: datetime %q: %v", where, s.Datetime, err)
			}
			want := at.In(tokyo).Format("2 Jan 15:04")
			if at.In(tokyo).Year() != time.Now().In(tokyo).Year() {
				want = at.In(tokyo).Format("2 Jan 2006 15:04")
			}
			// A time inside a workflow's message reads as messages write it
			// (workflows.LocalTime), on the same clock.
			if s.Text != want && !strings.HasPrefix(s.Text, "end of ") && s.Text != workflows.LocalTime(at, tokyo) {
				t.Errorf("%s shows %s as %q, want %q (Tokyo)", where, s.Datetime, s.Text, want)
			}
			n++
		}
		if n == 0 {
			t.Fatalf("%s shows no time in the reader's zone: %+v", where, shown)
		}
		return b.text("main")
	}

	// The ISF case the import opened: its times in Tokyo, how long ago it
	// opened and when its step is due.
	caseURL := site.URL + "/cases/" + list[1].ID + "-ISF1"
	deadline := time.Now().Add(90 * time.Second)
	for {
		var title string
		b.run("open the ISF case", chromedp.Navigate(caseURL), chromedp.WaitVisible(`main`, chromedp.ByQuery), chromedp.Title(&title))
		if !strings.Contains(title, "Not Found") && !strings.Contains(b.text("main"), "not found") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ISF case %s did not open", caseURL)
		}
		time.Sleep(500 * time.Millisecond)
	}
	main := times("the case page")
	for _, want := range []string{"just now", "due in "} {
		if !strings.Contains(main, want) && !(want == "just now" && strings.Contains(main, "minute ago")) {
			t.Errorf("the case page lacks %q:\n%s", want, main)
		}
	}
	b.shots("case")

	// The shipment: local times, legal dates in the port's zone, and the
	// deposit's last day the same in its task and its section.
	b.run("open the shipment", chromedp.Navigate(site.URL+"/shipments/"+list[0].ID), chromedp.WaitVisible(`main`, chromedp.ByQuery))
	main = times("the shipment page")
	if !strings.Contains(main, "America/Los_Angeles") {
		t.Errorf("the shipment page does not name the legal zone of its dates:\n%s", main)
	}
	var deposit []string
	b.run("the deposit day", chromedp.Evaluate(`[...document.querySelectorAll('main time')]
		.filter(e => e.dateTime.length === 10 && e.closest('tr, dd') && /deposit|duties/i.test(e.closest('tr, dl').innerText) && /last day/.test(e.closest('tr, dd').innerText))
		.map(e => e.dateTime)`, &deposit))
	if len(deposit) < 2 || deposit[0] != deposit[len(deposit)-1] || deposit[0] != deposit[1] {
		t.Errorf("the deposit's last day in its task and its section: %v, want one date twice", deposit)
	}
	b.shots("shipment")

	b.run("open the inbox", chromedp.Navigate(site.URL+"/inbox"), chromedp.WaitVisible(`main`, chromedp.ByQuery))
	times("the inbox")
	b.shots("inbox")
}

// shots saves the page at 1280 and at 390 px wide (POSTRELEASE_SCREENSHOTS).
func (b *tab) shots(name string) {
	if os.Getenv("POSTRELEASE_SCREENSHOTS") == "" {
		return
	}
	for _, w := range []int64{1280, 390} {
		b.run("resize", chromedp.EmulateViewport(w, 900))
		b.shot(fmt.Sprintf("%s-%d", name, w))
	}
	b.run("resize back", chromedp.EmulateViewport(1280, 900))
}
