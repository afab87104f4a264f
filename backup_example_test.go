package statetemplate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/livefir/statetemplate"
)

// A backup taken while the renderer serves is itself a session file: a
// renderer opened on it renders the same sessions, with the same tokens.
func ExampleRenderer_Backup() {
	dir, _ := os.MkdirTemp("", "backup")
	defer os.RemoveAll(dir)
	key := []byte("a secret of at least 32 bytes...")
	live, _ := statetemplate.New(counterTmpl, statetemplate.WithSecurity(key),
		statetemplate.WithBoltStore(filepath.Join(dir, "sessions.db")), statetemplate.WithDataTypes(&Counter{}))
	defer live.Close()
	tok, _ := live.CreateSession(context.Background(), &Counter{Name: "backed up", Count: 7})

	var backup bytes.Buffer
	if err := live.Backup(&backup); err != nil {
		fmt.Println(err)
		return
	}
	restored := filepath.Join(dir, "restored.db")
	_ = os.WriteFile(restored, backup.Bytes(), 0o600)
	r, _ := statetemplate.New(counterTmpl, statetemplate.WithSecurity(key),
		statetemplate.WithBoltStore(restored), statetemplate.WithDataTypes(&Counter{}))
	defer r.Close()
	html, err := r.RenderPage(tok)
	fmt.Println(html, err)
	// Output: <body><h1 id="name">backed up</h1><p id="count">7 clicks</p></body> <nil>
}
