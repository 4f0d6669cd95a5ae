package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// DocumentLimits bound what SaveDocument accepts.
type DocumentLimits struct {
	MaxBytes int64
	// AllowedTypes are media types without parameters ("text/plain", not
	// "text/plain; charset=utf-8").
	AllowedTypes []string
}

// DefaultDocumentLimits: 10 MiB of the formats customs certificates, test
// reports and delivery orders come in: PDF, scans (PNG, JPEG, TIFF) and
// plain text or CSV. Archives and office files are left out: a reviewer
// cannot see what is inside one without opening it.
func DefaultDocumentLimits() DocumentLimits {
	return DocumentLimits{
		MaxBytes:     10 << 20,
		AllowedTypes: []string{"application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain", "text/csv"},
	}
}

// maxFilename bounds a stored file name, in characters.
const maxFilename = 200

// ErrDocumentAltered is returned when stored content no longer matches the
// SHA-256 recorded at upload.
var ErrDocumentAltered = errors.New("document content does not match its recorded SHA-256")

// SetDocumentDir makes SaveDocument write content to files under dir
// (dir/<sha256[:2]>/<sha256>) rather than into the database. Call it before
// the store is used. Documents already stored keep where they are: a row
// records which.
func (s *Store) SetDocumentDir(dir string) { s.docDir = dir }

// SetDocumentLimits replaces DefaultDocumentLimits. Call it before the store is used.
func (s *Store) SetDocumentLimits(l DocumentLimits) { s.docLimits = l }

// DocumentLimits are the limits SaveDocument applies, so a handler can refuse
// an oversized body before reading it.
func (s *Store) DocumentLimits() DocumentLimits { return s.docLimits }

// DocumentRow is a stored document. Content is filled only by GetDocument's
// own read and is not part of its answer; Path is relative to the document
// directory, "" when the content is in the database.
type DocumentRow struct {
	ID          string    `gorm:"primaryKey" json:"id"`
	ShipmentID  string    `json:"shipment_id"`
	Kind        string    `json:"kind"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `gorm:"column:sha256" json:"sha256"`
	Content     []byte    `json:"-"`
	Path        string    `json:"-"`
	UploadedBy  string    `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
	// Place and hash in the archive's hash chain (archive.go); ChainSeq is
	// nil only for a document stored before the chain existed and not yet
	// chained.
	ChainSeq  *int64 `json:"chain_seq,omitempty"`
	ChainHash string `json:"chain_hash,omitempty"`
}

func (DocumentRow) TableName() string { return "documents" }

// Ref is what the workflow keeps of a document.
func (r DocumentRow) Ref() workflows.DocumentRef {
	return workflows.DocumentRef{ID: r.ID, Filename: r.Filename, ContentType: r.ContentType, Size: r.Size,
		SHA256: r.SHA256, UploadedBy: r.UploadedBy, UploadedAt: r.UploadedAt}
}

// DocumentUpload is one file to store for a shipment. There is no declared
// content type on purpose: see SniffContentType.
type DocumentUpload struct {
	ShipmentID string
	Kind       domain.DocumentKind
	Filename   string
	Content    []byte
	UploadedBy string // e-mail of the authenticated user
}

