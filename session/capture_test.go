package session

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

type capNode struct {
	At   time.Time
	Next *capNode
}

type capDeep struct {
	Name  string
	Times []time.Time
	ByKey map[string]time.Time
	Keyed map[time.Time]int
	Fixed [2]time.Time
	Any   any
	Ptr   *time.Time
}

type capNoTime struct {
	A int
	B []string
	C map[string]*capNoTime
}

var (
	capT0  = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	capCDT = time.FixedZone("CDT", -5*3600)
	capPET = time.FixedZone("PET", -5*3600)
)

func TestCaptured_TimeIsCapturedOnlyInUTCOrLocalAtANonZeroOffset(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"UTC", capT0, true},
		{"zero time (nil location)", time.Time{}, true},
		{"fixed zone", capT0.In(capCDT), false},
		{"fixed zone at offset 0 named UTC", capT0.In(time.FixedZone("UTC", 0)), false},
		{"loaded location", capT0.In(ny), false},
		{"monotonic reading in UTC", time.Now().UTC(), true},
		{"monotonic reading stripped", time.Now().Round(0).UTC(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Captured(reflect.ValueOf(tt.at)))
		})
	}
}

func TestCaptured_LocalTimeIsCapturedOnlyAtANonZeroOffset(t *testing.T) {
	saved := time.Local
	t.Cleanup(func() { time.Local = saved })
	time.Local = time.FixedZone("EST", -5*3600)
	assert.True(t, Captured(reflect.ValueOf(capT0.In(time.Local))), "Local at -05:00: its encoding and Local decide the name")
	time.Local = time.FixedZone("GMT", 0)
	assert.False(t, Captured(reflect.ValueOf(capT0.In(time.Local))), "Local at offset 0 encodes as Z, as UTC does, and prints GMT")
	time.Local = time.FixedZone("UTC", 0)
	assert.True(t, Captured(reflect.ValueOf(capT0.In(time.Local))), "Local named UTC at offset 0 (a server's usual zone) prints as UTC does")
	assert.True(t, Captured(reflect.ValueOf(time.Now().In(time.Local))), "time.Now() there, with its monotonic reading")
}

func TestCaptured_FindsTimesWhereverTheTypeHoldsThem(t *testing.T) {
	cdt := capT0.In(capCDT)
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{"no times at all", &capNoTime{A: 1, B: []string{"x"}, C: map[string]*capNoTime{"a": {}}}, true},
		{"nil pointer", (*capDeep)(nil), true},
		{"all UTC", &capDeep{Times: []time.Time{capT0}, ByKey: map[string]time.Time{"a": capT0}, Keyed: map[time.Time]int{capT0: 1}, Any: capT0, Ptr: &capT0}, true},
		{"in a slice", &capDeep{Times: []time.Time{capT0, cdt}}, false},
		{"a map value", &capDeep{ByKey: map[string]time.Time{"a": cdt}}, false},
		{"a map key", &capDeep{Keyed: map[time.Time]int{cdt: 1}}, false},
		{"an array", &capDeep{Fixed: [2]time.Time{capT0, cdt}}, false},
		{"an interface", &capDeep{Any: []any{cdt}}, false},
		{"a pointer", &capDeep{Ptr: &cdt}, false},
		{"a struct value, not addressable", capDeep{Ptr: &cdt}, false},
		{"a recursive type, deep down", &capNode{At: capT0, Next: &capNode{At: capT0, Next: &capNode{At: cdt}}}, false},
		{"a recursive type, all UTC", &capNode{At: capT0, Next: &capNode{At: capT0}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Captured(reflect.ValueOf(tt.v)))
		})
	}
	assert.Nil(t, timeWalkOf(reflect.TypeFor[*capNoTime]()), "a type reaching no time has no walk")
	assert.True(t, Captured(reflect.Value{}))
}

func TestCaptured_ListDeeperThanTheCodecsLimitIsNotCaptured(t *testing.T) {
	var head *capNode
	for range maxNestedLevels + 2 {
		head = &capNode{At: capT0, Next: head}
	}
	assert.False(t, Captured(reflect.ValueOf(head)))
}

// TestCaptured_EqualEncodingsOfCapturedTimesFormatAlike is the rule's
// proof by example: of times drawn in UTC, Local and zones of equal
// offsets, two captured ones with equal encodings format alike in every
// layout a template might use.
func TestCaptured_EqualEncodingsOfCapturedTimesFormatAlike(t *testing.T) {
	zones := []*time.Location{time.UTC, time.Local, capCDT, capPET, time.FixedZone("GMT", 0), time.FixedZone("", 0)}
	draw := func(rt *rapid.T, l string) time.Time {
		at := capT0.Add(time.Duration(rapid.IntRange(0, 3).Draw(rt, l+"h")) * 5 * time.Hour)
		at = at.In(rapid.SampledFrom(zones).Draw(rt, l+"zone"))
		if rapid.Bool().Draw(rt, l+"mono") {
			at = time.Now().Add(at.Sub(time.Now())) // the same instant, with a monotonic reading
		}
		return at
	}
	rapid.Check(t, func(rt *rapid.T) {
		a, b := draw(rt, "a"), draw(rt, "b")
		ea, err := EncodeData(a)
		require.NoError(rt, err)
		eb, err := EncodeData(b)
		require.NoError(rt, err)
		if !bytes.Equal(ea, eb) || !Captured(reflect.ValueOf(a)) || !Captured(reflect.ValueOf(b)) {
			return
		}
		for _, layout := range []string{time.RFC1123, time.RFC3339Nano, "15:04 MST -0700"} {
			require.Equal(rt, a.Format(layout), b.Format(layout))
		}
		require.Equal(rt, a.Round(0).String(), b.Round(0).String())
	})
}

// BenchmarkCaptured times the check on the reference dashboard's data
// (500 tasks, UTC times): the walk a render of data not kept in lists
// costs.
func BenchmarkCaptured(b *testing.B) {
	type task struct {
		ID        int
		Due       *time.Time
		CreatedAt time.Time
	}
	d := &struct {
		At    time.Time
		Tasks []task
	}{At: capT0}
	for i := range 500 {
		due := capT0
		d.Tasks = append(d.Tasks, task{ID: i, Due: &due, CreatedAt: capT0})
	}
	v := reflect.ValueOf(d)
	b.ReportAllocs()
	for b.Loop() {
		if !Captured(v) {
			b.Fatal("UTC data not captured")
		}
	}
}
