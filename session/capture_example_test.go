package session_test

import (
	"fmt"
	"reflect"
	"time"

	"github.com/livefir/statetemplate/session"
)

// Two times one encoding cannot tell apart: the same instant at the same
// offset, in zones of different names. Only the UTC one is captured.
func ExampleCaptured() {
	at := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	cdt := at.In(time.FixedZone("CDT", -5*3600))
	pet := at.In(time.FixedZone("PET", -5*3600))
	a, _ := session.EncodeData(cdt)
	b, _ := session.EncodeData(pet)
	fmt.Println(string(a) == string(b), cdt.Format("15:04 MST"), pet.Format("15:04 MST"))
	fmt.Println(session.Captured(reflect.ValueOf(at)), session.Captured(reflect.ValueOf(cdt)))
	fmt.Println(session.Captured(reflect.ValueOf(time.Now().UTC())))
	// Output:
	// true 07:00 CDT 07:00 PET
	// true false
	// true
}