// SaveDocument checks and stores an upload and returns its reference. A
// *domain.FieldError names what is wrong with the upload ("shipment_id",
// "kind" or "file"). The same content uploaded again for the same shipment and
// kind returns the document already stored, so a retried upload makes no
// duplicate.
func (s *Store) SaveDocument(ctx context.Context, up DocumentUpload, now time.Time) (workflows.DocumentRef, error) {
	if strings.TrimSpace(up.ShipmentID) == "" {
		return workflows.DocumentRef{}, &domain.FieldError{Field: "shipment_id", Message: "is required"}
	}
	if !slices.Contains(domain.DocumentKinds(), up.Kind) {
		return workflows.DocumentRef{}, &domain.FieldError{Field: "kind", Message: fmt.Sprintf("unknown document kind %q", up.Kind)}
	}
	size := int64(len(up.Content))
	if size == 0 {
		return workflows.DocumentRef{}, &domain.FieldError{Field: "file", Message: "is empty"}
	}
	if size > s.docLimits.MaxBytes {
		got, limit := megabytes(size), megabytes(s.docLimits.MaxBytes)
		if got == limit { // just over: "10 MB; the limit is 10 MB" would say nothing
			got, limit = fmt.Sprintf("%d bytes", size), fmt.Sprintf("%d bytes", s.docLimits.MaxBytes)
		}
		return workflows.DocumentRef{}, &domain.FieldError{Field: "file", Message: fmt.Sprintf("is %s; the limit is %s", got, limit)}
	}
	filename := SanitizeFilename(up.Filename)
	ctype := SniffContentType(up.Content, filename)
	if media, _, _ := mime.ParseMediaType(ctype); !slices.Contains(s.docLimits.AllowedTypes, media) {
		return workflows.DocumentRef{}, &domain.FieldError{Field: "file",
			Message: fmt.Sprintf("is %s; allowed: %s", media, strings.Join(s.docLimits.AllowedTypes, ", "))}
	}
	sum := sha256.Sum256(up.Content)
	row := DocumentRow{ID: "doc_" + randomToken(12), ShipmentID: up.ShipmentID, Kind: string(up.Kind), Filename: filename,
		ContentType: ctype, Size: size, SHA256: hex.EncodeToString(sum[:]), UploadedBy: up.UploadedBy, UploadedAt: utc(now)}

	if old, err := s.findDocument(s.db.WithContext(ctx), row.ShipmentID, row.Kind, row.SHA256); err == nil {
		return old.Ref(), nil
	} else if !errors.Is(err, ErrNotFound) {
		return workflows.DocumentRef{}, err
	}
	if s.docDir != "" {
		rel, err := s.writeDocumentFile(row.SHA256, up.Content)
		if err != nil {
			return workflows.DocumentRef{}, err
		}
		row.Path = rel
	} else {
		row.Content = up.Content
	}
	// The row takes the next place in the archive's hash chain in the same
	// transaction as its insert (see archive.go). Two uploads of the same
	// file at once: the chain lock lets one in, and the other finds it.
	var stored DocumentRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockChain(tx); err != nil {
			return err
		}
		old, err := s.findDocument(tx, row.ShipmentID, row.Kind, row.SHA256)
		if err == nil {
			stored = old
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if _, err := s.chainPending(tx); err != nil {
			return err
		}
		if err := appendToChain(tx, &row); err != nil {
			return err
		}
		// The unique keys back up the lock: a writer that got past it (another
		// process on the same SQLite file) inserts nothing rather than a
		// duplicate or a fork of the chain.
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("storing document %q of shipment %s: %w", filename, up.ShipmentID, res.Error)
		}
		if res.RowsAffected == 0 {
			old, err := s.findDocument(tx, row.ShipmentID, row.Kind, row.SHA256)
			if err != nil {
				return fmt.Errorf("storing document %q of shipment %s: another upload took its place in the archive chain; retry: %w", filename, up.ShipmentID, err)
			}
			stored = old
			return nil
		}
		stored = row
		return nil
	})
	if err != nil {
		return workflows.DocumentRef{}, err
	}
	return stored.Ref(), nil
}

func (s *Store) findDocument(db *gorm.DB, shipmentID, kind, sum string) (DocumentRow, error) {
	return takeRow[DocumentRow](db.Omit("content").Where("shipment_id = ? AND kind = ? AND sha256 = ?", shipmentID, kind, sum),
		"document "+sum+" of shipment "+shipmentID)
}

