package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// certPDF and its digest as `sha256sum` prints it (computed with the tool,
// not with crypto/sha256).
const (
	certPDF    = "%PDF-1.4\n% FCC certificate, grant ID 2AXYZ-WR12\n%%EOF\n"
	certSHA256 = "9924cb9c03e2ead602cedf0753f27a41dc1d0a83408cc6353ee2c1826e17f721"
)

func certUpload() store.DocumentUpload {
	return store.DocumentUpload{ShipmentID: "SH-ABC12345678", Kind: domain.DocFCCCertificate,
		Filename: `C:\Users\alice\Desktop\FCC grant.pdf`, Content: []byte(certPDF), UploadedBy: "alice@example.com"}
}

func TestSaveDocumentInTheDatabase(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		ref, err := s.SaveDocument(ctx, certUpload(), t0)
		if err != nil {
			t.Fatal(err)
		}
		if ref.SHA256 != certSHA256 || ref.Size != 54 || ref.ContentType != "application/pdf" || ref.Filename != "FCC grant.pdf" ||
			ref.UploadedBy != "alice@example.com" || !ref.UploadedAt.Equal(t0) || !strings.HasPrefix(ref.ID, "doc_") {
			t.Errorf("ref = %+v", ref)
		}
		row, content, err := s.GetDocument(ctx, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(content) != certPDF || row.Ref() != ref || row.Content != nil || row.Kind != "fcc_certificate" {
			t.Errorf("GetDocument = %+v, %q", row, content)
		}

		// A retried upload, even under another name and by someone else, is
		// the same document; the same bytes as another kind are another one.
		again := certUpload()
		again.Filename, again.UploadedBy = "retry.pdf", "bob@example.com"
		dup, err := s.SaveDocument(ctx, again, t0.Add(time.Second))
		if err != nil || dup != ref {
			t.Errorf("duplicate upload = %+v, %v; want %+v", dup, err, ref)
		}
		other := certUpload()
		other.Kind = domain.DocUN383Report
		ref2, err := s.SaveDocument(ctx, other, t0.Add(2*time.Second))
		if err != nil || ref2.ID == ref.ID {
			t.Errorf("same bytes as another kind = %+v, %v; want a new document", ref2, err)
		}
		if n := count(t, s, "documents", ""); n != 2 {
			t.Errorf("%d document rows, want 2", n)
		}
		list, err := s.ListDocuments(ctx, "SH-ABC12345678")
		if err != nil || len(list) != 2 || list[0].ID != ref.ID || list[1].ID != ref2.ID || list[0].Content != nil {
			t.Errorf("ListDocuments = %+v, %v", list, err)
		}

		// Content altered in the database is caught on read.
		if err := s.DBForTest().Exec("UPDATE documents SET content = ? WHERE id = ?", []byte(strings.Replace(certPDF, "WR12", "WR13", 1)), ref.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetDocument(ctx, ref.ID); !errors.Is(err, store.ErrDocumentAltered) {
			t.Errorf("GetDocument of altered content: %v, want ErrDocumentAltered", err)
		}
		if _, _, err := s.GetDocument(ctx, "doc_nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetDocument(unknown) = %v, want ErrNotFound", err)
		}
	})
}

// Content comes back byte for byte: SQLite gives a BYTEA column NUMERIC
// affinity, which must not turn "0012.50" into 12.5, and binary (NUL, invalid
// UTF-8) must survive both drivers.
func TestDocumentBytesRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		for i, content := range []string{"0012.50\n", "1e5", "%PDF-1.4\n\x00\xff\xc3\xa9\x01"} {
			up := certUpload()
			up.Kind, up.Content = domain.DocumentKinds()[i], []byte(content)
			ref, err := s.SaveDocument(t.Context(), up, t0)
			if err != nil {
				t.Fatalf("%q: %v", content, err)
			}
			if _, got, err := s.GetDocument(t.Context(), ref.ID); err != nil || string(got) != content {
				t.Errorf("%q read back as %q, %v", content, got, err)
			}
		}
	})
}

func TestSaveDocumentInADirectory(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		dir := t.TempDir()
		s.SetDocumentDir(dir)
		ref, err := s.SaveDocument(ctx, certUpload(), t0)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, certSHA256[:2], certSHA256)
		if b, err := os.ReadFile(file); err != nil || string(b) != certPDF {
			t.Fatalf("file %s = %q, %v", file, b, err)
		}
		if n := count(t, s, "documents", "content IS NULL AND path = ?", certSHA256[:2]+"/"+certSHA256); n != 1 {
			t.Errorf("the row should hold the path and no content")
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*", "*.tmp")); len(left) != 0 {
			t.Errorf("temporary files left: %q", left)
		}
		if _, content, err := s.GetDocument(ctx, ref.ID); err != nil || string(content) != certPDF {
			t.Errorf("GetDocument = %q, %v", content, err)
		}
		if err := os.WriteFile(file, []byte(strings.ToUpper(certPDF)), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetDocument(ctx, ref.ID); !errors.Is(err, store.ErrDocumentAltered) {
			t.Errorf("GetDocument of an altered file: %v, want ErrDocumentAltered", err)
		}
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetDocument(ctx, ref.ID); err == nil {
			t.Error("GetDocument of a missing file: want an error")
		}
	})
}

