package cborpath_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/livefir/statetemplate/internal/cborpath"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type task struct {
	ID   string    `json:"id"`
	Done bool      `json:"done"`
	At   time.Time `json:"at"`
	Tags []string  `json:"tags,omitempty"`
}

type page struct {
	Title string          `json:"title"`
	Tasks []task          `json:"tasks"`
	Stats map[string]int  `json:"stats"`
	Nil   *task           `json:"nil"`
	Raw   []byte          `json:"raw"`
	Any   map[string]bool `json:"any"`
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	opts := cbor.CoreDetEncOptions()
	opts.Time = cbor.TimeRFC3339Nano
	opts.TimeTag = cbor.EncTagRequired
	em, err := opts.EncMode()
	require.NoError(t, err)
	b, err := em.Marshal(v)
	require.NoError(t, err)
	return b
}

func whole(b []byte) cborpath.Range { return cborpath.Range{Start: 0, End: len(b)} }

// value finds the entry key of the map at r and returns its value's range.
func value(t *testing.T, b []byte, r cborpath.Range, key string) cborpath.Range {
	t.Helper()
	entries, err := cborpath.Entries(b, r, nil)
	require.NoError(t, err)
	v, ok := cborpath.Find(b, entries, cborpath.TextKey(nil, key))
	require.True(t, ok, "no key %q", key)
	return v
}

func TestLen_IsTheLengthOfTheFirstItem(t *testing.T) {
	b := encode(t, page{Title: "t", Tasks: []task{{ID: "1"}}, Stats: map[string]int{"a": 1}})
	n, err := cborpath.Len(append(b, 0x01, 0x02))
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
}

func TestElemsAndEntries_RangesDecodeToTheNestedValues(t *testing.T) {
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	p := page{
		Title: "Acme",
		Tasks: []task{{ID: "1", At: at}, {ID: "2", Done: true, Tags: []string{"x"}}, {ID: "3"}},
		Stats: map[string]int{"users": 7, "orders": 3},
	}
	b := encode(t, p)
	tasks := value(t, b, whole(b), "tasks")
	elems, err := cborpath.Elems(b, tasks, nil)
	require.NoError(t, err)
	require.Len(t, elems, 3)
	for i, e := range elems {
		var got task
		require.NoError(t, cbor.Unmarshal(b[e.Start:e.End], &got))
		assert.Equal(t, p.Tasks[i].ID, got.ID)
		assert.Equal(t, encode(t, p.Tasks[i]), b[e.Start:e.End], "element %d is exactly the element's own encoding", i)
	}
	users := value(t, b, value(t, b, whole(b), "stats"), "users")
	assert.Equal(t, encode(t, 7), b[users.Start:users.End])
	done := value(t, b, elems[1], "done")
	assert.Equal(t, []byte{0xf5}, b[done.Start:done.End])
	assert.True(t, cborpath.IsArray(b, tasks))
	assert.True(t, cborpath.IsMap(b, elems[0]))
	nilPtr := value(t, b, whole(b), "nil")
	assert.Equal(t, []byte{cborpath.Null}, b[nilPtr.Start:nilPtr.End])
}

func TestFind_MissingKeyIsNotFound(t *testing.T) {
	b := encode(t, map[string]int{"a": 1})
	entries, err := cborpath.Entries(b, whole(b), nil)
	require.NoError(t, err)
	_, ok := cborpath.Find(b, entries, cborpath.TextKey(nil, "b"))
	assert.False(t, ok)
}

func TestTextKey_MatchesTheCodec(t *testing.T) {
	for _, n := range []int{0, 1, 23, 24, 255, 256, 70000} {
		s := string(make([]byte, n))
		assert.Equal(t, encode(t, s), cborpath.TextKey(nil, s), "length %d", n)
	}
}

func TestContainers_WrongTypeOrRangeIsMalformed(t *testing.T) {
	b := encode(t, []int{1, 2})
	_, err := cborpath.Entries(b, whole(b), nil)
	assert.ErrorIs(t, err, cborpath.ErrMalformed)
	_, err = cborpath.Elems(b, cborpath.Range{Start: 0, End: len(b) + 1}, nil)
	assert.ErrorIs(t, err, cborpath.ErrMalformed)
	_, err = cborpath.Elems(b, cborpath.Range{Start: 0, End: 2}, nil)
	assert.ErrorIs(t, err, cborpath.ErrMalformed, "a range that cuts the array short")
}

func TestLen_Malformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":                 {},
		"truncated head":        {0x19, 0x01},
		"string overrun":        {0x65, 'a'},
		"array count overrun":   {0x9a, 0xff, 0xff, 0xff, 0xff, 0x01},
		"reserved info":         {0x1c},
		"bare break":            {0xff},
		"indefinite unfinished": {0x9f, 0x01},
		"bad chunk":             {0x5f, 0x61, 'a', 0xff},
		"two-byte simple < 32":  {0xf8, 0x10},
		"deep":                  deep(cborpath.MaxDepth + 2),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cborpath.Len(b)
			assert.ErrorIs(t, err, cborpath.ErrMalformed)
		})
	}
}