// writeDocumentFile stores content under its SHA-256 and returns the path
// relative to the document directory. Content-addressed names make a rewrite
// of the same bytes harmless; the temporary file and rename mean a reader
// never sees half a file.
func (s *Store) writeDocumentFile(sum string, content []byte) (string, error) {
	rel := path.Join(sum[:2], sum)
	dst := filepath.Join(s.docDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", fmt.Errorf("creating document directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), sum+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("creating document file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return "", fmt.Errorf("writing document file: %w", err)
	}
	if err := tmp.Sync(); err != nil { // the row will claim the file exists: it must survive a crash
		tmp.Close()
		return "", fmt.Errorf("syncing document file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("closing document file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return "", fmt.Errorf("setting document file mode: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", fmt.Errorf("placing document file: %w", err)
	}
	return rel, nil
}

// GetDocument returns a document and its content, checked against the SHA-256
// and size recorded at upload; ErrDocumentAltered if they differ.
func (s *Store) GetDocument(ctx context.Context, id string) (DocumentRow, []byte, error) {
	r, err := takeRow[DocumentRow](s.db.WithContext(ctx).Where("id = ?", id), "document "+id)
	if err != nil {
		return DocumentRow{}, nil, err
	}
	content := r.Content
	r.Content = nil
	if r.Path != "" {
		if s.docDir == "" {
			return DocumentRow{}, nil, fmt.Errorf("document %s is stored in a document directory, but none is configured", id)
		}
		if content, err = os.ReadFile(filepath.Join(s.docDir, filepath.FromSlash(r.Path))); err != nil {
			return DocumentRow{}, nil, fmt.Errorf("reading document %s: %w", id, err)
		}
	}
	sum := sha256.Sum256(content)
	if got := hex.EncodeToString(sum[:]); got != r.SHA256 || int64(len(content)) != r.Size {
		return DocumentRow{}, nil, fmt.Errorf("document %s: %w (%d bytes with SHA-256 %s; recorded %d bytes, %s)",
			id, ErrDocumentAltered, len(content), got, r.Size, r.SHA256)
	}
	return r, content, nil
}

// ListDocuments returns a shipment's documents, oldest first, without content.
func (s *Store) ListDocuments(ctx context.Context, shipmentID string) ([]DocumentRow, error) {
	return childRows[DocumentRow](s.db.WithContext(ctx).Omit("content"), "shipment_id", shipmentID, "uploaded_at, id", "documents of shipment "+shipmentID)
}

// SniffContentType decides a document's type from its bytes, never from what
// the client declared: a declared type is whatever the client says, and the
// type is what a reviewer's browser will be told when the file is served.
// http.DetectContentType does the sniffing, with two additions it lacks: TIFF
// (common for scanned certificates) is recognised by its magic number, and
// text with a .csv file name is text/csv, which only narrows a type that was
// sniffed as plain text anyway. Anything unrecognised stays
// application/octet-stream and is refused by the default limits.
func SniffContentType(content []byte, filename string) string {
	if bytes.HasPrefix(content, []byte("II*\x00")) || bytes.HasPrefix(content, []byte("MM\x00*")) {
		return "image/tiff"
	}
	ctype := http.DetectContentType(content)
	media, params, err := mime.ParseMediaType(ctype)
	if err == nil && media == "text/plain" && strings.EqualFold(path.Ext(filename), ".csv") {
		return mime.FormatMediaType("text/csv", params)
	}
	return ctype
}

// SanitizeFilename keeps a file name fit to show and to send back in a
// Content-Disposition header: the base name only (a client may send a full
// Windows or Unix path), valid UTF-8 without control characters, at most
// maxFilename characters keeping the extension. "document" when nothing is
// left.
func SanitizeFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name))
	if name == "" || name == "." || name == ".." || name == "/" {
		return "document"
	}
	if utf8.RuneCountInString(name) > maxFilename {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 16 { // not a real extension: cut it like the rest
			ext = ""
		}
		stem := []rune(strings.TrimSuffix(name, ext))
		name = string(stem[:maxFilename-utf8.RuneCountInString(ext)]) + ext
	}
	return name
}

// megabytes writes a size for a message: "12.3 MB", "10 MB" (MB of 2^20 bytes).
func megabytes(n int64) string {
	s := fmt.Sprintf("%.1f", float64(n)/(1<<20)) // display only
	return strings.TrimSuffix(s, ".0") + " MB"
}
