package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// textDoc is the i-th distinct plain-text document of a shipment.
func textDoc(shipment string, i int) store.DocumentUpload {
	return store.DocumentUpload{ShipmentID: shipment, Kind: domain.DocFCCCertificate, Filename: fmt.Sprintf("cert-%d.txt", i),
		Content: fmt.Appendf(nil, "FCC grant 2AXYZ-WR%02d for %s\n", i, shipment), UploadedBy: "alice@example.com"}
}

// archiveOf uploads n documents and returns their ids in upload order.
func archiveOf(t *testing.T, s *store.Store, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		ref, err := s.SaveDocument(t.Context(), textDoc("SH-ARCHIVE0001", i), t0.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ref.ID)
	}
	return ids
}

func verify(t *testing.T, s *store.Store) store.ArchiveReport {
	t.Helper()
	rep, err := s.VerifyArchive(t.Context())
	if err != nil {
		t.Fatalf("VerifyArchive: %v", err)
	}
	return rep
}

// wantProblem checks the report holds exactly one problem, of this kind,
// about this document, with a message containing want.
func wantProblem(t *testing.T, rep store.ArchiveReport, kind, docID, want string) {
	t.Helper()
	if len(rep.Problems) != 1 {
		t.Fatalf("problems = %+v, want one %s", rep.Problems, kind)
	}
	p := rep.Problems[0]
	if p.Kind != kind || p.DocumentID != docID || !strings.Contains(p.Message, want) {
		t.Errorf("problem = %+v, want %s of %q containing %q", p, kind, docID, want)
	}
}

func TestArchiveChain(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ids := archiveOf(t, s, 3)
		rep := verify(t, s)
		if !rep.OK() || rep.Documents != 3 || rep.HeadSeq != 3 || len(rep.HeadHash) != 64 || rep.Chained != 0 {
			t.Fatalf("intact archive: %+v", rep)
		}
		// The chain follows the documented encoding: recompute by hand.
		var rows []store.DocumentRow
		if err := s.DBForTest().Omit("content").Order("chain_seq").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		prev := ""
		for i, r := range rows {
			if r.ID != ids[i] || r.ChainSeq == nil || *r.ChainSeq != int64(i+1) || r.ChainHash != store.ChainHash(prev, int64(i+1), r) {
				t.Errorf("row %d: %+v", i, r)
			}
			prev = r.ChainHash
		}
		// A retried upload takes no new place.
		if _, err := s.SaveDocument(t.Context(), textDoc("SH-ARCHIVE0001", 1), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, s); !rep.OK() || rep.Documents != 3 {
			t.Errorf("after a retried upload: %+v", rep)
		}
	})
}

func TestArchiveVerifyFindsContentAltered(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ids := archiveOf(t, s, 3)
		if err := s.DBForTest().Exec("UPDATE documents SET content = ? WHERE id = ?", []byte("FCC grant 2AXYZ-WR99 forged\n"), ids[1]).Error; err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s), store.ProblemContentAltered, ids[1], "content altered")
	})
}

func TestArchiveVerifyFindsMetadataAltered(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ids := archiveOf(t, s, 3)
		if err := s.DBForTest().Exec("UPDATE documents SET uploaded_by = ? WHERE id = ?", "mallory@example.com", ids[0]).Error; err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s), store.ProblemMetadataAltered, ids[0], "chain hash mismatch")

		if err := s.DBForTest().Exec("UPDATE documents SET uploaded_by = ?, shipment_id = ? WHERE id = ?", "alice@example.com", "SH-OTHER", ids[0]).Error; err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s), store.ProblemMetadataAltered, ids[0], "chain hash mismatch")
	})
}

func TestArchiveVerifyFindsRemovedRow(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ids := archiveOf(t, s, 4)
		if err := s.DBForTest().Exec("DELETE FROM documents WHERE id IN (?, ?)", ids[1], ids[2]).Error; err != nil {
			t.Fatal(err)
		}
		rep := verify(t, s)
		wantProblem(t, rep, store.ProblemRemoved, "", "chain_seq 2 to 3 missing: 2 document(s) removed")
		if rep.Documents != 2 || !strings.Contains(rep.Problems[0].Message, ids[3]) {
			t.Errorf("report %+v", rep)
		}
	})
}

func TestArchiveVerifyFindsRemovedFile(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		dir := t.TempDir()
		s.SetDocumentDir(dir)
		ids := archiveOf(t, s, 2)
		if rep := verify(t, s); !rep.OK() {
			t.Fatalf("intact: %+v", rep)
		}
		var path string
		if err := s.DBForTest().Raw("SELECT path FROM documents WHERE id = ?", ids[0]).Scan(&path).Error; err != nil || path == "" {
			t.Fatalf("path %q, %v", path, err)
		}
		if err := os.Remove(filepath.Join(dir, path)); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, verify(t, s), store.ProblemRemoved, ids[0], "is missing")
	})
}

// Documents stored before the chain existed are chained, oldest first, by
// the next upload or verification.
func TestArchiveChainsEarlierDocuments(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ids := archiveOf(t, s, 3)
		if err := s.DBForTest().Exec("UPDATE documents SET chain_seq = NULL, chain_hash = ''").Error; err != nil {
			t.Fatal(err)
		}
		rep := verify(t, s)
		if !rep.OK() || rep.Chained != 3 || rep.HeadSeq != 3 {
			t.Fatalf("after backfill: %+v", rep)
		}
		if n := count(t, s, "documents", "chain_seq = 1 AND id = ?", ids[0]); n != 1 {
			t.Error("the oldest document is not first in the chain")
		}
	})
}

// Concurrent uploads make one unbroken chain.
func TestArchiveConcurrentUploads(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, err := s.SaveDocument(t.Context(), textDoc(fmt.Sprintf("SH-CONC%07d", i%4), i), t0)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		rep := verify(t, s)
		if !rep.OK() || rep.Documents != n || rep.HeadSeq != n {
			t.Errorf("after %d concurrent uploads: %+v", n, rep)
		}
	})
}
