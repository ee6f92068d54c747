package cfinv

import (
	"fmt"
	"time"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// EventWarning: an item was rewritten or dropped while cleaning the
	// paths (Message says how).
	EventWarning EventKind = iota + 1
	// EventNoJournal: the journal could not be opened (Err); the request
	// goes on, but a re-run cannot resume it. With a DeployID it is an
	// error instead.
	EventNoJournal
	// EventCreated: CloudFront created batch Batch as InvalidationID.
	EventCreated
	// EventResumed: the journal showed batch Batch created by an earlier
	// run as InvalidationID; it was not sent again.
	EventResumed
	// EventQueued: batch Batch waits for earlier batches of the request
	// to complete, to stay under CloudFront's in-progress limits.
	EventQueued
	// EventRetried: batch Batch failed transiently (Err) and is retried
	// with the same caller reference.
	EventRetried
	// EventWaitProgress: a poll while waiting; Elapsed, Done, Total,
	// PathsDone, PathsTotal and Changed say where the wait stands, Err is
	// a transient error of the poll (the wait goes on).
	EventWaitProgress
	// EventAlreadyCreated: CloudFront answered batch Batch's caller
	// reference with invalidation InvalidationID, which it had already
	// created (at CreateTime) for an earlier request with that
	// reference: nothing new was created or billed.
	EventAlreadyCreated
)

// Event is something that happened during Invalidate or Wait, passed to
// Request.Progress or WaitRequest.Progress so a caller can draw its own
// progress. Errors in events are redacted.
type Event struct {
	Kind            EventKind
	DistributionID  string
	Batch           int // 1-based number of the batch in its distribution
	InvalidationID  string
	CallerReference string
	Paths           int // paths of the batch
	Message         string
	Err             error

	// Wait progress (EventWaitProgress).
	Elapsed     time.Duration
	Done, Total int // invalidations Completed, and all of them
	// PathsDone and PathsTotal count the paths of those invalidations;
	// PathsTotal is 0 while the path count of any of them is unknown.
	PathsDone, PathsTotal int
	// Changed lists "DIST/ID: Status" for each invalidation whose status
	// changed at this poll (every one at the first poll).
	Changed []string

	// CreateTime is when CloudFront created the invalidation
	// (EventAlreadyCreated).
	CreateTime time.Time
}

// String describes e in a line (without its distribution), as cfinv
// prints it.
func (e Event) String() string {
	switch e.Kind {
	case EventWarning:
		return e.Message
	case EventNoJournal:
		return fmt.Sprintf("no journal, a re-run cannot resume: %v", e.Err)
	case EventCreated:
		return fmt.Sprintf("batch %d: created %s (%s, reference %s)", e.Batch, e.InvalidationID, plural(e.Paths, "path"), e.CallerReference)
	case EventAlreadyCreated:
		return fmt.Sprintf("batch %d: already there as %s (created %s for an earlier request with reference %s); not created or billed again", e.Batch, e.InvalidationID, e.CreateTime.UTC().Format(time.RFC3339), e.CallerReference)
	case EventResumed:
		return fmt.Sprintf("batch %d: already created as %s by an earlier run (journal); not sent again", e.Batch, e.InvalidationID)
	case EventQueued:
		return fmt.Sprintf("batch %d: queued until earlier batches complete", e.Batch)
	case EventRetried:
		return fmt.Sprintf("batch %d: %s; retrying with the same caller reference", e.Batch, describe(e.Err))
	case EventWaitProgress:
		s := fmt.Sprintf("waiting %s: %d/%d completed", e.Elapsed.Round(100*time.Millisecond), e.Done, e.Total)
		if e.Err != nil {
			s += fmt.Sprintf(" (poll failed, will retry: %v)", e.Err)
		}
		return s
	}
	return fmt.Sprintf("event %d", e.Kind)
}

// describe is CloudFront's error code of err, else its message.
func describe(err error) string {
	if code := errorCode(err); code != "" {
		return code
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// redactedError is an error whose message is redacted; the original stays
// wrapped for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr returns err with its message redacted of c's secrets.
func (c *Client) redactErr(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: c.secrets.Redact(err.Error()), err: err}
}
