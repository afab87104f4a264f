package live

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Uploads: the client POSTs a form's files (multipart) to the socket path
// + "/upload" with the tab reference, before it sends the form's action;
// each file is streamed to a temporary file under the size limits, and the
// action carries references to them, which Message.Files resolves — only
// for the session that uploaded them. Files not claimed by an action
// within uploadTTL are deleted, and so is every file once its action's
// handler has returned.

// Upload defaults (WithUploadLimits).
const (
	DefaultMaxUploadFileBytes  = 10 << 20
	DefaultMaxUploadFiles      = 10
	DefaultMaxUploadTotalBytes = 32 << 20
	uploadTTL                  = 10 * time.Minute
)

// File is a file the browser uploaded with an action's form. Its content
// is on the server's disk until the action's handler returns: read it,
// copy it or move it (os.Rename(f.Path(), dst)) there.
type File struct {
	// Name is the file's base name as the browser gave it, made valid
	// UTF-8; never use it as a path without cleaning it for your purpose.
	Name string
	// Size is its length in bytes.
	Size int64
	// ContentType is sniffed from its first bytes (http.DetectContentType),
	// not taken from the browser.
	ContentType string

	path    string
	session string
	expires *time.Timer
}

// Open opens the file's content for reading.
func (f *File) Open() (io.ReadCloser, error) { return os.Open(f.path) }

// Path is where the file's content lies until the handler returns.
func (f *File) Path() string { return f.path }

// Files returns the files uploaded for the form field key of this action,
// in the order the browser sent them; nil when there are none. A file
// uploaded for another session is never returned.
func (m Message) Files(key string) []*File {
	if m.uploads == nil {
		return nil
	}
	var refs []struct {
		ID string `json:"_file"`
	}
	if json.Unmarshal(m.fields[key], &refs) != nil {
		return nil
	}
	var out []*File
	for _, r := range refs {
		if f := m.uploads.claim(r.ID, m.session); f != nil {
			out = append(out, f)
		}
	}
	return out
}

// uploads holds the files uploaded and not yet claimed or deleted.
type uploads struct {
	cfg *config
	mu  sync.Mutex
	dir string
	by  map[string]*File
}

func (u *uploads) init(cfg *config) {
	u.cfg, u.by = cfg, make(map[string]*File)
}

// claim returns the file id if session uploaded it.
func (u *uploads) claim(id, session string) *File {
	u.mu.Lock()
	defer u.mu.Unlock()
	f := u.by[id]
	if f == nil || f.session != session {
		return nil
	}
	return f
}

// release deletes the files of an action whose handler has returned.
func (u *uploads) release(m Message) {
	for k := range m.fields {
		for _, f := range m.Files(k) {
			u.remove(f)
		}
	}
}

func (u *uploads) remove(f *File) {
	u.mu.Lock()
	for id, g := range u.by {
		if g == f {
			delete(u.by, id)
		}
	}
	u.mu.Unlock()
	if f.expires != nil {
		f.expires.Stop()
	}
	os.Remove(f.path)
}

// close deletes every file.
func (u *uploads) close() {
	u.mu.Lock()
	files := u.by
	u.by = map[string]*File{}
	dir := u.dir
	u.mu.Unlock()
	for _, f := range files {
		if f.expires != nil {
			f.expires.Stop()
		}
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
}

// errUploadTooLarge is a file or request over the limits.
var errUploadTooLarge = errors.New("live: upload too large")

// receive streams the multipart body of r to temporary files for
// session, under the limits, and returns the references by field.
func (u *uploads) receive(r *http.Request, session string) (map[string][]map[string]any, error) {
	dir, err := u.tempDir()
	if err != nil {
		return nil, err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	out := map[string][]map[string]any{}
	var files []*File
	var total int64
	fail := func(err error) (map[string][]map[string]any, error) {
		for _, f := range files {
			u.remove(f)
		}
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		if part.FileName() == "" {
			part.Close()
			continue
		}
		if len(files) >= u.cfg.maxUploadFiles {
			return fail(fmt.Errorf("%w: more than %d files", errUploadTooLarge, u.cfg.maxUploadFiles))
		}
		f, err := u.store(dir, part, session, min(u.cfg.maxUploadFile, u.cfg.maxUploadTotal-total))
		part.Close()
		if err != nil {
			return fail(err)
		}
		files = append(files, f)
		total += f.Size
		id := u.add(f)
		out[part.FormName()] = append(out[part.FormName()], map[string]any{
			"_file": id, "name": f.Name, "size": f.Size, "type": f.ContentType,
		})
	}
	return out, nil
}

// store writes one part to a new file, refusing more than limit bytes.
func (u *uploads) store(dir string, part *multipart.Part, session string, limit int64) (*File, error) {
	tmp, err := os.CreateTemp(dir, "upload-")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(tmp, io.LimitReader(part, limit+1))
	cerr := tmp.Close()
	if err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = fmt.Errorf("%w: a file over %d bytes", errUploadTooLarge, limit)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, err
	}
	head := make([]byte, 512)
	if fh, err := os.Open(tmp.Name()); err == nil {
		k, _ := io.ReadFull(fh, head)
		head = head[:k]
		fh.Close()
	}
	return &File{Name: cleanName(part.FileName()), Size: n, ContentType: http.DetectContentType(head),
		path: tmp.Name(), session: session}, nil
}

// add registers f under a new random id, to be deleted after uploadTTL
// if no action claims it.
func (u *uploads) add(f *File) string {
	id := rand.Text()
	u.mu.Lock()
	u.by[id] = f
	u.mu.Unlock()
	f.expires = time.AfterFunc(uploadTTL, func() { u.remove(f) })
	return id
}

func (u *uploads) tempDir() (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.dir == "" {
		dir, err := os.MkdirTemp("", "statetemplate-uploads-")
		if err != nil {
			return "", err
		}
		u.dir = dir
	}
	return u.dir, nil
}

// cleanName keeps a browser's file name displayable: its base name, valid
// UTF-8, at most 255 bytes.
func cleanName(name string) string {
	name = strings.ToValidUTF8(filepath.Base(strings.ReplaceAll(name, "\\", "/")), "\uFFFD")
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// serveUpload is the upload endpoint.
func (a *App[T]) serveUpload(w http.ResponseWriter, r *http.Request) {
	secret, ok := browserSecret(r, a.cfg.cookieName)
	var tok string
	var err error
	if ok {
		tok, err = openRef(secret, r.URL.Query().Get("ref"))
	}
	if !ok || err != nil || !a.r.ValidateToken(tok) {
		http.Error(w, "no session for this upload", http.StatusForbidden)
		return
	}
	s, err := a.r.GetSession(tok)
	if err != nil {
		http.Error(w, "no session for this upload", http.StatusForbidden)
		return
	}
	id := s.ID()
	s.Close()
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.maxUploadTotal+1<<20) // the multipart framing on top
	refs, err := a.uploads.receive(r, id)
	switch {
	case errors.Is(err, errUploadTooLarge), errors.As(err, new(*http.MaxBytesError)):
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		a.cfg.logger.Warn("live: receiving an upload", "session", id[:8], "err", err)
		http.Error(w, "the upload failed", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(refs)
}
