package session

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/internal/heaptest"
)

// memoInner and memoItem hold every kind of value a list element may
// hold and still have its encoding carried over.
type memoInner struct {
	At   time.Time
	Note string `cbor:"note,omitempty"`
}

type memoItem struct {
	ID     string
	N      int64
	U      uint16
	F      float64
	F32    float32
	OK     bool
	When   time.Time
	Due    *time.Time `json:"due,omitempty"`
	Inner  memoInner
	PInner *memoInner
	PP     **int
}

type memoRoot struct {
	Title string
	Items []memoItem `json:"items,omitempty"`
	Extra []memoItem `cbor:"extra"`
	Tags  map[string]int
	Count int
}

// encodeBoth encodes v through memo and through the codec, and requires
// the same bytes, and the verdict of Captured on the whole of v.
func encodeBoth(t require.TestingT, v any, memo *listMemo) *listMemo {
	var got bytes.Buffer
	got.WriteString("before") // encodings are appended
	memo, captured, err := encodeWithLists(&got, v, memo)
	require.NoError(t, err)
	require.Equal(t, Captured(reflect.ValueOf(v)), captured, "the kept lists' verdict is the whole walk's")
	want, err := EncodeData(v)
	require.NoError(t, err)
	require.Equal(t, want, got.Bytes()[len("before"):])
	memo.rebase(bytes.Clone(want))
	return memo
}

var memoZones = []*time.Location{time.UTC, time.Local, time.FixedZone("X", 3600), time.FixedZone("", -5*3600)}

func drawTime(t *rapid.T, label string) time.Time {
	switch rapid.IntRange(0, 5).Draw(t, label+"-kind") {
	case 0:
		return time.Time{}
	case 1:
		return time.Now() // with a monotonic reading
	}
	sec := rapid.Int64Range(-1e10, 1e10).Draw(t, label+"-sec")
	ns := rapid.Int64Range(0, 999999999).Draw(t, label+"-ns")
	return time.Unix(sec, ns).In(rapid.SampledFrom(memoZones).Draw(t, label+"-zone"))
}

func drawFloat(t *rapid.T, label string) float64 {
	return rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1.5, -2.25, math.NaN(), math.Inf(1), 1e300, 0.1}).Draw(t, label)
}

func drawItem(t *rapid.T) memoItem {
	it := memoItem{
		ID: rapid.StringN(0, 6, -1).Draw(t, "id"), N: rapid.Int64().Draw(t, "n"), U: rapid.Uint16().Draw(t, "u"),
		F: drawFloat(t, "f"), F32: float32(drawFloat(t, "f32")), OK: rapid.Bool().Draw(t, "ok"), When: drawTime(t, "when"),
		Inner: memoInner{At: drawTime(t, "at"), Note: rapid.SampledFrom([]string{"", "n"}).Draw(t, "note")},
	}
	if rapid.Bool().Draw(t, "due") {
		d := drawTime(t, "due")
		it.Due = &d
	}
	if rapid.Bool().Draw(t, "pinner") {
		it.PInner = &memoInner{Note: "p"}
	}
	if rapid.Bool().Draw(t, "pp") {
		n := rapid.Int().Draw(t, "ppn")
		p := &n
		it.PP = &p
	}
	return it
}

// changeItem changes one field of it in place, pointed-to values too.
func changeItem(t *rapid.T, it *memoItem) {
	switch rapid.IntRange(0, 11).Draw(t, "field") {
	case 0:
		it.ID += "x"
	case 1:
		it.N++
	case 2:
		it.F = drawFloat(t, "f") // 0 to -0 included
	case 3:
		it.OK = !it.OK
	case 4:
		it.When = drawTime(t, "when")
	case 5:
		if it.Due != nil {
			*it.Due = drawTime(t, "due") // in place: the pointer stays
		} else {
			d := drawTime(t, "due")
			it.Due = &d
		}
	case 6:
		it.Due = nil
	case 7:
		it.Inner.Note = rapid.SampledFrom([]string{"", "m", "n"}).Draw(t, "note")
	case 8:
		if it.PInner != nil {
			it.PInner.At = drawTime(t, "pat")
		}
	case 9:
		if it.PP != nil {
			**it.PP++
		}
	case 10:
		it.F32 = float32(drawFloat(t, "f32"))
	case 11:
		it.U++
	}
}

