package bundle

import (
	"errors"
	"fmt"
)

// Status is how a collector ended.
type Status string

// The statuses a collector can end with.
const (
	StatusOK       Status = "ok"
	StatusPartial  Status = "partial"
	StatusFailed   Status = "failed"
	StatusSkipped  Status = "skipped"
	StatusTimeout  Status = "timeout"
	StatusCanceled Status = "canceled"
)

// Complete reports whether the status leaves the bundle complete. A skipped collector
// does not make a bundle incomplete unless it was refused permission.
func (s Status) Complete() bool {
	return s == StatusOK || s == StatusSkipped
}

// SkipKind says why a collector was skipped.
type SkipKind string

// The reasons a collector can be skipped for.
const (
	NotConfigured SkipKind = "not configured"
	Forbidden     SkipKind = "forbidden"
	NotFound      SkipKind = "not found"
	NotApplicable SkipKind = "not applicable"
)

// SkipError is returned by Collect when the collector did not run. A Forbidden skip
// makes the bundle incomplete; the other kinds do not.
type SkipError struct {
	Kind   SkipKind
	Reason string
}

// Error returns the kind and the reason.
func (e *SkipError) Error() string { return string(e.Kind) + ": " + e.Reason }

// Skip returns a *SkipError with a formatted reason.
func Skip(kind SkipKind, format string, args ...any) error {
	return &SkipError{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// AsSkip returns the *SkipError in err's chain, if any.
func AsSkip(err error) (*SkipError, bool) {
	var s *SkipError
	ok := errors.As(err, &s)
	return s, ok
}
