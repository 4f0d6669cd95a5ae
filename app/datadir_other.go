//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package app

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("would block")

// tryLock does nothing where flock(2) is missing: the data directory is not
// locked there.
func tryLock(*os.File) error { return nil }
