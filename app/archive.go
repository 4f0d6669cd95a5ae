package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/postrelease/postrelease/store"
)

// ErrArchiveDamaged is returned by VerifyArchive when it found anything wrong.
var ErrArchiveDamaged = errors.New("the document archive failed verification")

// VerifyArchive walks the document archive's hash chain, re-hashes every
// document's content, and writes each problem it finds to w, one a line:
// altered content, altered metadata, a removed document (a gap in the chain
// or a missing file). It returns ErrArchiveDamaged when it found any, else
// writes a one-line summary with the count and the chain's head, which is
// worth recording elsewhere: removing the newest documents shows only as a
// shorter chain.
func VerifyArchive(ctx context.Context, st *store.Store, w io.Writer) error {
	rep, err := st.VerifyArchive(ctx)
	if err != nil {
		return err
	}
	if rep.Chained > 0 {
		fmt.Fprintf(w, "chained %d document(s) stored before the archive chain existed\n", rep.Chained)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "FAIL %s: %s\n", p.Kind, p.Message)
	}
	if !rep.OK() {
		return fmt.Errorf("%w: %d problem(s) in %d document(s)", ErrArchiveDamaged, len(rep.Problems), rep.Documents)
	}
	if rep.Documents == 0 {
		fmt.Fprintln(w, "archive OK: 0 documents")
		return nil
	}
	fmt.Fprintf(w, "archive OK: %d documents, chain head #%d %s\n", rep.Documents, rep.HeadSeq, rep.HeadHash)
	return nil
}
