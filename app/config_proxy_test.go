package app

import (
	"net/http/httptest"
	"testing"
)

func TestParseProxies(t *testing.T) {
	got, err := parseProxies(" 10.0.0.5, 192.168.0.0/16 ,2001:db8::1,")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.5/32", "192.168.0.0/16", "2001:db8::1/128"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i, n := range got {
		if n.String() != want[i] {
			t.Errorf("range %d = %s, want %s", i, n, want[i])
		}
	}
	for _, bad := range []string{"proxy.example", "10.0.0.0/33", "10.0.0.5,nope"} {
		if _, err := parseProxies(bad); err == nil {
			t.Errorf("parseProxies(%q) accepted a malformed list", bad)
		}
	}
}

// The forwarded address counts only when the connection comes from a
// configured proxy; loopback and private ranges are not trusted by default.
func TestIPExtractorTrustsOnlyConfiguredProxies(t *testing.T) {
	cases := []struct {
		name    string
		proxies string
		remote  string
		xff     string
		want    string
	}{
		{"no proxies configured: the connection", "", "10.0.0.5:4000", "203.0.113.7", "10.0.0.5"},
		{"configured proxy: the forwarded client", "10.0.0.5", "10.0.0.5:4000", "203.0.113.7", "203.0.113.7"},
		{"spoofed hop before the client is skipped", "10.0.0.5", "10.0.0.5:4000", "198.51.100.1, 203.0.113.7", "203.0.113.7"},
		{"another private address is not a proxy", "10.0.0.5", "10.0.0.9:4000", "203.0.113.7", "10.0.0.9"},
		{"loopback is not a proxy unless named", "10.0.0.5", "127.0.0.1:4000", "203.0.113.7", "127.0.0.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := parseProxies(c.proxies)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = c.remote
			req.Header.Set("X-Forwarded-For", c.xff)
			if got := ipExtractor(p)(req); got != c.want {
				t.Errorf("client address = %q, want %q", got, c.want)
			}
		})
	}
}
