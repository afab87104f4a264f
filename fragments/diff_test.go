package fragments

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiff_NilPrevReplacesBody(t *testing.T) {
	page := renderDash(t, fixture.NewDashboard(3))
	ups, st := mustDiff(t, nil, page)
	require.Len(t, ups, 1)
	assert.Equal(t, "", ups[0].FragmentID)
	assert.Equal(t, ActionReplace, ups[0].Action)
	assert.True(t, strings.HasPrefix(ups[0].HTML, "<body>"), ups[0].HTML[:20])
	assert.Equal(t, string(page[bytes.Index(page, []byte("<body")):]), ups[0].HTML,
		"the body runs to the end of the page: browsers put the whitespace after </body> into it")
	assert.Equal(t, HashHTML(ups[0].HTML), ups[0].HTMLHash)
	assert.Contains(t, st.IDs, "task-3")
	requireApplies(t, []byte("<html><body><p>old</p></body></html>"), page, ups)
}

func TestNewState_IsTheStateOfAFirstDiff(t *testing.T) {
	page := renderDash(t, fixture.NewDashboard(5))
	_, want := mustDiff(t, nil, page)
	got, err := NewState(page)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	_, err = NewState([]byte(`<body><i id="d"></i><b id="d"></b></body>`))
	assert.ErrorIs(t, err, ErrDuplicateFragmentID)
}

func TestDiff_IdenticalPageGivesNoUpdatesAndSameState(t *testing.T) {
	page := renderDash(t, fixture.NewDashboard(3))
	_, st := mustDiff(t, nil, page)
	ups, st2 := mustDiff(t, st, page)
	assert.Empty(t, ups, "even the data-cache=false panels are not re-sent")
	assert.Same(t, st, st2)
}

func TestDiff_DashboardBehaviours(t *testing.T) {
	halfDone := func(d *fixture.DashboardData) {
		for i := range d.Tasks {
			d.Tasks[i].Completed = i%2 == 0
		}
	}
	cases := []struct {
		name   string
		setup  func(d *fixture.DashboardData) // before the first render
		change func(d *fixture.DashboardData)
		want   []string // updates besides the data-cache=false panels
	}{
		{
			name:   "counter change re-sends only the no-cache panels",
			change: func(d *fixture.DashboardData) { d.Counter++ },
			want:   nil,
		},
		{
			name:   "statistic change replaces its card",
			change: func(d *fixture.DashboardData) { s := d.Statistics["orders"]; s.Value++; d.Statistics["orders"] = s },
			want:   []string{"replace stat-orders"},
		},
		{
			name: "task inserted replaces tasks-section, whose count heading has no id",
			change: func(d *fixture.DashboardData) {
				d.Tasks = append([]fixture.TaskInfo{fixture.NewTask("new", 4)}, d.Tasks...)
			},
			want: []string{"replace tasks-section"},
		},
		{
			name:   "task title change two levels down replaces only the task",
			change: func(d *fixture.DashboardData) { d.Tasks[2].Title = "Changed" },
			want:   []string{"replace task-3"},
		},
		{
			name:   "task removed replaces tasks-section, whose count heading has no id",
			change: func(d *fixture.DashboardData) { d.Tasks = append(d.Tasks[:4], d.Tasks[5:]...) },
			want:   []string{"replace tasks-section"},
		},
		{
			name:   "two tasks swapped are moved",
			change: func(d *fixture.DashboardData) { d.Tasks[1], d.Tasks[6] = d.Tasks[6], d.Tasks[1] },
			want:   []string{"remove task-2", "remove task-7", "insertAfter task-7>task-1", "insertAfter task-2>task-6"},
		},
		{
			name:   "filter change replaces tasks-section, whose button text has no id",
			setup:  halfDone,
			change: func(d *fixture.DashboardData) { d.ShowCompleted = false },
			want:   []string{"replace tasks-section"},
		},
		{
			name:   "user rename replaces the header",
			change: func(d *fixture.DashboardData) { d.User.Name = "Grace" },
			want:   []string{"replace header-section"},
		},
		{
			name:   "admin badge removed with its condition is a remove",
			change: func(d *fixture.DashboardData) { d.User.IsAdmin = false },
			want:   []string{"remove admin-badge"},
		},
		{
			name:   "notification count removed with its condition is a remove",
			change: func(d *fixture.DashboardData) { d.User.HasNotifications = false },
			want:   []string{"remove notification-count"},
		},
		{
			name:   "loading toggle changes an attribute of an id'd element",
			change: func(d *fixture.DashboardData) { d.IsLoading = true },
			want:   []string{"replace loading-overlay"},
		},
		{
			name: "in-place mutation of the rendered value is still seen",
			change: func(d *fixture.DashboardData) {
				d.Tasks[0].Completed = !d.Tasks[0].Completed
			},
			want: []string{"replace task-1"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := fixture.NewDashboard(10)
			if tc.setup != nil {
				tc.setup(d)
			}
			old := renderDash(t, d)
			_, st := mustDiff(t, nil, old)
			tc.change(d) // in place: Diff compares pages, never data
			page := renderDash(t, d)
			ups, _ := mustDiff(t, st, page)
			assert.Equal(t, tc.want, withoutNoCache(summary(ups)))
			requireApplies(t, old, page, ups)
		})
	}
}

