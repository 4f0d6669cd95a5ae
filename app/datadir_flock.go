//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package app

import (
	"os"
	"syscall"
)

var errWouldBlock error = syscall.EWOULDBLOCK

// tryLock takes an exclusive flock on f without waiting.
func tryLock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