func TestSaveDocumentRefuses(t *testing.T) {
	big := func(n int) []byte { return append([]byte("%PDF-1.4\n"), make([]byte, n-9)...) }
	forEachStore(t, func(t *testing.T, s *store.Store) {
		for _, tc := range []struct {
			name    string
			change  func(*store.DocumentUpload)
			field   string
			message string
		}{
			{"too large", func(u *store.DocumentUpload) { u.Content = big(12_897_485) }, "file", "is 12.3 MB; the limit is 10 MB"},
			{"just over", func(u *store.DocumentUpload) { u.Content = big(10<<20 + 1) }, "file", "is 10485761 bytes; the limit is 10485760 bytes"},
			{"empty", func(u *store.DocumentUpload) { u.Content = nil }, "file", "is empty"},
			{"HTML", func(u *store.DocumentUpload) { u.Content = []byte("<html><script>alert(1)</script></html>") }, "file", "is text/html; allowed: application/pdf, image/png, image/jpeg, image/tiff, text/plain, text/csv"},
			{"a ZIP named .pdf", func(u *store.DocumentUpload) { u.Content = []byte("PK\x03\x04\x14\x00\x00\x00") }, "file", "is application/zip; allowed:"},
			{"an executable", func(u *store.DocumentUpload) { u.Content = []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00") }, "file", "is application/octet-stream; allowed:"},
			{"unknown kind", func(u *store.DocumentUpload) { u.Kind = "passport" }, "kind", `unknown document kind "passport"`},
			{"no shipment", func(u *store.DocumentUpload) { u.ShipmentID = " " }, "shipment_id", "is required"},
		} {
			up := certUpload()
			tc.change(&up)
			_, err := s.SaveDocument(t.Context(), up, t0)
			var fe *domain.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.HasPrefix(fe.Message, tc.message) {
				t.Errorf("%s: error %v, want a field error on %s starting %q", tc.name, err, tc.field, tc.message)
			}
		}
		if n := count(t, s, "documents", ""); n != 0 {
			t.Errorf("%d documents stored after refusals", n)
		}

		// Tighter limits replace the defaults.
		s.SetDocumentLimits(store.DocumentLimits{MaxBytes: 50, AllowedTypes: []string{"application/pdf"}})
		if _, err := s.SaveDocument(t.Context(), certUpload(), t0); err == nil {
			t.Error("54 bytes over a 50-byte limit: want an error")
		}
	})
}

func TestSniffContentType(t *testing.T) {
	for _, tc := range []struct {
		content, filename, want string
	}{
		{certPDF, "x.bin", "application/pdf"},
		{"\x89PNG\x0D\x0A\x1A\x0A\x00\x00", "scan.pdf", "image/png"}, // the bytes win over the name
		{"\xFF\xD8\xFF\xE0", "scan.jpg", "image/jpeg"},
		{"II*\x00\x08\x00\x00\x00", "scan.tif", "image/tiff"},
		{"MM\x00*\x00\x00\x00\x08", "scan.tiff", "image/tiff"},
		{"container,seal\nCSQU3054383,SL1001\n", "seals.CSV", "text/csv; charset=utf-8"},
		{"container,seal\nCSQU3054383,SL1001\n", "seals.txt", "text/plain; charset=utf-8"},
		{"<html></html>", "seals.csv", "text/html; charset=utf-8"}, // .csv narrows plain text only
	} {
		if got := store.SniffContentType([]byte(tc.content), tc.filename); got != tc.want {
			t.Errorf("SniffContentType(%q, %q) = %q, want %q", tc.content, tc.filename, got, tc.want)
		}
	}
}

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("é", 250)
	for _, tc := range []struct{ in, want string }{
		{"cert.pdf", "cert.pdf"},
		{`C:\Users\alice\cert.pdf`, "cert.pdf"},
		{"../../etc/passwd", "passwd"},
		{"  bill\x00 of\r\nlading.pdf ", "bill oflading.pdf"},
		{"bad\xffutf8.pdf", "badutf8.pdf"},
		{"", "document"},
		{"..", "document"},
		{"dir/", "dir"},
		{"\x07", "document"},
		{long + ".pdf", strings.Repeat("é", 196) + ".pdf"},
		{long, strings.Repeat("é", 200)},
		{"a." + long, "a." + strings.Repeat("é", 198)}, // no real extension to keep
	} {
		if got := store.SanitizeFilename(tc.in); got != tc.want {
			t.Errorf("SanitizeFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGetDocumentWithoutDirectoryConfigured(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		dir := t.TempDir()
		s.SetDocumentDir(dir)
		ref, err := s.SaveDocument(t.Context(), certUpload(), t0)
		if err != nil {
			t.Fatal(err)
		}
		s.SetDocumentDir("")
		if _, _, err := s.GetDocument(t.Context(), ref.ID); err == nil || !strings.Contains(err.Error(), "none is configured") {
			t.Errorf("GetDocument with no directory = %v", err)
		}
		// Configured again, the same row reads.
		s.SetDocumentDir(dir)
		if _, content, err := s.GetDocument(t.Context(), ref.ID); err != nil || !bytes.Equal(content, []byte(certPDF)) {
			t.Errorf("GetDocument = %q, %v", content, err)
		}
	})
}