func drawList(t *rapid.T, label string) []memoItem {
	n := rapid.SampledFrom([]int{0, 1, 3, 50, 130}).Draw(t, label+"-len")
	l := make([]memoItem, n)
	proto := drawItem(t)
	for i := range l {
		l[i] = proto
		l[i].ID = string(rune('a' + i%26))
		if proto.Due != nil {
			d := *proto.Due
			l[i].Due = &d
		}
	}
	return l
}

func TestEncodeWithLists_EveryChangeEncodesAsTheCodecDoes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := &memoRoot{Title: "t", Items: drawList(t, "items"), Extra: drawList(t, "extra"), Tags: map[string]int{"a": 1}}
		memo := encodeBoth(t, r, nil)
		for range rapid.IntRange(1, 12).Draw(t, "steps") {
			list := &r.Items
			if rapid.Bool().Draw(t, "which") {
				list = &r.Extra
			}
			switch rapid.IntRange(0, 6).Draw(t, "op") {
			case 0, 1, 2:
				if len(*list) > 0 {
					changeItem(t, &(*list)[rapid.IntRange(0, len(*list)-1).Draw(t, "at")])
				}
			case 3:
				*list = append(*list, drawItem(t))
			case 4:
				if len(*list) > 0 {
					i := rapid.IntRange(0, len(*list)-1).Draw(t, "del")
					*list = slices.Delete(*list, i, i+1)
				}
			case 5:
				*list = drawList(t, "new")
			case 6:
				r.Count++
				r.Tags["b"] = r.Count
			}
			memo = encodeBoth(t, r, memo)
		}
	})
}

func TestEncodeWithLists_DashboardChangesEncodeAsTheCodecDoes(t *testing.T) {
	for _, tasks := range []int{1, 5, 50, 300} {
		d := fixture.NewDashboard(tasks)
		m := fixture.NewMutator(uint64(tasks))
		var memo *listMemo
		for step := range 300 {
			m.Apply(d, fixture.Mutations[step%len(fixture.Mutations)])
			if step%7 == 0 {
				for i := range d.Tasks {
					if d.Tasks[i].DueDate != nil {
						*d.Tasks[i].DueDate = d.Tasks[i].DueDate.Add(time.Hour) // in place
						break
					}
				}
			}
			memo = encodeBoth(t, d, memo)
			if len(d.Tasks) > 0 && len(d.Notifications) > 0 && len(d.CounterHistory) > 0 {
				require.NotNil(t, memo, "step %d: every list is kept, however short", step)
			}
		}
	}
}

func TestEncodeWithLists_KeepsNothingWhereItCannotCarryListsOver(t *testing.T) {
	type withMap struct{ Items []map[string]int }
	type withAny struct{ Items []struct{ V any } }
	type withSlice struct{ Items []struct{ V []int } }
	type embedded struct{ memoRoot }
	items := make([]memoItem, 3)
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"an empty list, which omitempty leaves out", &memoRoot{Items: items}},
		{"no list", &memoInner{Note: "x"}},
		{"elements that are maps", &withMap{Items: make([]map[string]int, 3)}},
		{"elements holding an interface", &withAny{Items: make([]struct{ V any }, 3)}},
		{"elements holding a slice", &withSlice{Items: make([]struct{ V []int }, 3)}},
		{"an embedded struct", &embedded{memoRoot{Items: items}}},
		{"a nil root", (*memoRoot)(nil)},
		{"a list", items},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Nil(t, encodeBoth(t, tc.v, nil))
		})
	}
}

