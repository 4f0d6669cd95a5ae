package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"gorm.io/gorm"
)

// The document archive is tamper-evident: every document, in upload order,
// takes the next place (chain_seq 1, 2, 3, ...) in a hash chain, and its
// chain_hash covers the previous document's chain_hash, its content's SHA-256
// and its metadata. Whoever alters a document's content, alters a field of
// its row, or removes a row (or, in directory mode, its file) leaves a trace
// that VerifyArchive finds.
//
// Canonical encoding (version 1). chain_hash is the lowercase hex SHA-256 of
//
//	"postrelease/document-chain/v1\n"
//
// followed, for each field below in this order, by the field's length in
// bytes as a decimal number, ":", the field's bytes and "\n" (a netstring
// with a newline, so no two different field lists encode the same):
//
//	chain_seq        decimal, no sign or leading zeros
//	prev_chain_hash  the previous document's chain_hash (lowercase hex); "" for chain_seq 1
//	sha256           the content's SHA-256, lowercase hex
//	id, shipment_id, kind, filename, content_type
//	size             decimal
//	uploaded_by
//	uploaded_at      UTC, "2006-01-02T15:04:05.000000Z" (microseconds, as stored)
//
// What the chain cannot show on its own is the removal of the newest
// documents (the chain just looks shorter): `postrelease archive verify`
// prints the head (chain_seq and chain_hash) so it can be recorded outside the
// database and compared later.
const chainDomain = "postrelease/document-chain/v1\n"

// chainTimeLayout is uploaded_at's canonical form.
const chainTimeLayout = "2006-01-02T15:04:05.000000Z"

// chainLockKey is the PostgreSQL advisory lock that serializes appends to the
// chain ("prAr").
const chainLockKey = 0x70724172

