package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A second lock on a held data directory fails at once, naming the
// directory and the holder's PID; once the holder lets go it succeeds.
func TestDataDirLockIsExclusive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := LockDataDir(dir)
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	_, err = LockDataDir(dir)
	if !errors.Is(err, ErrDataDirLocked) {
		t.Fatalf("second lock: %v, want ErrDataDirLocked", err)
	}
	for _, want := range []string{dir, "PID " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name %q", err, want)
		}
	}
	first.Release()
	first.Release() // twice is harmless
	again, err := LockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after the holder released it: %v", err)
	}
	defer again.Release()
	if b, _ := os.ReadFile(filepath.Join(dir, LockFileName)); strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, want this PID", b)
	}
}

// A process holding the lock and killed with SIGKILL leaves its lock file
// (with its PID) behind, but not the lock: the next start succeeds.
func TestDataDirLockDiesWithItsProcess(t *testing.T) {
	if dir := os.Getenv("POSTRELEASE_TEST_HOLD_LOCK"); dir != "" {
		// The helper process: take the lock, say so, wait to be killed.
		l, err := LockDataDir(dir)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		l.Release()
		os.Exit(0)
	}
	dir := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^TestDataDirLockDiesWithItsProcess$")
	helper.Env = append(os.Environ(), "POSTRELEASE_TEST_HOLD_LOCK="+dir)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = helper.Process.Kill(); _ = helper.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("helper said %q", line)
	}

	_, err = LockDataDir(dir)
	if !errors.Is(err, ErrDataDirLocked) || !strings.Contains(err.Error(), "PID "+strconv.Itoa(helper.Process.Pid)) {
		t.Fatalf("lock held by the helper (PID %d): %v", helper.Process.Pid, err)
	}
	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	if b, _ := os.ReadFile(filepath.Join(dir, LockFileName)); strings.TrimSpace(string(b)) != strconv.Itoa(helper.Process.Pid) {
		t.Errorf("lock file after the kill holds %q, want the dead helper's PID (a stale file)", b)
	}
	l, err := LockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after its holder was killed with SIGKILL: %v", err)
	}
	l.Release()
}

// A second StartStack on a data directory in use fails with the lock's
// message before it opens anything there: before the embedded Temporal
// server (whose port it shares here, which would be the error otherwise);
// after the first one closes, it starts.
func TestStartStackLocksTheDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "data")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, TemporalAddress: fmt.Sprintf("127.0.0.1:%d", port), TemporalNamespace: "default", LogLevel: slog.LevelError}
	first, err := StartStack(ctx, cfg, "production")
	if err != nil {
		t.Fatalf("first StartStack: %v", err)
	}
	_, err = StartStack(ctx, cfg, "production")
	if !errors.Is(err, ErrDataDirLocked) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "PID "+strconv.Itoa(os.Getpid())) {
		first.Close()
		t.Fatalf("second StartStack on %s: %v, want ErrDataDirLocked naming the directory and this PID", dir, err)
	}
	first.Close()
	second, err := StartStack(ctx, cfg, "production")
	if err != nil {
		t.Fatalf("StartStack after the first closed: %v", err)
	}
	second.Close()
}
