package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// tab is one headless chromium tab of a browser test.
type tab struct {
	t      *testing.T
	ctx    context.Context
	prefix string        // of screenshot names
	limit  time.Duration // for one step; 0: none
}

// openTab starts chromium (the binary at exe) for the test; the returned
// function stops it.
func openTab(t *testing.T, ctx context.Context, exe, prefix string, limit time.Duration) (*tab, func()) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	stop := func() { bcancel(); acancel() }
	// Start the browser on bctx itself: the first Run allocates it, and a
	// step's own timeout context must not own it.
	if err := chromedp.Run(bctx); err != nil {
		stop()
		t.Fatalf("starting chromium: %v", err)
	}
	return &tab{t: t, ctx: bctx, prefix: prefix, limit: limit}, stop
}

// run performs one step's actions (within the tab's limit) and fails the
// test with the page's text when they fail.
func (b *tab) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx := b.ctx
	if b.limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(b.ctx, b.limit)
		defer cancel()
	}
	if err := chromedp.Run(ctx, actions...); err != nil {
		var body string
		rctx, rcancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer rcancel()
		_ = chromedp.Run(rctx, chromedp.Text("main", &body, chromedp.ByQuery))
		b.t.Fatalf("%s: %v\npage text:\n%s", what, err, body)
	}
}

// shot saves a full-page PNG when POSTRELEASE_SCREENSHOTS names a folder,
// for looking at the pages by eye; it checks nothing.
func (b *tab) shot(name string) {
	dir := os.Getenv("POSTRELEASE_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	b.run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(dir, b.prefix+name+".png"), png, 0o644); err != nil {
		b.t.Log(err)
	}
}

// startSite starts the application stack on cfg (defaultPolicy as
// app.StartStack takes it) and a web server for its handler, under a context
// that ends after timeout. The server, then the stack, stop when the test
// ends, before the context is cancelled.
func startSite(t *testing.T, timeout time.Duration, cfg app.Config, defaultPolicy string) (context.Context, *app.Stack, *httptest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	stack, err := app.StartStack(ctx, cfg, defaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stack.Close)
	site := httptest.NewServer(stack.Handler)
	t.Cleanup(site.Close)
	return ctx, stack, site
}

// pageDate is how the pages write a date (api/humantime.go).
const pageDate = "2 Jan 2006"

// startDevSite starts the product as `postrelease dev` runs by default
// (embedded Temporal, the store on SQLite files in the data directory, the
// demo SLA policy in minutes, the office in New York) with users who sign
// in with the password "correct horse battery"; it answers them by e-mail.
func startDevSite(t *testing.T, timeout time.Duration, roles map[string]domain.Role) (context.Context, *app.Stack, *httptest.Server, map[string]store.User) {
	t.Helper()
	ctx, stack, site := startSite(t, timeout, app.Config{
		DataDir: t.TempDir(), TemporalAddress: freeAddr(t), TemporalNamespace: "default",
		Policy: "demo", SessionTTL: time.Hour, LogLevel: 8, // errors only
		OfficeTimeZone: "America/New_York",
	}, "demo")
	users := map[string]store.User{}
	for email, role := range roles {
		u, err := stack.Store.CreateUser(ctx, email, string(role), role, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		users[email] = u
	}
	return ctx, stack, site, users
}

// importReleaseList writes a release list of n shipments dated today and
// imports it through Shipments → Import, as the officer signed in does.
func importReleaseList(b *tab, site string, n int) []listedShipment {
	b.t.Helper()
	list := testReleaseList(time.Now().UTC(), n)
	path := filepath.Join(b.t.TempDir(), "release-list.csv")
	if err := os.WriteFile(path, releaseListCSV(b.t, list), 0o600); err != nil {
		b.t.Fatal(err)
	}
	b.run("import the release list", chromedp.Navigate(site+"/shipments/import"), chromedp.WaitVisible(`input[name=file]`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`form[action="/shipments/import"] input[name=file]`, []string{path}, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
		chromedp.Click(`form[action="/shipments/import"] button[value=import]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main:not([data-stale])`, chromedp.ByQuery))
	return list
}

// signIn fills the sign-in form of the site at base and waits for landmark,
// a selector on the page the form leads to (the field error when refused).
func (b *tab) signIn(base, email, password, landmark string) {
	b.t.Helper()
	b.run("sign in as "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(`input[name=email]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=password]`, password, chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(landmark, chromedp.ByQuery))
}

// text is the text of the element sel selects.
func (b *tab) text(sel string) string {
	b.t.Helper()
	var s string
	b.run("read "+sel, chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// evaluate is the value of the JavaScript expression js on the page.
func evaluate[T any](b *tab, what, js string) T {
	b.t.Helper()
	var v T
	b.run(what, chromedp.Evaluate(js, &v))
	return v
}

// apiPoster posts bodies to the site's API with the token and decodes the
// answer; anything but success stops the test.
func apiPoster(t *testing.T, ctx context.Context, base, token string) func(path, contentType string, body []byte) map[string]any {
	return func(path, contentType string, body []byte) map[string]any {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
		var v map[string]any
		_ = json.Unmarshal(b, &v)
		return v
	}
}