// On fixture.TunedSource the task count and filter button have ids, so
// list changes are list operations.
func TestDiff_TunedDashboardListOperations(t *testing.T) {
	insertAt := func(i int) func(d *fixture.DashboardData) {
		return func(d *fixture.DashboardData) {
			d.Tasks = slices.Insert(d.Tasks, i, fixture.NewTask("new", 4))
		}
	}
	cases := []struct {
		name   string
		setup  func(d *fixture.DashboardData)
		change func(d *fixture.DashboardData)
		want   []string
	}{
		{name: "task inserted first goes before the old first", change: insertAt(0),
			want: []string{"replace task-count", "insertBefore task-new>task-1"}},
		{name: "task inserted in the middle goes after its previous sibling", change: insertAt(5),
			want: []string{"replace task-count", "insertAfter task-new>task-5"}},
		{name: "task inserted last is appended to the list", change: insertAt(10),
			want: []string{"replace task-count", "append task-list"}},
		{name: "task removed is removed",
			change: func(d *fixture.DashboardData) { d.Tasks = slices.Delete(d.Tasks, 3, 4) },
			want:   []string{"remove task-4", "replace task-count"}},
		{name: "two tasks swapped move the fewest rows",
			change: func(d *fixture.DashboardData) { d.Tasks[1], d.Tasks[6] = d.Tasks[6], d.Tasks[1] },
			want:   []string{"remove task-2", "remove task-7", "insertAfter task-7>task-1", "insertAfter task-2>task-6"}},
		{name: "filter hides half the list by removing rows",
			setup: func(d *fixture.DashboardData) {
				for i := range d.Tasks {
					d.Tasks[i].Completed = i%2 == 0
				}
			},
			// Each hidden task leaves its template whitespace behind, which
			// changes the lead of the task after it: re-sending five of
			// them weighs more than the list.
			change: func(d *fixture.DashboardData) { d.ShowCompleted = false },
			want:   []string{"replace filter-toggle", "replace task-list"}},
		{name: "every task shown again is inserted back",
			setup: func(d *fixture.DashboardData) {
				d.ShowCompleted = false
				for i := range d.Tasks {
					d.Tasks[i].Completed = i < 3
				}
			},
			change: func(d *fixture.DashboardData) { d.ShowCompleted = true },
			// The hidden tasks' whitespace was task-4's lead: it shrinks.
			want: []string{"replace filter-toggle", "replace task-4", "insertBefore task-3>task-4", "insertBefore task-2>task-3",
				"insertBefore task-1>task-2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := fixture.NewDashboard(10)
			if tc.setup != nil {
				tc.setup(d)
			}
			var a, b bytes.Buffer
			require.NoError(t, fixture.TunedTemplate().Execute(&a, d))
			tc.change(d)
			require.NoError(t, fixture.TunedTemplate().Execute(&b, d))
			_, st := mustDiff(t, nil, a.Bytes())
			ups, _ := mustDiff(t, st, b.Bytes())
			assert.Equal(t, tc.want, withoutNoCache(summary(ups)))
			requireApplies(t, a.Bytes(), b.Bytes(), ups)
		})
	}
}

func TestState_RoundTripsThroughCBORAndJSON(t *testing.T) {
	d := fixture.NewDashboard(20)
	old := renderDash(t, d)
	_, st := mustDiff(t, nil, old)
	d.Tasks[4].Title = "changed"
	page := renderDash(t, d)
	want, _ := mustDiff(t, st, page)

	c, err := cbor.Marshal(st)
	require.NoError(t, err)
	var fromCBOR State
	require.NoError(t, cbor.Unmarshal(c, &fromCBOR))
	j, err := json.Marshal(st)
	require.NoError(t, err)
	var fromJSON State
	require.NoError(t, json.Unmarshal(j, &fromJSON))

	for _, decoded := range []*State{&fromCBOR, &fromJSON} {
		assert.Equal(t, st, decoded)
		got, _ := mustDiff(t, decoded, page)
		assert.Equal(t, want, got)
	}
}

