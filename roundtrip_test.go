package statetemplate_test

import (
	"bytes"
	"context"
	"html/template"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// Whatever CreateSession and RenderFragments accept, a restart gives back:
// the same data, byte for byte in its canonical encoding, and the same
// page. Go strings are byte strings, so that includes invalid UTF-8.

// roundTripPage is session data with every kind of value a string can hide
// in: fields, map keys and values, list items, bytes, a tree of any depth
// and an interface field.
type roundTripPage struct {
	S    string
	B    []byte
	N    int64
	F    float64
	M    map[string]string
	L    []string
	Tree *roundTripNode
	Any  any
}

type roundTripNode struct {
	Label string
	Kids  []*roundTripNode
}

var roundTripTmpl = template.Must(template.New("page").Parse(`<html><body>
<p id="s">{{.S}}</p><p id="b">{{printf "%x" .B}}</p><p id="n">{{.N}} {{.F}}</p>
<ul id="m">{{range $k, $v := .M}}<li>{{$k}}={{$v}}</li>{{end}}</ul>
<ol id="l">{{range .L}}<li>{{.}}</li>{{end}}</ol>
<p id="tree">{{with .Tree}}{{.Label}} {{len .Kids}}{{end}}</p>
<p id="any">{{.Any}}</p>
</body></html>`))

// roundTripData builds a page from fuzzable parts; depth nests the tree.
func roundTripData(s, k string, b []byte, n int64, f float64, depth int) *roundTripPage {
	p := &roundTripPage{
		S: s, B: b, N: n, F: f,
		M:   map[string]string{k: s, s: k, "plain": "x"},
		L:   []string{s, k, s + k},
		Any: map[string]any{k: []any{s, n}},
	}
	var tree *roundTripNode
	for i := range depth {
		tree = &roundTripNode{Label: k, Kids: []*roundTripNode{tree}}
		if i%3 == 0 {
			tree.Kids = append(tree.Kids, &roundTripNode{Label: s})
		}
	}
	p.Tree = tree
	return p
}

// openFunc opens a renderer on the same durable sessions each time.
type openFunc func(t testing.TB) *statetemplate.Renderer

func boltOpener(path string) openFunc {
	return func(t testing.TB) *statetemplate.Renderer {
		t.Helper()
		r, err := statetemplate.New(roundTripTmpl, statetemplate.WithBoltStore(path),
			statetemplate.WithDataTypes(&roundTripPage{}),
			statetemplate.WithSecurity([]byte("the round trip tests' 32-byte key")))
		require.NoError(t, err)
		return r
	}
}

func redisOpener(addr, prefix string) openFunc {
	return func(t testing.TB) *statetemplate.Renderer {
		t.Helper()
		r, err := statetemplate.New(roundTripTmpl,
			statetemplate.WithRedisStore("redis://"+addr, statetemplate.RedisKeyPrefix(prefix), statetemplate.RedisWithoutFallback()),
			statetemplate.WithDataTypes(&roundTripPage{}),
			statetemplate.WithSecurity([]byte("the round trip tests' 32-byte key")))
		require.NoError(t, err)
		return r
	}
}

// checkRoundTrip creates a session with first, updates it to second, and
// checks that after a restart the session holds the last value it
// accepted. A value it refuses must be refused with ErrUnstorableData and
// leave the stored session as it was.
func checkRoundTrip(t testing.TB, open openFunc, first, second *roundTripPage) {
	t.Helper()
	ctx := context.Background()
	r := open(t)
	tok, err := r.CreateSession(ctx, first)
	if err != nil {
		require.ErrorIs(t, err, statetemplate.ErrUnstorableData, "CreateSession refused data for another reason")
		h := r.Health(ctx)
		require.NoError(t, r.Close())
		require.Zero(t, h.Sessions, "a refused session was stored")
		return
	}
	want := first
	if _, err := r.RenderPage(tok); err != nil {
		require.NoError(t, r.Close())
		require.NoError(t, err, "the page of an accepted session does not render")
	}
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	if _, err := s.RenderFragments(ctx, second); err == nil {
		want = second
	} else {
		require.ErrorIs(t, err, statetemplate.ErrUnstorableData, "RenderFragments refused data for another reason")
	}
	require.NoError(t, s.Close())
	require.NoError(t, r.Close())

	r = open(t)
	defer r.Close()
	s, err = r.GetSession(tok)
	require.NoError(t, err, "the session did not survive the restart")
	defer s.Close()
	wantEnc, err := session.EncodeData(want)
	require.NoError(t, err)
	gotEnc, err := session.EncodeData(s.Data())
	require.NoError(t, err)
	require.True(t, bytes.Equal(wantEnc, gotEnc), "the restored data differs from the data accepted")
	page, err := r.RenderPage(tok)
	require.NoError(t, err)
	var direct bytes.Buffer
	require.NoError(t, roundTripTmpl.Execute(&direct, want))
	require.Equal(t, direct.String(), page, "the restored session renders another page")
}

var invalidUTF8Cases = []struct {
	name          string
	first, second *roundTripPage
}{
	{"invalid UTF-8 in every string", roundTripData("\xff\xfe", "k\xc3", []byte{0xff}, 1, 1.5, 2),
		roundTripData("a\xffb", "\xed\xa0\x80", nil, 2, -0.5, 3)},
	{"a truncated rune and a lone continuation byte", roundTripData("é"[:1], "\x80", nil, 0, 0, 0),
		roundTripData("ok", "\xc0\xaf", nil, 0, 0, 1)},
}

func TestBoltRestart_InvalidUTF8ComesBackByteForByte(t *testing.T) {
	for _, tc := range invalidUTF8Cases {
		t.Run(tc.name, func(t *testing.T) {
			checkRoundTrip(t, boltOpener(filepath.Join(t.TempDir(), "s.db")), tc.first, tc.second)
		})
	}
}

func TestRedisRestart_InvalidUTF8ComesBackByteForByte(t *testing.T) {
	addr := redistest.Own(t)
	for _, tc := range invalidUTF8Cases {
		t.Run(tc.name, func(t *testing.T) {
			checkRoundTrip(t, redisOpener(addr, redisPrefix(t, addr)), tc.first, tc.second)
		})
	}
}

func TestBoltCreateSession_DataDeeperThanTheRecordLimitIsRefusedBeforeAnythingIsStored(t *testing.T) {
	open := boltOpener(filepath.Join(t.TempDir(), "s.db"))
	r := open(t)
	defer r.Close()
	ctx := context.Background()
	_, err := r.CreateSession(ctx, roundTripData("s", "k", nil, 0, 0, 40))
	require.ErrorIs(t, err, statetemplate.ErrUnstorableData)
	require.Contains(t, err.Error(), "nested")
	require.Zero(t, r.Health(ctx).Sessions)

	tok, err := r.CreateSession(ctx, roundTripData("s", "k", nil, 0, 0, 3))
	require.NoError(t, err)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.RenderFragments(ctx, roundTripData("deep", "k", nil, 0, 0, 40))
	require.ErrorIs(t, err, statetemplate.ErrUnstorableData, "an update the record cannot hold is refused")
	require.Equal(t, "s", s.Data().(*roundTripPage).S, "the session keeps its last stored data")
}

func TestRoundTrip_LargestAcceptedDataComesBack(t *testing.T) {
	checkRoundTrip(t, boltOpener(filepath.Join(t.TempDir(), "s.db")),
		roundTripData("s", "k", nil, 0, 0, 20), roundTripData("s2", "k2", nil, 0, 0, 31))
}

// FuzzBoltRestart_AcceptedDataComesBack: any value the renderer accepts
// survives a restart of the bolt store unchanged.
func FuzzBoltRestart_AcceptedDataComesBack(f *testing.F) {
	addRoundTripSeeds(f)
	f.Fuzz(func(t *testing.T, s, k string, b []byte, n int64, x float64, depth uint8) {
		open := boltOpener(filepath.Join(t.TempDir(), "s.db"))
		checkRoundTrip(t, open, roundTripData(s, k, b, n, x, int(depth%48)), roundTripData(k, s, nil, -n, x/3, int(depth/4)))
	})
}

// FuzzRedisRestart_AcceptedDataComesBack is the same for the Redis store.
func FuzzRedisRestart_AcceptedDataComesBack(f *testing.F) {
	addRoundTripSeeds(f)
	f.Fuzz(func(t *testing.T, s, k string, b []byte, n int64, x float64, depth uint8) {
		addr := redistest.Own(t)
		open := redisOpener(addr, redisPrefix(t, addr))
		checkRoundTrip(t, open, roundTripData(s, k, b, n, x, int(depth%48)), roundTripData(k, s, nil, -n, x/3, int(depth/4)))
	})
}

func addRoundTripSeeds(f *testing.F) {
	f.Add("plain", "key", []byte("bytes"), int64(1), 1.5, uint8(2))
	f.Add("\xff\xfe", "\xc3", []byte{0xff}, int64(-7), -0.0, uint8(0))
	f.Add("", "", []byte(nil), int64(0), 0.0, uint8(47))
}
