package live

import (
	"errors"
	"fmt"
)

// UserError is an error meant for the user. A handler that returns one
// (directly or wrapped) has its Message shown in the browser, in the
// "action_failed" error message. Any other error a handler returns is
// logged at warning level, and the browser gets a generic message: an
// error's text can hold internal details (a query, a path, a stack of
// wrapped causes) that must not reach it.
type UserError struct {
	Message string
}

func (e *UserError) Error() string { return e.Message }

// Errorf returns a *UserError whose message is formatted as by fmt.Sprintf.
func Errorf(format string, args ...any) error {
	return &UserError{Message: fmt.Sprintf(format, args...)}
}

// genericFailure is what the browser is told of a handler's internal error.
const genericFailure = "The action could not be completed."

// userMessage returns the message of the UserError in err's chain, if any.
func userMessage(err error) (string, bool) {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Message, true
	}
	return "", false
}