func TestDiff_SmallPages(t *testing.T) {
	runExact(t, []exactCase{
		{
			name: "change outside any id replaces the nearest id'd ancestor",
			old:  `<body><div id="a"><p>x</p><span>1</span></div></body>`,
			new:  `<body><div id="a"><p>x</p><span>2</span></div></body>`,
			want: []string{"replace a"},
		},
		{
			name: "change outside every id replaces the body",
			old:  `<body><p>1</p><div id="a">x</div></body>`,
			new:  `<body><p>2</p><div id="a">x</div></body>`,
			want: []string{"replace "},
		},
		{
			name: "nested change two levels down touches only the inner fragment",
			old:  `<body><div id="a"><div id="b"><i id="c">1</i></div></div></body>`,
			new:  `<body><div id="a"><div id="b"><i id="c">2</i></div></div></body>`,
			want: []string{"replace c"},
		},
		{
			name: "data-cache=false fragment is re-sent when anything changed",
			old:  `<body><div id="t" data-cache="false">same</div><div id="b">1</div></body>`,
			new:  `<body><div id="t" data-cache="false">same</div><div id="b">2</div></body>`,
			want: []string{"replace t", "replace b"},
		},
		{
			name: "child inserted in the middle goes after its previous sibling",
			old:  `<body><ul id="l"><li id="1">a</li><li id="3">c</li></ul></body>`,
			new:  `<body><ul id="l"><li id="1">a</li><li id="2">b</li><li id="3">c</li></ul></body>`,
			want: []string{"insertAfter 2>1"},
		},
		{
			name: "child inserted first goes before the old first",
			old:  `<body><ul id="l"><li id="2">b</li><li id="3">c</li></ul></body>`,
			new:  `<body><ul id="l"><li id="1">a</li><li id="2">b</li><li id="3">c</li></ul></body>`,
			want: []string{"insertBefore 1>2"},
		},
		{
			name: "child inserted last is appended",
			old:  `<body><ul id="l"> <li id="1">a</li> </ul></body>`,
			new:  `<body><ul id="l"> <li id="1">a</li> <li id="2">b</li> </ul></body>`,
			want: []string{"append l"},
		},
		{
			name: "child inserted last before trailing markup goes after its sibling",
			old:  `<body><div id="l"><i id="1">a</i><b>end</b></div></body>`,
			new:  `<body><div id="l"><i id="1">a</i><i id="2">b</i><b>end</b></div></body>`,
			want: []string{"insertAfter 2>1"},
		},
		{
			name: "first child of an empty list is appended",
			old:  `<body><ul id="l"></ul></body>`,
			new:  `<body><ul id="l"><li id="1">a</li></ul></body>`,
			want: []string{"append l"},
		},
		{
			name: "removed child is removed",
			old:  `<body><ul id="l"><li id="1">a</li><li id="2">b</li></ul></body>`,
			new:  `<body><ul id="l"><li id="1">a</li></ul></body>`,
			want: []string{"remove 2"},
		},
		{
			name: "reversed long list is one parent replace, fewer bytes than moves",
			old:  `<body><ul id="l"><li id="1">a</li><li id="2">b</li><li id="3">c</li><li id="4">d</li></ul></body>`,
			new:  `<body><ul id="l"><li id="4">d</li><li id="3">c</li><li id="2">b</li><li id="1">a</li></ul></body>`,
			want: []string{"replace l"},
		},
		{
			name: "fragment moved to another parent is removed then inserted",
			old:  `<body><div id="a"><p id="x">x</p><p id="y">y</p></div><div id="b"><p id="z">z</p></div></body>`,
			new:  `<body><div id="a"><p id="y">y</p></div><div id="b"><p id="z">z</p><p id="x">x</p></div></body>`,
			want: []string{"remove x", "append b"},
		},
		{
			name: "ids inside template content are not fragments",
			old:  `<body><div id="a"><template><p id="a">1</p></template></div></body>`,
			new:  `<body><div id="a"><template><p id="a">2</p></template></div></body>`,
			want: []string{"replace a"},
		},
		{
			name: "a closing tag inside a script string is not markup",
			old:  `<body><div id="a"><script>var s = "</div>";</script></div><p id="b">1</p></body>`,
			new:  `<body><div id="a"><script>var s = "</div>";</script></div><p id="b">2</p></body>`,
			want: []string{"replace b"},
		},
		{
			name: "void elements and unquoted attributes",
			old:  `<body><div id=a><input id=i value=1><br><img src=x></div></body>`,
			new:  `<body><div id=a><input id=i value=2><br><img src=x></div></body>`,
			want: []string{"replace i"},
		},
		{
			name: "a page without body tag is its own body",
			old:  `<div id="a">1</div><div id="b">1</div>`,
			new:  `<div id="a">1</div><div id="b">2</div>`,
			want: []string{"replace b"},
		},
		{
			name: "unclosed p makes the body opaque",
			old:  `<body><div id="a"><p>one<div id="b">1</div></div></body>`,
			new:  `<body><div id="a"><p>one<div id="b">2</div></div></body>`,
			want: []string{"replace "},
		},
		{
			name: "mismatched end tag makes the body opaque",
			old:  `<body><div id="a"><span><b>1</span></b></div></body>`,
			new:  `<body><div id="a"><span><b>2</span></b></div></body>`,
			want: []string{"replace "},
		},
	})
}

