package app

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/postrelease/postrelease/hts/demo"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
)

// LoadHTS loads an HTSUS export as a revision from the command line (by is
// who, for the revisions list) and writes what it did to w.
func LoadHTS(ctx context.Context, st *store.Store, by, name, effective string, file io.Reader, w io.Writer) error {
	rev, loaded, err := service.New(service.Config{Store: st}).HTS.Load(ctx, by, name, effective, file)
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintf(w, "HTS revision %q loaded: %d lines, %d declarable codes, in force from %s\n", rev.Name, rev.Lines, rev.Reportable, rev.Effective)
	} else {
		fmt.Fprintf(w, "HTS revision %q was loaded from this file already (%s): nothing changed\n", rev.Name, rev.LoadedAt.Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// loadDemoHTS loads the demo excerpt of the schedule (package hts/demo) as
// dev's revision; every later start finds it loaded and changes nothing.
func loadDemoHTS(ctx context.Context, st *store.Store) error {
	if err := LoadHTS(ctx, st, "dev", demo.Name, demo.Effective, bytes.NewReader(demo.JSON), io.Discard); err != nil {
		return fmt.Errorf("loading the demo HTS revision: %w", err)
	}
	return nil
}
