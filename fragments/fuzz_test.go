package fragments

import (
	"errors"
	"strings"
	"testing"
)

// malformedSeeds are the inputs the fuzz targets start from: unclosed
// tags, end tags inside script strings, deep nesting, huge attributes.
func malformedSeeds() []string {
	return []string{
		"",
		`<body><div id="a">unclosed<span id="b">x</body>`,
		`<body><div id="a"><script>var s = "</div>"; if (a<b) {}</script></div><p id="b">1</p></body>`,
		`<body><div id="a"><style>p > a { }</style><textarea id="t"></div></textarea></div></body>`,
		`<body><ul id="l"><li id="1">a<li id="2">b</ul><p>x<div id="d">y</div></body>`,
		`<body><table id="t"><tr id="r"><td>1</td></tr><div id="f">fostered</div></table></body>`,
		`<body><b id="b"><i id="i">x</b>y</i></body>`,
		`<body><div id=a class=x title=a>b</div><!-- <div id="c"> --><template><p id="a">t</p></template></body>`,
		`<body><svg id="s"><circle id="c"/><foreignObject><div id="d">x</div></foreignObject></svg></body>`,
		`<div id="a">no body</div></body>after<div id="z"></div>`,
		`<body><div id="x"></div><div id="x"></div></body>`,
		`<body><div id="a"` + strings.Repeat(" ", 100) + `>`,
		`<body>` + strings.Repeat(`<div id="d">`, 3) + `</body>`,
		`<body>` + strings.Repeat("<div>", 10000) + `<p id="deep">x</p>` + strings.Repeat("</div>", 10000) + `</body>`,
		`<body><div id="big" title="` + strings.Repeat("a", 1<<20) + `">x</div></body>`,
		`<body><plaintext><div id="a"></div>`,
		"<body><div id=\"a\">\x00\r\n<p id=\"b\">\r</p></div></body>",
	}
}

// FuzzExtract checks that any input gives a state or a duplicate-id error,
// never a panic, and that re-diffing the same page gives no updates.
func FuzzExtract(f *testing.F) {
	for _, s := range malformedSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, page []byte) {
		ups, st, err := Diff(nil, page)
		if err != nil {
			if !errors.Is(err, ErrDuplicateFragmentID) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !st.valid() || len(ups) != 1 || ups[0].FragmentID != "" || HashHTML(ups[0].HTML) != ups[0].HTMLHash {
			t.Fatalf("bad first render: %v %+v", summary(ups), st)
		}
		again, st2, err := Diff(st, page)
		if err != nil || len(again) != 0 || st2 != st {
			t.Fatalf("identical page: %v %v", summary(again), err)
		}
	})
}

// FuzzDiff diffs two arbitrary pages. The updates must be well formed,
// and when both pages are well-formed they must turn one into the other.
func FuzzDiff(f *testing.F) {
	seeds := malformedSeeds()
	for i := range seeds {
		if len(seeds[i]) > 4096 {
			continue // covered by FuzzExtract; keeps pairs small
		}
		f.Add([]byte(seeds[i]), []byte(seeds[(i+1)%len(seeds)]))
	}
	f.Add([]byte(`<body><ul id="l"><li id="1">a</li><li id="2">b</li></ul></body>`),
		[]byte(`<body><ul id="l"><li id="2">b</li><li id="3">c</li><li id="1">a</li></ul></body>`))
	f.Fuzz(func(t *testing.T, old, page []byte) {
		_, st, err := Diff(nil, old)
		if err != nil {
			return
		}
		ups, next, err := Diff(st, page)
		if err != nil {
			if !errors.Is(err, ErrDuplicateFragmentID) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !next.valid() {
			t.Fatalf("invalid state %+v", next)
		}
		for _, u := range ups {
			switch u.Action {
			case ActionReplace, ActionAppend, ActionInsertAfter, ActionInsertBefore, ActionText, ActionAttrs:
				if HashHTML(u.HTML) != u.HTMLHash {
					t.Fatalf("hash of %v", u)
				}
			case ActionRemove:
			default:
				t.Fatalf("action %q", u.Action)
			}
		}
		if wellFormed(old) && wellFormed(page) {
			requireApplies(t, old, page, ups)
		}
	})
}

func wellFormed(page []byte) bool {
	x, err := extract(page, 0)
	return err == nil && !x.opaque
}
