package listen

import (
	"errors"
	"fmt"
	"time"
)

// The classes of failure a source can report. Test a returned error with
// errors.Is: errors.Is(err, ErrRateLimited). An error of no class is treated
// as transient by [Stream] and the [Client].
var (
	// ErrPermanent marks a failure that retrying cannot cure: bad
	// credentials, a forbidden resource, a malformed request. [Stream]
	// yields it and ends.
	ErrPermanent = errors.New("permanent failure")
	// ErrTransient marks a failure that may pass: a 5xx, a timeout, a
	// reset connection, a truncated body.
	ErrTransient = errors.New("transient failure")
	// ErrRateLimited marks a refusal by the upstream's quota. The error is
	// a *[RateLimitError] that says how long to wait.
	ErrRateLimited = errors.New("rate limited")
	// ErrBodyTooLarge reports a response body over the client's limit. It
	// is transient: the next answer may be sane.
	ErrBodyTooLarge = errors.New("response body too large")
	// ErrMalformed reports a payload that could not be decoded (truncated
	// JSON, a wrong shape). It is transient.
	ErrMalformed = errors.New("malformed payload")
)

// A RateLimitError reports that an upstream refused a request for quota
// reasons. RetryAfter is how long it asked callers to wait (0 if it did not
// say); errors.Is(err, ErrRateLimited) holds.
type RateLimitError struct {
	RetryAfter time.Duration
	// Status is the HTTP status that carried the refusal (429, or 403 for
	// the platforms that use it), 0 if none.
	Status int
	Err    error // the underlying error, if any
}

// Error describes the refusal and the wait asked for.
func (e *RateLimitError) Error() string {
	msg := "rate limited"
	if e.Status != 0 {
		msg = fmt.Sprintf("rate limited (HTTP %d)", e.Status)
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(", retry after %v", e.RetryAfter)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is [ErrRateLimited].
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Unwrap returns the underlying error.
func (e *RateLimitError) Unwrap() error { return e.Err }

// A StatusError reports an HTTP answer with a failing status. Its class
// follows the status: 5xx, 408 and 425 are transient, other 4xx permanent.
type StatusError struct {
	Method, URL string
	Status      int
	// Body is the start of the response body, for diagnosis.
	Body string
	// RetryAfter is the wait a transient answer asked for (a 503 with
	// Retry-After), 0 if none.
	RetryAfter time.Duration
}

// Error gives the method, URL, status and the start of the body.
func (e *StatusError) Error() string {
	if e.Body != "" {
		return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, e.Body)
	}
	return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.URL, e.Status)
}

// Is reports whether target is the class of the status: [ErrTransient] or
// [ErrPermanent].
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrTransient:
		return e.transient()
	case ErrPermanent:
		return !e.transient()
	}
	return false
}

func (e *StatusError) transient() bool {
	return e.Status >= 500 || e.Status == 408 || e.Status == 425 || e.Status == 429
}

type classError struct {
	class error
	err   error
}

func (e *classError) Error() string         { return e.err.Error() }
func (e *classError) Unwrap() []error       { return []error{e.err, e.class} }
func (e *classError) Is(target error) bool  { return target == e.class }
func (e *classError) As(target any) bool    { return errors.As(e.err, target) }
func newClass(class, err error) *classError { return &classError{class: class, err: err} }

// Permanent marks err as permanent: errors.Is(Permanent(err), ErrPermanent)
// holds and err stays reachable with errors.Is and errors.As. It returns nil
// for a nil err.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return newClass(ErrPermanent, err)
}

// Transient marks err as transient, as [Permanent] does for permanent.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return newClass(ErrTransient, err)
}

// Malformed wraps a decoding failure as a transient [ErrMalformed].
func Malformed(err error) error {
	if err == nil {
		return nil
	}
	return newClass(ErrTransient, fmt.Errorf("%w: %w", ErrMalformed, err))
}

// IsPermanent reports whether err is permanent. Rate limits and errors of no
// class are not.
func IsPermanent(err error) bool {
	return err != nil && errors.Is(err, ErrPermanent) && !errors.Is(err, ErrRateLimited)
}

// RetryAfterOf returns how long err asks the caller to wait before trying
// again: the RetryAfter of a *[RateLimitError] in its chain, or of a
// transient *[StatusError] (a 503 with Retry-After), else 0.
func RetryAfterOf(err error) time.Duration {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.RetryAfter
	}
	var se *StatusError
	if errors.As(err, &se) && se.transient() {
		return se.RetryAfter
	}
	return 0
}