func TestEncodeWithLists_RootByValueCarriesListsOver(t *testing.T) {
	r := memoRoot{Items: make([]memoItem, 3), Extra: make([]memoItem, 2)}
	memo := encodeBoth(t, r, nil)
	require.NotNil(t, memo)
	r.Items[2].N = 7
	assert.NotNil(t, encodeBoth(t, r, memo))
}

func TestEncodeWithLists_DataHoldingAMarkerIsEncodedWhole(t *testing.T) {
	rs := rootShapeOf(reflect.TypeFor[*memoRoot]())
	require.NotNil(t, rs)
	r := &memoRoot{Items: make([]memoItem, 3), Extra: make([]memoItem, 2), Title: string(rs.lists[0].mark)}
	assert.Nil(t, encodeBoth(t, r, nil), "a marker found twice: the proxy is not used")
	r.Title = ""
	assert.NotNil(t, encodeBoth(t, r, nil))
}

func TestEncodeWithLists_AnotherTypeStartsAfresh(t *testing.T) {
	memo := encodeBoth(t, &memoRoot{Items: make([]memoItem, 3), Extra: make([]memoItem, 2)}, nil)
	require.NotNil(t, memo)
	d := fixture.NewDashboard(3)
	assert.NotSame(t, memo, encodeBoth(t, d, memo))
}

func TestValueShape_FloatsCompareByTheirBits(t *testing.T) {
	s := shapeOf(reflect.TypeFor[memoItem]())
	require.NotNil(t, s)
	a, b := memoItem{F: 0}, memoItem{F: math.Copysign(0, -1)}
	assert.False(t, s.equal(ptrOf(&a), ptrOf(&b)), "0 and -0 encode apart")
	a.F, b.F = math.NaN(), math.NaN()
	assert.True(t, s.equal(ptrOf(&a), ptrOf(&b)), "a NaN of the same bits encodes alike")
}

func TestValueShape_CopyIsDeep(t *testing.T) {
	s := shapeOf(reflect.TypeFor[memoItem]())
	due := time.Unix(100, 0).UTC()
	src := memoItem{Due: &due}
	var dst memoItem
	s.copyTo(reflect.ValueOf(&dst).Elem(), reflect.ValueOf(&src).Elem())
	require.True(t, s.equal(ptrOf(&src), ptrOf(&dst)))
	*src.Due = due.Add(time.Second)
	assert.False(t, s.equal(ptrOf(&src), ptrOf(&dst)), "a change in place shows")
}

// TestValueShape_EqualBytesOutsidePointersStillComparePointees: values
// whose bytes outside their pointers are equal compare their pointees;
// bytes that differ fall back to comparing field by field, where an equal
// string at another address, or an equal time, is equal.
func TestValueShape_EqualBytesOutsidePointersStillComparePointees(t *testing.T) {
	s := shapeOf(reflect.TypeFor[memoItem]())
	require.NotNil(t, s)
	require.NotEmpty(t, s.segs)
	due, other := time.Unix(100, 0).UTC(), time.Unix(200, 0).UTC()
	name := "same"
	for _, tc := range []struct {
		name  string
		a, b  func() memoItem
		equal bool
	}{
		{"a copy", func() memoItem { return memoItem{ID: name, Due: &due} }, func() memoItem { d := due; return memoItem{ID: name, Due: &d} }, true},
		{"a pointee changed", func() memoItem { return memoItem{ID: name, Due: &due} }, func() memoItem { return memoItem{ID: name, Due: &other} }, false},
		{"one pointer nil", func() memoItem { return memoItem{ID: name, Due: &due} }, func() memoItem { return memoItem{ID: name} }, false},
		{"an equal string at another address", func() memoItem { return memoItem{ID: name} }, func() memoItem { return memoItem{ID: string([]byte(name))} }, true},
		{"another string", func() memoItem { return memoItem{ID: name} }, func() memoItem { return memoItem{ID: "other"} }, false},
		{"another number", func() memoItem { return memoItem{N: 1} }, func() memoItem { return memoItem{N: 2} }, false},
	} {
		a, b := tc.a(), tc.b()
		assert.Equal(t, tc.equal, s.equal(ptrOf(&a), ptrOf(&b)), tc.name)
		assert.Equal(t, tc.equal, s.equal(ptrOf(&b), ptrOf(&a)), tc.name+", the other way")
	}
}

