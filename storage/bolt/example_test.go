package bolt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

// A tool inspects a session file read-only: ForEach reports every record,
// corrupt ones included, and Stats costs no scan.
func ExampleOpenReadOnly() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sessions.db")

	// An app wrote one session, then exited.
	s, _ := bolt.Open(path)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	data, _ := session.EncodeData(map[string]int{"counter": 7})
	_ = s.Create(context.Background(), &session.Record{
		ID: session.NewID(), Rev: 1, Created: now, LastAccess: now, ExpiresAt: now.Add(time.Hour),
		DataType: "map[string]int", Data: data,
	})
	_ = s.Close()

	ro, err := bolt.OpenReadOnly(path, time.Second)
	if err != nil {
		panic(err)
	}
	defer ro.Close()
	_ = ro.ForEach(context.Background(), func(id session.ID, raw []byte, rec *session.Record, err error) error {
		if err != nil {
			fmt.Println(id.Short(), "corrupt:", err)
			return nil
		}
		v, _ := session.DecodeGeneric(rec.Data)
		fmt.Println(rec.DataType, v, "expires", rec.ExpiresAt.Format(time.RFC3339))
		return nil
	})
	st, _ := ro.Stats()
	fmt.Println("sessions:", st.Sessions)
	// Output:
	// map[string]int map[counter:7] expires 2026-11-25T13:00:00Z
	// sessions: 1
}
