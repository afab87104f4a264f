package statetemplate

import (
	"errors"

	"github.com/livefir/statetemplate/session"
)

// The design's sentinel errors. Every error the renderer returns that
// belongs to one of these classes wraps it: test with errors.Is.
var (
	// ErrSessionExpired: the token or the session is past its expiry.
	ErrSessionExpired = session.ErrSessionExpired
	// ErrSessionNotFound: no such session, it was invalidated or evicted,
	// or its stored record can no longer be restored.
	ErrSessionNotFound = session.ErrSessionNotFound
	// ErrInvalidToken: the token is malformed, tampered with, sealed with an
	// unknown key, or was replaced by RefreshToken.
	ErrInvalidToken = session.ErrInvalidToken
	// ErrStoreUnavailable: the session store cannot serve requests.
	ErrStoreUnavailable = session.ErrStoreUnavailable
	// ErrSessionClosed: the Session handle, or the Renderer, was closed.
	ErrSessionClosed = session.ErrSessionClosed
	// ErrMaxSessionsReached: the session limit of a store that does not
	// evict was reached.
	ErrMaxSessionsReached = session.ErrMaxSessionsReached
	// ErrInvalidSessionID: a session ID is malformed.
	ErrInvalidSessionID = session.ErrInvalidSessionID
	// ErrSessionIDExists: a store already holds a session with that ID.
	ErrSessionIDExists = session.ErrSessionIDExists
)

// Errors beyond the design's eight.
var (
	// ErrConflict: another server updated the session first; the session
	// now holds that server's state, and the call may be retried.
	ErrConflict = session.ErrConflict
	// ErrUnregisteredType: data of a type not passed to WithDataTypes was
	// given to a renderer with a durable store.
	ErrUnregisteredType = session.ErrUnregisteredType
	// ErrUnstorableData: session data that could not be read back once
	// stored — it does not encode, or it exceeds the record limits (nested
	// deeper than 64 levels, a list or map of more than 131,072 entries).
	// The session keeps its last stored data.
	ErrUnstorableData = session.ErrUnstorableData
	// ErrDataTooLarge: session data encodes to more bytes than
	// WithMaxDataBytes allows; nothing was stored.
	ErrDataTooLarge = session.ErrDataTooLarge
	// ErrInvalidOption: an option was given a value it cannot take.
	ErrInvalidOption = errInvalidOption
	// ErrTemplateNotFound: SessionTemplate or Session.Navigate named a
	// template the renderer's set does not define.
	ErrTemplateNotFound = errors.New("statetemplate: template not found")
)