// ChainHash computes a document's chain_hash from prev (the previous
// document's chain_hash, "" for the first) and the row's fields.
func ChainHash(prev string, seq int64, r DocumentRow) string {
	h := sha256.New()
	h.Write([]byte(chainDomain))
	for _, f := range []string{
		strconv.FormatInt(seq, 10), prev, r.SHA256, r.ID, r.ShipmentID, r.Kind, r.Filename, r.ContentType,
		strconv.FormatInt(r.Size, 10), r.UploadedBy, r.UploadedAt.UTC().Format(chainTimeLayout),
	} {
		fmt.Fprintf(h, "%d:%s\n", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lockChain serializes appends to the chain for the rest of tx. PostgreSQL:
// a transaction-scoped advisory lock, so two API processes uploading at once
// take turns. SQLite: the store has one connection, so one transaction runs
// at a time in this process; another process on the same file is stopped by
// SQLite's single writer and, failing that, by the unique chain_seq.
func (s *Store) lockChain(tx *gorm.DB) error {
	if s.dialect != "postgres" {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", chainLockKey).Error; err != nil {
		return fmt.Errorf("locking the document chain: %w", err)
	}
	return nil
}

// appendToChain gives row the next chain_seq and its chain_hash. Call it
// under lockChain, in the transaction that stores the row.
func appendToChain(tx *gorm.DB, row *DocumentRow) error {
	var last []struct {
		ChainSeq  int64
		ChainHash string
	}
	err := tx.Raw("SELECT chain_seq, chain_hash FROM documents WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1").Scan(&last).Error
	if err != nil {
		return fmt.Errorf("reading the head of the document chain: %w", err)
	}
	seq, prev := int64(1), ""
	if len(last) == 1 {
		seq, prev = last[0].ChainSeq+1, last[0].ChainHash
	}
	row.ChainSeq, row.ChainHash = &seq, ChainHash(prev, seq, *row)
	return nil
}

// chainPending chains documents stored before migration 0005, oldest first.
// They were not protected before; from now on they are. Call it under
// lockChain. It returns how many it chained.
func (s *Store) chainPending(tx *gorm.DB) (int, error) {
	var rows []DocumentRow
	if err := tx.Omit("content").Where("chain_seq IS NULL").Order("uploaded_at, id").Find(&rows).Error; err != nil {
		return 0, fmt.Errorf("reading unchained documents: %w", err)
	}
	for i := range rows {
		if err := appendToChain(tx, &rows[i]); err != nil {
			return i, err
		}
		err := tx.Model(&DocumentRow{}).Where("id = ? AND chain_seq IS NULL", rows[i].ID).
			Updates(map[string]any{"chain_seq": *rows[i].ChainSeq, "chain_hash": rows[i].ChainHash}).Error
		if err != nil {
			return i, fmt.Errorf("chaining document %s: %w", rows[i].ID, err)
		}
	}
	return len(rows), nil
}

// Kinds of ArchiveProblem.
const (
	ProblemContentAltered  = "content_altered"  // the bytes no longer match the recorded SHA-256 or size
	ProblemMetadataAltered = "metadata_altered" // the row's fields or its place no longer match its chain_hash
	ProblemRemoved         = "removed"          // a gap in chain_seq, or a missing file or content
	ProblemUnreadable      = "unreadable"       // the content could not be read for another reason
)

// ArchiveProblem is one thing VerifyArchive found wrong.
type ArchiveProblem struct {
	Kind       string
	DocumentID string // "" for a gap
	ChainSeq   int64
	Message    string
}

// ArchiveReport is what VerifyArchive found.
type ArchiveReport struct {
	Documents int   // documents checked
	Chained   int   // documents stored before the chain existed, chained by this run
	HeadSeq   int64 // the newest document's place, 0 for an empty archive
	HeadHash  string
	Problems  []ArchiveProblem
}

// OK reports whether nothing was found wrong.
func (r ArchiveReport) OK() bool { return len(r.Problems) == 0 }

// VerifyArchive walks the document chain in order and re-hashes every
// document's content. It first chains documents stored before the chain
// existed (the only write it makes). An error means the check itself could
// not run; what it found is in the report.
func (s *Store) VerifyArchive(ctx context.Context) (ArchiveReport, error) {
	var rep ArchiveReport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockChain(tx); err != nil {
			return err
		}
		n, err := s.chainPending(tx)
		rep.Chained = n
		return err
	})
	if err != nil {
		return ArchiveReport{}, err
	}
	var rows []DocumentRow
	if err := s.db.WithContext(ctx).Omit("content").Order("chain_seq").Find(&rows).Error; err != nil {
		return ArchiveReport{}, fmt.Errorf("reading the document chain: %w", err)
	}
	prevSeq, prevHash := int64(0), ""
	for _, r := range rows {
		rep.Documents++
		if r.ChainSeq == nil { // stored after chainPending ran, by a writer without the chain
			rep.Problems = append(rep.Problems, ArchiveProblem{Kind: ProblemMetadataAltered, DocumentID: r.ID,
				Message: fmt.Sprintf("document %s (shipment %s) has no place in the chain", r.ID, r.ShipmentID)})
			continue
		}
		seq := *r.ChainSeq
		switch {
		case seq != prevSeq+1:
			// The predecessor is gone, so this link cannot be checked; the gap is the finding.
			rep.Problems = append(rep.Problems, ArchiveProblem{Kind: ProblemRemoved, ChainSeq: prevSeq + 1,
				Message: gapMessage(prevSeq+1, seq-1, r)})
		case ChainHash(prevHash, seq, r) != r.ChainHash:
			rep.Problems = append(rep.Problems, ArchiveProblem{Kind: ProblemMetadataAltered, DocumentID: r.ID, ChainSeq: seq,
				Message: fmt.Sprintf("document %s (#%d, shipment %s): chain hash mismatch: its metadata or its place in the chain was altered",
					r.ID, seq, r.ShipmentID)})
		}
		if p := s.checkContent(ctx, r); p != nil {
			p.DocumentID, p.ChainSeq = r.ID, seq
			rep.Problems = append(rep.Problems, *p)
		}
		prevSeq, prevHash = seq, r.ChainHash
		rep.HeadSeq, rep.HeadHash = seq, r.ChainHash
	}
	return rep, nil
}

func gapMessage(from, to int64, next DocumentRow) string {
	n := to - from + 1
	where := fmt.Sprintf("chain_seq %d", from)
	if n > 1 {
		where = fmt.Sprintf("chain_seq %d to %d", from, to)
	}
	return fmt.Sprintf("%s missing: %d document(s) removed from the archive (before document %s of shipment %s)", where, n, next.ID, next.ShipmentID)
}

// checkContent reads a document's content and compares it with the recorded
// SHA-256 and size.
func (s *Store) checkContent(ctx context.Context, r DocumentRow) *ArchiveProblem {
	var content []byte
	if r.Path != "" {
		if s.docDir == "" {
			return &ArchiveProblem{Kind: ProblemUnreadable, Message: fmt.Sprintf("document %s (shipment %s) is a file in a document directory, but none is configured (POSTRELEASE_DOCUMENT_DIR)", r.ID, r.ShipmentID)}
		}
		file := filepath.Join(s.docDir, filepath.FromSlash(r.Path))
		var err error
		content, err = os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			return &ArchiveProblem{Kind: ProblemRemoved, Message: fmt.Sprintf("document %s (shipment %s): file %s is missing", r.ID, r.ShipmentID, file)}
		}
		if err != nil {
			return &ArchiveProblem{Kind: ProblemUnreadable, Message: fmt.Sprintf("document %s (shipment %s): %v", r.ID, r.ShipmentID, err)}
		}
	} else {
		var got []struct{ Content []byte }
		if err := s.db.WithContext(ctx).Raw("SELECT content FROM documents WHERE id = ?", r.ID).Scan(&got).Error; err != nil {
			return &ArchiveProblem{Kind: ProblemUnreadable, Message: fmt.Sprintf("document %s (shipment %s): reading content: %v", r.ID, r.ShipmentID, err)}
		}
		if len(got) == 0 || got[0].Content == nil {
			return &ArchiveProblem{Kind: ProblemRemoved, Message: fmt.Sprintf("document %s (shipment %s): content is missing", r.ID, r.ShipmentID)}
		}
		content = got[0].Content
	}
	sum := sha256.Sum256(content)
	if got := hex.EncodeToString(sum[:]); got != r.SHA256 || int64(len(content)) != r.Size {
		return &ArchiveProblem{Kind: ProblemContentAltered, Message: fmt.Sprintf("document %s (shipment %s): content altered: %d bytes with SHA-256 %s; recorded %d bytes, %s",
			r.ID, r.ShipmentID, len(content), got, r.Size, r.SHA256)}
	}
	return nil
}
