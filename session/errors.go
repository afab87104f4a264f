package session

import "errors"

// The sentinel errors of statetemplate. The root package re-exports them, so
// errors.Is works with either name. Every error returned by this module that
// belongs to one of these classes wraps the sentinel with %w.
var (
	ErrSessionExpired     = errors.New("statetemplate: session has expired")
	ErrSessionNotFound    = errors.New("statetemplate: session not found")
	ErrInvalidToken       = errors.New("statetemplate: invalid session token")
	ErrStoreUnavailable   = errors.New("statetemplate: session store unavailable")
	ErrSessionClosed      = errors.New("statetemplate: session is closed")
	ErrMaxSessionsReached = errors.New("statetemplate: maximum sessions reached")
	ErrInvalidSessionID   = errors.New("statetemplate: invalid session ID")
	ErrSessionIDExists    = errors.New("statetemplate: session ID already exists")

	// ErrConflict is returned by Store.Update when the stored record's
	// revision is not the one the update was based on: another writer (another
	// server sharing the store) got there first.
	ErrConflict = errors.New("statetemplate: concurrent update of session")

	// ErrCorruptRecord is wrapped (inside ErrSessionNotFound) when a stored
	// record cannot be decoded. It affects that session only.
	ErrCorruptRecord = errors.New("statetemplate: corrupt session record")

	// ErrUnstorableData is returned when session data cannot be stored so
	// that it reads back: it does not encode (a channel, a func, a time
	// outside RFC 3339's years) or it exceeds the record limits (nested
	// deeper than 64 levels of maps, lists and structs, or a list or map of
	// more than 131,072 entries). Nothing is stored.
	ErrUnstorableData = errors.New("statetemplate: session data cannot be stored")

	// ErrDataTooLarge is returned when session data encodes to more bytes
	// than the renderer allows (Config.MaxDataBytes).
	ErrDataTooLarge = errors.New("statetemplate: session data too large")

	// ErrUnregisteredType is returned when session data of a type the
	// renderer was not told about (WithDataTypes) must be persisted or restored.
	ErrUnregisteredType = errors.New("statetemplate: data type not registered")
)
