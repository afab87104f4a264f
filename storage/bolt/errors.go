package bolt

import "errors"

// Errors of Open and OpenReadOnly. Both wrap session.ErrStoreUnavailable
// as well, so a renderer's callers can test either.
var (
	// ErrFileInUse: another process holds the file open for writing, and
	// the open timeout passed. bbolt allows one writer per file.
	ErrFileInUse = errors.New("bolt: session file is in use by another process")
	// ErrNotSessionFile: the file is not a statetemplate session file — a
	// foreign file, another bbolt database, a newer layout, a file cut
	// short (truncated) or emptied (0 bytes).
	ErrNotSessionFile = errors.New("bolt: not a statetemplate session file")
	// ErrReadOnly: a write was attempted on a store opened with OpenReadOnly.
	ErrReadOnly = errors.New("bolt: store was opened read-only")
	// ErrDamagedFile: bbolt met a damaged page. A read that meets one fails;
	// a write that meets one stops all further writes, since bbolt's free
	// page list may be damaged too. Wraps session.ErrStoreUnavailable.
	ErrDamagedFile = errors.New("bolt: session file is damaged")
)
