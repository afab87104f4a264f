package live

import (
	"html"
	"html/template"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

func TestServedPages_KeepAPageUntilItsConnectionTakesIt(t *testing.T) {
	s := servedPages{bases: basesBudget{limit: DefaultPageBasesBytes}}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	s.put("a", "<p>a</p>", now)
	s.put("b", "<p>b</p>", now)
	assert.Equal(t, "<p>a</p>", s.take("a", now.Add(time.Second)))
	assert.Equal(t, "", s.take("a", now.Add(time.Second)), "taken once")
	assert.Equal(t, "", s.take("b", now.Add(servedFor+time.Second)), "too late")
	assert.Zero(t, s.bytes)
}

func TestServedPages_StayWithinTheirBytes(t *testing.T) {
	s := servedPages{bases: basesBudget{limit: DefaultPageBasesBytes}}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	page := strings.Repeat("x", maxPageBytes)
	n := maxServedBytes/maxPageBytes + 3
	for i := range n {
		s.put(string(rune('A'+i)), page, now)
	}
	assert.LessOrEqual(t, s.bytes, maxServedBytes)
	assert.Equal(t, "", s.take("A", now), "the oldest went first")
	assert.Equal(t, page, s.take(string(rune('A'+n-1)), now), "the newest is kept")
	s.put("big", page+"x", now)
	assert.Equal(t, "", s.take("big", now), "a page over maxPageBytes is not kept")
}

func TestServePage_KeepsThePageAsTheBrowserGotIt(t *testing.T) {
	// A page without </head> or </body>: the client's script tag goes at
	// its end, inside the element left open, which the browser's DOM then
	// holds too.
	tmpl := template.Must(template.New("p").Parse(`<main id="main"><p id="n">{{.N}}</p>`))
	r, err := statetemplate.New(tmpl)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	app, err := New(r, func(*http.Request) (*struct{ N int }, error) { return &struct{ N int }{7}, nil })
	require.NoError(t, err)
	t.Cleanup(func() { app.Close() })

	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	m := regexp.MustCompile(`data-ref="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	require.NotNil(t, m, "the page has its tab reference")
	ref := html.UnescapeString(m[1])
	assert.Equal(t, rec.Body.String(), app.served.take(ref, time.Now()), "the page kept is the page served, script tag and all")
}

func TestServedPages_ForgetThePagesTakenWhileAnOlderOneWaits(t *testing.T) {
	s := servedPages{bases: basesBudget{limit: DefaultPageBasesBytes}}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	s.put("never-connects", "<p>x</p>", now)
	for i := range 10000 {
		ref := "tab-" + strconv.Itoa(i)
		s.put(ref, "<p>a</p>", now.Add(time.Second))
		assert.Equal(t, "<p>a</p>", s.take(ref, now.Add(time.Second)))
	}
	assert.LessOrEqual(t, len(s.order), 2*len(s.pages)+64, "the refs of pages taken are not held behind one that waits")
	assert.Equal(t, "<p>x</p>", s.take("never-connects", now.Add(time.Second)), "the page waiting is kept")
}
