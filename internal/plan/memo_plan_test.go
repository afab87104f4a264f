package plan

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
)

// TestRender_MemoOfAnotherPlanIsNotUsed gives a plan the memo another
// plan made of the same State, for a template of the same name and data of
// the same type (two Managers sharing a store): the memo's units, keys and
// re-sent HTML are the other template's, and the render must be Diff's of
// its own page all the same.
func TestRender_MemoOfAnotherPlanIsNotUsed(t *testing.T) {
	const one = `<body><main id="main"><p id="count">{{.Count}}</p>
<footer id="footer" data-cache="false">Clock: {{.Clock}}</footer></main></body>`
	for _, tc := range []struct {
		name, a, b string
	}{
		{"fewer parts", `<body><main id="main"><p id="count">{{.Count}}</p><p id="up">{{.Up}}</p><p id="tab">{{.Tab}}</p>
<p id="x">{{.Count}}{{.Tab}}</p><p id="y">{{.Up}}{{.Count}}</p>
<footer id="footer" data-cache="false">Clock: {{.Clock}}</footer></main></body>`, one},
		{"the footer's text differs", one, `<body><main id="main"><p id="count">{{.Count}}</p>
<footer id="footer" data-cache="false">Time: {{.Clock}}</footer></main></body>`},
		{"the parts are in another order", one, `<body><main id="main"><footer id="footer" data-cache="false">Clock: {{.Clock}}</footer>
<p id="count">{{.Count}}</p></main></body>`},
		{"more parts", one, `<body><main id="main"><p id="count">{{.Count}}</p><p id="up">{{.Up}}</p>
<footer id="footer" data-cache="false">Clock: {{.Clock}}</footer><p id="tab">{{.Tab}}</p></main></body>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pa, origA := buildFooter(t, tc.a)
			pb, origB := buildFooter(t, tc.b)
			shared := &countingCache{m: map[cache.Key]string{}}
			tab := &footerTab{d: &footerData{Clock: "10:00:00"}}
			renderTab(t, pa, origA, tab, shared, nil)
			for range 3 { // until a's memo keeps the footer's HTML
				tab.d.Count++
				renderTab(t, pa, origA, tab, shared, nil)
			}
			require.NotEmpty(t, tab.out.Memo.resent, "a's memo keeps the footer's HTML")
			// The browser has a's page; b renders its own for new data.
			tab.d.Count++
			full := execute(t, origB, tab.d)
			want, wantState, err := fragments.Diff(tab.ref, full)
			require.NoError(t, err)
			out, err := pb.Render(Input{Data: tab.d, Enc: encode(t, tab.d), EncKept: true, Prev: tab.out.State, Memo: tab.out.Memo,
				Cache: shared})
			require.NoError(t, err)
			require.Equal(t, want, out.Updates, "b's page, not a's")
			stateEqual(t, wantState, out.State)
		})
	}
}
