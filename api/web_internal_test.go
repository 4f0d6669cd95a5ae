package api

import "testing"

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/cases?mine=true": "/cases?mine=true", "/cases/DC-1": "/cases/DC-1",
		"": "/", "cases": "/", "//evil.example": "/", "/\\evil.example": "/", "/\t/evil.example": "/",
		"/\n/evil.example": "/", "https://evil.example/": "/", "http:/evil": "/", "/%09/evil.example": "/%09/evil.example",
		"javascript:alert(1)": "/", "\\\\evil.example": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFlashMessageOnlyForKnownCodes(t *testing.T) {
	for in, want := range map[string]string{
		"opened": "Case opened", "file_psc": "File PSC: done", "record_cbp_decision": "Record CBP decision: done", "close": "Close the case: done", "release": "Unassign: done",
		"": "", "Your session expired: sign in at evil.example": "", "unknown": "",
	} {
		if got := flashMessage(in); got != want {
			t.Errorf("flashMessage(%q) = %q, want %q", in, got, want)
		}
	}
}
