package plan

import (
	"html/template"
	"strings"
	"testing"

	"github.com/livefir/statetemplate/fragments"
	"github.com/stretchr/testify/require"
)

// quote is a row of the ticker-like board below.
type quote struct{ S, P string }

type board struct{ Q []quote }

// boardTemplates are pages of id'd rows with whitespace between them,
// written after each row (as the ticker example writes them) or before it.
var boardTemplates = map[string]string{
	"whitespace after each row": "<!DOCTYPE html><html><body><table><tbody id=\"board\">\n      {{range .Q}}" +
		`<tr id="q-{{.S}}"><td>{{.S}}</td><td id="p-{{.S}}">{{.P}}</td></tr>` + "\n      {{end}}\n    </tbody></table></body></html>",
	"whitespace before each row": "<!DOCTYPE html><html><body><table><tbody id=\"board\">{{range .Q}}\n      " +
		`<tr id="q-{{.S}}"><td>{{.S}}</td><td id="p-{{.S}}">{{.P}}</td></tr>` + "{{end}}\n    </tbody></table></body></html>",
}

// TestRender_AdjacentRowsPatchedThenOneRowMatchesDiff changes the cells of
// some rows of a range per step: rows patched side by side in one step
// keep their leads, so a later step that changes one of them sends what
// Diff of the whole page sends (the cell, not the row without its lead).
func TestRender_AdjacentRowsPatchedThenOneRowMatchesDiff(t *testing.T) {
	steps := map[string][]string{ // the rows whose cell changes, per step
		"one row, then one row":                  {"B", "B", "B"},
		"two adjacent rows, then the second":     {"B", "AB", "B"},
		"two adjacent rows, then the first":      {"AB", "A"},
		"every row, then the last":               {"ABC", "C"},
		"rows apart, then one":                   {"AC", "C"},
		"two adjacent rows twice, then each one": {"AB", "AB", "B", "A"},
		"the last two rows, then the last":       {"BC", "C", "BC"},
	}
	for tname, src := range boardTemplates {
		for sname, changes := range steps {
			t.Run(tname+"/"+sname, func(t *testing.T) {
				tmpl := template.Must(template.New("page").Parse(src))
				orig := template.Must(template.New("page").Parse(src))
				p, err := Build(tmpl, Options{})
				require.NoError(t, err)
				d := &board{Q: []quote{{"A", "0"}, {"B", "0"}, {"C", "0"}}}
				first, err := p.Render(Input{Data: d, Enc: encode(t, d)})
				require.NoError(t, err)
				_, ref, err := fragments.Diff(nil, execute(t, orig, d))
				require.NoError(t, err)
				st, memo := first.State, first.Memo
				for i, rows := range changes {
					for k := range d.Q {
						if strings.Contains(rows, d.Q[k].S) {
							d.Q[k].P += "1"
						}
					}
					out, err := p.Render(Input{Data: d, Enc: encode(t, d), Prev: st, Memo: memo})
					require.NoError(t, err)
					require.Positive(t, out.Patched, "step %d (%s) is patched", i, rows)
					want, wantState, err := fragments.Diff(ref, execute(t, orig, d))
					require.NoError(t, err)
					require.Equal(t, want, out.Updates, "step %d (%s)", i, rows)
					stateEqual(t, wantState, out.State, "step %d (%s)", i, rows)
					st, memo, ref = out.State, out.Memo, wantState
				}
			})
		}
	}
}
