package live

import (
	"errors"
	"fmt"
	"sort"
	"strings"
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

// FieldErrors are messages for the user about form fields, by field name.
// A handler returns them to reject an action whose input is invalid
// (Message.Decode returns them too): the session's data is left as it
// was, the form keeps what the user typed, and the browser shows each
// message in the element marked data-error-for="field" (and marks the
// field aria-invalid) until the field is edited or an action of the form
// succeeds.
//
//	errs := live.FieldErrors{}
//	if in.Title == "" {
//		errs["title"] = "Enter a title."
//	}
//	if len(errs) > 0 {
//		return errs
//	}
type FieldErrors map[string]string

// Error lists the messages, sorted by field.
func (f FieldErrors) Error() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k + ": " + f[k])
	}
	return b.String()
}

// invalidFields is what the browser is told of FieldErrors.
const invalidFields = "Please correct the marked fields."

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