func TestLen_IndefiniteLengths(t *testing.T) {
	b := []byte{0x9f, 0x01, 0x5f, 0x41, 'a', 0xff, 0xbf, 0x61, 'k', 0xf5, 0xff, 0xff}
	n, err := cborpath.Len(b)
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
	elems, err := cborpath.Elems(b, whole(b), nil)
	require.NoError(t, err)
	assert.Len(t, elems, 3)
}

func deep(n int) []byte {
	b := make([]byte, n+1)
	for i := range n {
		b[i] = 0x81 // array of one
	}
	b[n] = 0x00
	return b
}

// libraryMode is the codec with limits above cborpath's, so that the two
// can be compared on well-formedness alone.
func libraryMode(t testing.TB) cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  1000,
		MaxArrayElements: 1<<31 - 1,
		MaxMapPairs:      1<<31 - 1,
		UTF8:             cbor.UTF8DecodeInvalid,
	}.DecMode()
	require.NoError(t, err)
	return dm
}

// FuzzLen checks cborpath against the codec: when Len reports n bytes,
// the codec finds exactly one well-formed item in them; when Len reports
// malformed input (other than by depth), no prefix is well formed.
func FuzzLen(f *testing.F) {
	f.Add([]byte{0x83, 0x01, 0x02, 0x03})
	f.Add([]byte{0xa1, 0x61, 'a', 0xc0, 0x61, 'x'})
	f.Add([]byte{0x9f, 0x5f, 0x41, 'a', 0xff, 0xff})
	f.Add(deep(10))
	dm := libraryMode(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := cborpath.Len(b)
		if err == nil {
			require.NoError(t, dm.Wellformed(b[:n]), "cborpath took %d bytes of %x", n, b)
			if r := (cborpath.Range{Start: 0, End: n}); cborpath.IsArray(b, r) {
				elems, err := cborpath.Elems(b, r, nil)
				require.NoError(t, err)
				requireCount(t, b, r, len(elems), elems)
			} else if cborpath.IsMap(b, r) {
				entries, err := cborpath.Entries(b, r, nil)
				require.NoError(t, err)
				keys := make([]cborpath.Range, len(entries))
				for i, e := range entries {
					keys[i] = e.Key
				}
				requireCount(t, b, r, len(entries), keys)
			}
			return
		}
		require.ErrorIs(t, err, cborpath.ErrMalformed)
		if errors.Is(err, cborpath.ErrTooDeep) || len(b) > 512 {
			return // the prefix check below is quadratic
		}
		for i := 0; i <= len(b); i++ {
			if dm.Wellformed(b[:i]) == nil {
				t.Fatalf("cborpath: %v, but the codec reads %x as well formed", err, b[:i])
			}
		}
	})
}

// requireCount checks Count against the items a walk found (a map's keys):
// their number and where the first starts, or an error for an indefinite
// length.
func requireCount(t *testing.T, b []byte, r cborpath.Range, want int, items []cborpath.Range) {
	n, first, err := cborpath.Count(b, r)
	if b[r.Start]&0x1f == 31 {
		require.ErrorIs(t, err, cborpath.ErrMalformed, "an indefinite length")
		return
	}
	require.NoError(t, err)
	require.Equal(t, want, n)
	if n > 0 {
		require.Equal(t, items[0].Start, first)
	}
}

func TestCount_IsTheNumberOfItemsAndWhereTheFirstStarts(t *testing.T) {
	for name, tc := range map[string]struct {
		b        []byte
		n, first int
		wantErr  bool
	}{
		"array of three":       {b: []byte{0x83, 0x01, 0x02, 0x03}, n: 3, first: 1},
		"map of one pair":      {b: []byte{0xa1, 0x61, 'a', 0x01}, n: 1, first: 1},
		"long count":           {b: append([]byte{0x98, 24}, make([]byte, 24)...), n: 24, first: 2},
		"empty array":          {b: []byte{0x80}, n: 0, first: 1},
		"indefinite":           {b: []byte{0x9f, 0x01, 0xff}, wantErr: true},
		"not a container":      {b: []byte{0x01}, wantErr: true},
		"count past the input": {b: []byte{0x83, 0x01}, wantErr: true},
		"pairs past the input": {b: []byte{0xa2, 0x01, 0x02, 0x03}, wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			n, first, err := cborpath.Count(tc.b, cborpath.Range{Start: 0, End: len(tc.b)})
			if tc.wantErr {
				require.ErrorIs(t, err, cborpath.ErrMalformed)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.n, n)
			require.Equal(t, tc.first, first)
		})
	}
}
