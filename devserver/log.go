package devserver

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// levelFilter drops records below a floor that can be raised at runtime, so the
// server stays quiet regardless of what level the caller's handler accepts, and
// so we can silence what the server routinely logs while shutting down.
type levelFilter struct {
	h     slog.Handler
	floor *slog.LevelVar
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.floor.Level() && f.h.Enabled(ctx, l)
}

func (f levelFilter) Handle(ctx context.Context, r slog.Record) error { return f.h.Handle(ctx, r) }

func (f levelFilter) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFilter{h: f.h.WithAttrs(as), floor: f.floor}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{h: f.h.WithGroup(name), floor: f.floor}
}

// newFilteredLogger wraps base (stderr when nil) so only records at or above
// floor get through.
func newFilteredLogger(base *slog.Logger, floor *slog.LevelVar) *slog.Logger {
	if base == nil {
		base = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(levelFilter{h: base.Handler(), floor: floor})
}

// serverLogger adapts slog to the server's tag-based log.Logger.
type serverLogger struct{ l *slog.Logger }

var (
	_ log.Logger      = serverLogger{}
	_ log.WithLogger  = serverLogger{}
	_ log.SLogWrapper = serverLogger{} // parts of the server ask for an slog.Logger; hand out the filtered one
)

func (s serverLogger) Debug(msg string, tags ...tag.Tag) { s.log(slog.LevelDebug, msg, tags) }
func (s serverLogger) Info(msg string, tags ...tag.Tag)  { s.log(slog.LevelInfo, msg, tags) }
func (s serverLogger) Warn(msg string, tags ...tag.Tag)  { s.log(slog.LevelWarn, msg, tags) }
func (s serverLogger) Error(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// An embedded server must never take the host process down through its logger,
// so panic/fatal levels are logged as errors only.
func (s serverLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }
func (s serverLogger) Panic(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s serverLogger) Fatal(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }

func (s serverLogger) With(tags ...tag.Tag) log.Logger {
	return serverLogger{l: slog.New(s.l.Handler().WithAttrs(attrs(tags)))}
}

func (s serverLogger) SLog() *slog.Logger { return s.l }

// We deliberately run without the frontend HTTP API (one less port to
// collide), so the server's start-up warning about it is noise.
const httpPortWarning = "HTTP API port has not been set."

func (s serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	if strings.HasPrefix(msg, httpPortWarning) {
		return
	}
	ctx := context.Background()
	if s.l.Enabled(ctx, level) { // check first: building attrs is the expensive part
		s.l.LogAttrs(ctx, level, msg, attrs(tags)...)
	}
}

func attrs(tags []tag.Tag) []slog.Attr {
	as := make([]slog.Attr, len(tags))
	for i, t := range tags {
		as[i] = slog.Any(t.Key(), t.Value())
	}
	return as
}