func BenchmarkEncodeWithLists(b *testing.B) {
	for _, change := range []string{fixture.MutCounter, fixture.MutTaskToggle, fixture.MutTaskInsertMiddle} {
		for _, keep := range []bool{false, true} {
			name := change + "/tasks=500/codec"
			if keep {
				name = change + "/tasks=500/lists-kept"
			}
			b.Run(name, func(b *testing.B) {
				d := fixture.NewDashboard(500)
				m := fixture.NewMutator(1)
				var memo *listMemo
				var buf bytes.Buffer
				b.ReportAllocs()
				for b.Loop() {
					m.Apply(d, change)
					var err error
					memo, err = encodeAsTheSessionDoes(&buf, d, memo, keep)
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func ptrOf(it *memoItem) unsafe.Pointer { return unsafe.Pointer(it) }

// encodeAsTheSessionDoes encodes d into buf, emptied first, and copies out
// the snapshot as a session does: with its lists kept in memo when keep
// is set, through the codec alone otherwise. It returns the memo for the
// next call.
func encodeAsTheSessionDoes(buf *bytes.Buffer, d any, memo *listMemo, keep bool) (*listMemo, error) {
	buf.Reset()
	if !keep {
		err := encodeDataTo(buf, d)
		_ = bytes.Clone(buf.Bytes())
		return memo, err
	}
	memo, _, err := encodeWithLists(buf, d, memo)
	memo.rebase(bytes.Clone(buf.Bytes()))
	return memo, err
}

// BenchmarkEncodeWithLists_ClockPush is the encoding of the dashboard's
// once-a-second push (the update time and one statistic change, the
// lists do not): through the codec and with the lists kept.
func BenchmarkEncodeWithLists_ClockPush(b *testing.B) {
	for _, tasks := range []int{5, 50} {
		for _, keep := range []bool{false, true} {
			name := fmt.Sprintf("tasks=%d/codec", tasks)
			if keep {
				name = fmt.Sprintf("tasks=%d/lists-kept", tasks)
			}
			b.Run(name, func(b *testing.B) {
				d := fixture.NewDashboard(tasks)
				var memo *listMemo
				var buf bytes.Buffer
				b.ReportAllocs()
				for b.Loop() {
					d.LastUpdateTime = d.LastUpdateTime.Add(time.Second)
					u := d.Statistics["users"]
					u.Value++
					d.Statistics["users"] = u
					var err error
					memo, err = encodeAsTheSessionDoes(&buf, d, memo, keep)
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestEncodeWithLists_ShortListsCarryOverExactly changes a short kept
// list in the ways whose bytes or verdict a carried-over encoding could
// miss: every encoding is the codec's and Captured is the whole walk's.
func TestEncodeWithLists_ShortListsCarryOverExactly(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, tc := range []struct {
		name    string
		change  func(r *memoRoot)
		changes bool // the encoding changes
	}{
		{"a due time changed in place through its pointer", func(r *memoRoot) { *r.Items[1].Due = r.Items[1].Due.Add(time.Second) }, true},
		{"a pointed-to struct changed in place", func(r *memoRoot) { r.Items[0].PInner.Note = "y" }, true},
		{"a time moved to a zone at another offset, same instant", func(r *memoRoot) { r.Items[2].When = r.Items[2].When.In(time.FixedZone("X", 3600)) }, true},
		{"a time moved to an uncaptured zone at offset 0, same instant and bytes", func(r *memoRoot) { r.Extra[0].When = r.Extra[0].When.In(time.FixedZone("GMT", 0)) }, false},
		{"a field outside the lists", func(r *memoRoot) { r.Count++ }, true},
		{"nothing", func(*memoRoot) {}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			due := at.Add(time.Hour)
			r := &memoRoot{Title: "t", Tags: map[string]int{"a": 1},
				Items: []memoItem{{ID: "a", When: at, PInner: &memoInner{At: at, Note: "x"}}, {ID: "b", When: at, Due: &due}, {ID: "c", When: at}},
				Extra: []memoItem{{ID: "d", When: at}}}
			memo := encodeBoth(t, r, nil)
			require.NotNil(t, memo, "lists of one and three elements are kept")
			before, err := EncodeData(r)
			require.NoError(t, err)
			tc.change(r)
			memo = encodeBoth(t, r, memo)
			require.NotNil(t, memo)
			after, err := EncodeData(r)
			require.NoError(t, err)
			assert.Equal(t, tc.changes, !bytes.Equal(before, after))
			// And back: the copies follow the change.
			encodeBoth(t, r, memo)
		})
	}
}

// BenchmarkListMemoHeap reports the heap a session keeps while active for
// its lists' copies (B/session: the listMemo, beyond the data snapshot it
// points into) for the reference dashboard; packing an idle session drops
// it.
func BenchmarkListMemoHeap(b *testing.B) {
	for _, tasks := range []int{5, 50, 500} {
		b.Run(fmt.Sprintf("tasks=%d", tasks), func(b *testing.B) {
			const n = 1000
			for b.Loop() {
				datas, snaps := make([]*fixture.DashboardData, n), make([][]byte, n)
				for i := range datas {
					datas[i] = fixture.NewDashboard(tasks)
					var err error
					if snaps[i], err = EncodeData(datas[i]); err != nil {
						b.Fatal(err)
					}
				}
				memos := make([]*listMemo, n)
				base := heaptest.Live()
				for i, d := range datas {
					var buf bytes.Buffer
					var err error
					if memos[i], _, err = encodeWithLists(&buf, d, nil); err != nil || memos[i] == nil {
						b.Fatalf("memo %v, err %v", memos[i], err)
					}
					memos[i].rebase(snaps[i])
				}
				b.ReportMetric(float64(heaptest.Live()-base)/n, "B/session")
				runtime.KeepAlive(memos)
				runtime.KeepAlive(datas)
				runtime.KeepAlive(snaps)
			}
		})
	}
}

// TestEncodeWithLists_KeepsShortListsOnlyOfElementsHoldingATime: a list
// of elements holding no time is kept from minMemoList elements, one of
// elements holding a time (here or through a pointer) from one; every
// encoding is the codec's.
func TestEncodeWithLists_KeepsShortListsOnlyOfElementsHoldingATime(t *testing.T) {
	type plain struct {
		N int
		S string
	}
	type viaPtr struct{ Due *time.Time }
	type plainRoot struct{ Items []plain }
	type ptrRoot struct{ Items []viaPtr }
	for _, tc := range []struct {
		name string
		v    any
		kept bool
	}{
		{"3 elements holding no time", &plainRoot{Items: make([]plain, 3)}, false},
		{"minMemoList-1 elements holding no time", &plainRoot{Items: make([]plain, minMemoList-1)}, false},
		{"minMemoList elements holding no time", &plainRoot{Items: make([]plain, minMemoList)}, true},
		{"1 element holding a time", &memoRoot{Items: make([]memoItem, 1), Extra: make([]memoItem, 1)}, true},
		{"1 element holding a time through a pointer", &ptrRoot{Items: make([]viaPtr, 1)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			memo := encodeBoth(t, tc.v, nil)
			assert.Equal(t, tc.kept, memo != nil)
			encodeBoth(t, tc.v, memo) // and again, through what was kept
		})
	}
}