func TestDiff_DuplicateIDIsAnErrorNamingTheID(t *testing.T) {
	for _, page := range []string{
		`<body><div id="x"></div><p id="x"></p></body>`,
		`<html><head><meta id="m"></head><body><i id="m"></i></body></html>`,
	} {
		ups, st, err := Diff(nil, []byte(page))
		require.Error(t, err)
		assert.True(t, errors.Is(err, ErrDuplicateFragmentID))
		assert.Nil(t, ups)
		assert.Nil(t, st)
		assert.Regexp(t, `"[xm]"`, err.Error())
	}
}

func TestDiff_UnknownStateIsTreatedAsNil(t *testing.T) {
	page := []byte(`<body><div id="a">1</div></body>`)
	for name, st := range map[string]*State{
		"other format":   {Format: 9, IDs: []string{""}, Parents: []uint32{0}, Hashes: []uint64{1}, Anchors: []uint32{0}},
		"ragged":         {Format: stateFormat, IDs: []string{"", "a"}, Parents: []uint32{0}, Hashes: []uint64{1}, Anchors: []uint32{0}},
		"forward parent": {Format: stateFormat, IDs: []string{"", "a"}, Parents: []uint32{0, 1}, Hashes: []uint64{1, 2}, Anchors: []uint32{0, 0}},
		"empty":          {Format: stateFormat},
	} {
		t.Run(name, func(t *testing.T) {
			ups, _ := mustDiff(t, st, page)
			require.Equal(t, []string{"replace "}, summary(ups))
		})
	}
}

func TestDiff_DuplicateIDsInStoredStateReplaceTheBody(t *testing.T) {
	_, st := mustDiff(t, nil, []byte(`<body><ul id="l"><li id="a">1</li><li id="b">1</li></ul></body>`))
	bad := *st
	bad.IDs = []string{"", "l", "a", "a"}
	ups, _ := mustDiff(t, &bad, []byte(`<body><ul id="l"><li id="b">1</li><li id="a">1</li></ul></body>`))
	assert.Equal(t, []string{"replace "}, summary(ups))
}

// padded adds an unchanging fragment to a small page so that replacing the
// body costs more bytes than the fragment updates under test.
func padded(page string) string {
	pad := `<div id="pad">` + strings.Repeat("padding ", 100) + `</div>`
	if i := strings.Index(page, "</body>"); i >= 0 {
		return page[:i] + pad + page[i:]
	}
	return page + pad
}

func TestDiff_HostileInput(t *testing.T) {
	deep := func(leaf string) string {
		return `<body><p id="top">t</p>` + strings.Repeat("<div>", 10000) + `<p id="deep">` + leaf + `</p>` + strings.Repeat("</div>", 10000) + `</body>`
	}
	big := func(v string) string {
		return `<body><div id="big" title="` + strings.Repeat("a", 1<<20) + `">` + v + `</div>` + `<p id="other">` + strings.Repeat("o", 2<<20) + `</p></body>`
	}
	cases := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"nesting 10,000 deep is opaque: the body is replaced", deep("1"), deep("2"), []string{"replace "}},
		{"a 1 MB attribute is read whole", big("1"), big("2"), []string{"replace big"}},
		{"20,000 unmatched end tags under deep nesting are opaque",
			`<body>` + strings.Repeat("<div>", 20000) + strings.Repeat("</span>", 20000) + "1",
			`<body>` + strings.Repeat("<div>", 20000) + strings.Repeat("</span>", 20000) + "2",
			[]string{"replace "}},
		{"a page cut inside a tag ends before it", `<body><div id="a">1</div><div id="b">` + strings.Repeat("x", 300) + `</div><p`, `<body><div id="a">2</div><div id="b">` + strings.Repeat("x", 300) + `</div><p`, []string{"replace a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, st := mustDiff(t, nil, []byte(tc.old))
			ups, _ := mustDiff(t, st, []byte(tc.new))
			assert.Equal(t, tc.want, summary(ups))
		})
	}
}
