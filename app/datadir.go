package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The data directory's lock: one process at a time runs the embedded
// Temporal server and the store on a data directory (two Temporal servers
// on one SQLite file corrupt each other's view of it). The lock is an
// flock(2) on DataDir/postrelease.lock, which holds the holder's PID for the
// message a second process shows. The kernel releases it when the holder's
// file is closed, however the process ended (kill -9 included), so a lock
// file left behind never blocks a start; the file itself is never removed
// (removing it would let two processes lock two different files).

// LockFileName is the lock file inside the data directory.
const LockFileName = "postrelease.lock"

// ErrDataDirLocked is returned (wrapped) when another process holds the lock.
var ErrDataDirLocked = errors.New("the data directory is in use")

// DataDirLock is a held lock on a data directory.
type DataDirLock struct {
	f *os.File
}

// LockDataDir creates dir if needed and takes its lock, before anything
// else opens a file there. It fails at once with ErrDataDirLocked, naming
// the directory and the holder's PID, when another process holds it.
func LockDataDir(dir string) (*DataDirLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockFileName)
	// Not O_TRUNC: the PID in it is the holder's until the lock is ours.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the lock file %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		holder := holderOf(f)
		f.Close()
		if errors.Is(err, errWouldBlock) {
			abs, _ := filepath.Abs(dir)
			return nil, fmt.Errorf("%w: %s is used by another postrelease (%s, lock file %s); stop it, or give this one another --data-dir",
				ErrDataDirLocked, abs, holder, LockFileName)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(pid, 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("writing the PID to %s: %w", path, err)
	}
	return &DataDirLock{f: f}, nil
}

// holderOf names the process that holds the lock, from the PID it wrote.
func holderOf(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil && pid > 0 {
		return "PID " + strconv.Itoa(pid)
	}
	return "PID not yet written" // it took the lock a moment ago
}

// Release empties the lock file and lets the lock go. Safe on nil and more
// than once.
func (l *DataDirLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = l.f.Close() // closing the file releases the flock
	l.f = nil
}
