package datapath

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/stretchr/testify/assert"
)

type node struct {
	Name string
	Next *node
}

type withHidden struct {
	Shown  int
	hidden int
}

func TestChanged(t *testing.T) {
	base := fixture.NewDashboard(6)
	mut := func(f func(d *fixture.DashboardData)) *fixture.DashboardData {
		d := base.Clone()
		f(d)
		return d
	}
	utc := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name       string
		prev, next any
		want       []string
	}{
		{"equal values give nothing", base, base.Clone(), nil},
		{"counter change", base, mut(func(d *fixture.DashboardData) { d.Counter++ }), []string{"Counter"}},
		{"nested field", base, mut(func(d *fixture.DashboardData) { d.User.Name = "G" }), []string{"User.Name"}},
		{"field of a slice element", base, mut(func(d *fixture.DashboardData) { d.Tasks[3].Completed = !d.Tasks[3].Completed }), []string{"Tasks.3.Completed"}},
		{"appended element is its index", base, mut(func(d *fixture.DashboardData) { d.Tasks = append(d.Tasks, fixture.NewTask("x", 1)) }), []string{"Tasks.6"}},
		{"removed last element is its index", base, mut(func(d *fixture.DashboardData) { d.Tasks = d.Tasks[:5] }), []string{"Tasks.5"}},
		{"inserted first element is the whole slice", base, mut(func(d *fixture.DashboardData) {
			d.Tasks = append([]fixture.TaskInfo{fixture.NewTask("x", 1)}, d.Tasks...)
		}), []string{"Tasks"}},
		{"map entry change is its key", base, mut(func(d *fixture.DashboardData) { s := d.Statistics["users"]; s.Value = 1; d.Statistics["users"] = s }), []string{"Statistics.users.Value"}},
		{"map entry added is its key", base, mut(func(d *fixture.DashboardData) { d.Statistics["new"] = fixture.StatisticInfo{} }), []string{"Statistics.new"}},
		{"pointer set to nil", base, mut(func(d *fixture.DashboardData) { d.Tasks[1].DueDate = nil }), []string{"Tasks.1.DueDate"}},
		{"pointee changed", base, mut(func(d *fixture.DashboardData) { *d.Tasks[1].DueDate = utc }), []string{"Tasks.1.DueDate"}},
		{"several changes in field order", base, mut(func(d *fixture.DashboardData) { d.IsLoading = true; d.Title = "T" }), []string{"Title", "IsLoading"}},
		{"nil and empty slice are equal", fixture.DashboardData{Tasks: nil}, fixture.DashboardData{Tasks: []fixture.TaskInfo{}}, nil},
		{"nil and empty map are equal", fixture.DashboardData{}, fixture.DashboardData{Statistics: map[string]fixture.StatisticInfo{}}, nil},
		{"same instant in another zone is equal", fixture.UserInfo{LastLogin: utc}, fixture.UserInfo{LastLogin: utc.In(time.FixedZone("x", 3600))}, nil},
		{"different types differ at the root", base, fixture.UserInfo{}, []string{""}},
		{"nil and value differ at the root", nil, base, []string{""}},
		{"changed scalar root", 1, 2, []string{""}},
		{"NaN equals NaN", math.NaN(), math.NaN(), nil},
		{"unexported fields are ignored", withHidden{1, 1}, withHidden{1, 2}, nil},
		{"interface map values", map[string]any{"a": 1, "b": "x"}, map[string]any{"a": 1, "b": "y", "c": nil}, []string{"b", "c"}},
		{"byte slices compare whole", struct{ B []byte }{[]byte("ab")}, struct{ B []byte }{[]byte("ac")}, []string{"B"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Changed(tc.prev, tc.next))
		})
	}
}

func TestChanged_SeesInPlaceMutationAgainstASnapshot(t *testing.T) {
	live := fixture.NewDashboard(4)
	snapshot := live.Clone()
	live.Tasks[2].Title = "edited in place"
	live.Counter = 9
	assert.Equal(t, []string{"Counter", "Tasks.2.Title"}, Changed(snapshot, live))
}

func TestChanged_CyclesTerminate(t *testing.T) {
	a := &node{Name: "a"}
	a.Next = a
	b := &node{Name: "a"}
	b.Next = b
	assert.Empty(t, Changed(a, b))
	b.Name = "b"
	assert.Equal(t, []string{"Name"}, Changed(a, b))
}

func TestChanged_DepthIsBounded(t *testing.T) {
	build := func(last string) *node {
		n := &node{Name: last}
		for i := 0; i < 10_000; i++ {
			n = &node{Name: "x", Next: n}
		}
		return n
	}
	got := Changed(build("a"), build("b"))
	assert.Len(t, got, 1)
	assert.Less(t, len(got[0]), 5*(MaxDepth+2), "reported where the depth bound was reached")
}

func TestChanged_ManyPathsAreSummarizedByTopLevelField(t *testing.T) {
	a, b := fixture.NewDashboard(100), fixture.NewDashboard(100)
	for i := range b.Tasks {
		b.Tasks[i].Title = fmt.Sprint(i)
	}
	b.Counter++
	assert.Equal(t, []string{"Counter", "Tasks"}, Changed(a, b))
}

func BenchmarkChanged_Dashboard50CounterChange(b *testing.B) {
	prev := fixture.NewDashboard(50)
	next := prev.Clone()
	next.Counter++
	for b.Loop() {
		Changed(prev, next)
	}
}
