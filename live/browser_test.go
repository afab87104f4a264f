package live_test

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/browsertest"
	"github.com/livefir/statetemplate/live"
)

// shop is the data of the browser tests' app: one page per live feature.
type shop struct {
	Items   []string
	Query   string
	Tags    []string
	Sizes   []string
	Saved   string
	Files   string
	Charts  int
	Section string
}

// The app's templates: a page with a form, live inputs and hooks, and a
// second page to navigate to, which share the nav.
var shopSet = template.Must(template.New("main").Funcs(template.FuncMap{"seq": func(n int) []int { return make([]int, n) }}).Parse(`<!DOCTYPE html>
<html><head><title>Shop</title>
<script>
  window.hookLog = [];
  window.statetemplateHooks = { Chart: {
    mounted(el) { hookLog.push("mounted " + el.dataset.n) },
    updated(el) { hookLog.push("updated " + el.dataset.n) },
    removed(el) { hookLog.push("removed " + el.dataset.n) },
  } };
</script></head>
<body>
{{template "nav" .}}
<main id="main">
  <input id="q" name="q" data-change="filter" data-debounce="100">
  <ul id="items">{{range .Items}}{{if or (not $.Query) (eq . $.Query)}}<li id="item-{{.}}">{{.}}</li>{{end}}{{end}}</ul>
  <form id="f" data-action="save" data-reset data-charts="{{.Charts}}">
    <input id="title" name="title">
    <span id="title-error" data-error-for="title"></span>
    <label><input type="checkbox" name="tags" value="red">red</label>
    <label><input type="checkbox" name="tags" value="blue">blue</label>
    <select id="sizes" name="sizes" multiple><option>S</option><option>M</option><option>L</option></select>
    <button id="save">Save</button>
  </form>
  <form id="keep" data-action="save"><input id="keep-title" name="title"><button id="keep-save">Save</button></form>
  <form id="up" data-action="upload"><input id="file" type="file" name="doc"><button id="send">Send</button></form>
  <p id="saved">{{.Saved}}</p><p id="tags">{{range .Tags}}[{{.}}]{{end}}</p><p id="sizes-out">{{range .Sizes}}[{{.}}]{{end}}</p>
  <p id="files">{{.Files}}</p>
  <button id="slow" data-action="slow">slow</button>
  <button id="boom" data-action="boom">boom</button>
  <button id="more" data-action="chart">chart</button>
  <div id="charts">{{range $i, $_ := .Charts | seq}}<canvas id="chart-{{$i}}" data-hook="Chart" data-n="{{$i}}" data-v="{{$.Charts}}"></canvas>{{end}}</div>
  <button id="fewer" data-action="unchart">fewer</button>
</main>
<div data-st-flash="60000" id="flash"></div>
</body></html>
{{define "nav"}}<nav id="nav" data-nav><a id="to-main" href="/">main</a> <a id="to-about" href="/about/team">about</a></nav>{{end}}
{{define "about"}}<!DOCTYPE html><html><head><title>About {{.Section}}</title></head><body>{{template "nav" .}}<main id="main"><h1 id="about">About {{.Section}}</h1></main></body></html>{{end}}`))

type shopServer struct {
	*httptest.Server
	slow atomic.Int32
}

func newShop(t *testing.T) *shopServer {
	t.Helper()
	s := &shopServer{}
	s.Server, _ = serveApp(t, shopSet, func(*http.Request) (*shop, error) {
		return &shop{Items: []string{"apple", "pear", "plum"}, Charts: 1}, nil
	}, func(app *live.App[*shop]) { s.register(app) })
	return s
}

// register adds the app's pages and actions.
func (s *shopServer) register(app *live.App[*shop]) {
	app.Page("/{$}", "", nil)
	app.Page("/about/{section}", "about", func(_ context.Context, d *shop, p live.Params) error {
		d.Section = p.Path("section")
		return nil
	})
	app.Handle("filter", func(_ context.Context, d *shop, m live.Message) error {
		d.Query = m.String("value")
		return nil
	})
	app.Handle("save", func(ctx context.Context, d *shop, m live.Message) error {
		var in struct {
			Title string   `json:"title"`
			Tags  []string `json:"tags"`
			Sizes []string `json:"sizes"`
		}
		if err := m.Decode(&in); err != nil {
			return err
		}
		d.Saved = in.Title // then fail: this must not stay
		if in.Title == "" {
			return live.FieldErrors{"title": "Enter a title."}
		}
		d.Tags, d.Sizes = in.Tags, in.Sizes
		live.Flash(ctx, "success", "Saved "+in.Title+".")
		live.PushEvent(ctx, "saved", map[string]string{"title": in.Title})
		return nil
	})
	app.Handle("slow", func(context.Context, *shop, live.Message) error {
		s.slow.Add(1)
		time.Sleep(400 * time.Millisecond)
		return nil
	})
	app.Handle("boom", func(context.Context, *shop, live.Message) error {
		return errors.New("pq: password authentication failed for user admin")
	})
	app.Handle("chart", func(_ context.Context, d *shop, _ live.Message) error {
		d.Charts++
		return nil
	})
	app.Handle("unchart", func(_ context.Context, d *shop, _ live.Message) error {
		d.Charts--
		return nil
	})
	app.Handle("upload", func(_ context.Context, d *shop, m live.Message) error {
		for _, f := range m.Files("doc") {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			rc.Close()
			d.Files += fmt.Sprintf("%s %d %s;", f.Name, f.Size, f.ContentType)
		}
		return nil
	})
}

func openShop(t *testing.T) (*shopServer, *browsertest.Tab) {
	s := newShop(t)
	tab := browsertest.Start(t).NewTab(t)
	tab.Navigate(s.URL + "/")
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	tab.Exec(`window.errors = []; document.addEventListener("statetemplate:error", e => errors.push(e.detail))`)
	return s, tab
}

func text(tab *browsertest.Tab, sel string) string {
	return browsertest.Eval[string](tab, `document.querySelector("`+sel+`").textContent`)
}

func TestBrowser_LiveFilterNeedsNoScriptAndIsDebounced(t *testing.T) {
	_, tab := openShop(t)
	tab.Do(chromedp.SendKeys(chromedp.CSS("#q"), "pear"))
	tab.WaitFor(`document.querySelectorAll("#items li").length === 1`)
	assert.Equal(t, "pear", text(tab, "#items li"))
	var filters int
	for _, f := range tab.Sent() {
		if strings.Contains(string(f), `"filter"`) {
			filters++
		}
	}
	assert.Less(t, filters, 4, "typing four letters sends fewer than four actions: %d", filters)
}

func TestBrowser_FormKeepsInputOnErrorShowsFieldErrorsAndResetsOnSuccess(t *testing.T) {
	_, tab := openShop(t)
	tab.Exec(`document.querySelector("#save").click()`)
	tab.WaitFor(`document.querySelector("#title-error").textContent === "Enter a title."`)
	assert.Equal(t, "true", browsertest.Eval[string](tab, `document.querySelector("#title").getAttribute("aria-invalid")`))
	assert.Equal(t, "", text(tab, "#saved"), "a failed action changes nothing")

	tab.Exec(`document.querySelector("#more").click()`) // an update that morphs the form
	tab.WaitFor(`document.querySelector("#f").dataset.charts === "2"`)
	assert.Equal(t, "Enter a title.", text(tab, "#title-error"), "an unrelated update keeps the error shown")
	assert.Equal(t, "true", browsertest.Eval[string](tab, `document.querySelector("#title").getAttribute("aria-invalid")`))

	tab.Do(chromedp.SendKeys(chromedp.CSS("#title"), "x"))
	tab.WaitFor(`document.querySelector("#title-error").textContent === ""`)
	assert.Nil(t, browsertest.Eval[*string](tab, `document.querySelector("#title").getAttribute("aria-invalid")`), "editing the field clears its error")

	tab.Exec(`document.querySelector("#keep-title").value = "kept"; document.querySelector("#keep-save").click()`)
	tab.WaitFor(`document.querySelector("#saved").textContent === "kept"`)
	assert.Equal(t, "kept", browsertest.Eval[string](tab, `document.querySelector("#keep-title").value`), "a form without data-reset keeps its values")

	tab.Exec(`document.querySelector("[name=tags][value=red]").click();
		document.querySelector("[name=tags][value=blue]").click();
		for (const o of document.querySelector("#sizes").options) o.selected = o.value !== "M";
		document.querySelector("#title").value = "Hat"; document.querySelector("#save").click()`)
	tab.WaitFor(`document.querySelector("#saved").textContent === "Hat"`)
	assert.Equal(t, "[red][blue]", text(tab, "#tags"), "a checkbox group arrives as a list")
	assert.Equal(t, "[S][L]", text(tab, "#sizes-out"), "a multiple select arrives as a list")
	// The reply (its flash) is a message after the batch: the form resets
	// when it arrives, before the flash, which the extension shows.
	tab.WaitFor(`document.querySelector("#flash").textContent.includes("Saved Hat.")`)
	assert.Equal(t, "", browsertest.Eval[string](tab, `document.querySelector("#title").value`), "data-reset resets after success")
	assert.Equal(t, "success", browsertest.Eval[string](tab, `document.querySelector("#flash div").dataset.kind`))
}

func TestBrowser_LoadingStateBlocksADoubleSubmitAndShows(t *testing.T) {
	s, tab := openShop(t)
	tab.Exec(`window.seen = false; document.addEventListener("statetemplate:loading", e => { if (e.detail.loading) seen = document.querySelector("#slow").hasAttribute("data-st-loading") });
		document.querySelector("#slow").click()`)
	tab.WaitFor(`seen`)
	tab.WaitFor(`!document.querySelector("#slow").hasAttribute("data-st-loading")`)
	assert.EqualValues(t, 1, s.slow.Load())

	tab.Exec(`const f = document.querySelector("#keep"); document.querySelector("#keep-title").value = "once";
		f.requestSubmit(); f.requestSubmit(); f.requestSubmit()`)
	tab.WaitFor(`document.querySelector("#saved").textContent === "once" && !document.querySelector("#keep").hasAttribute("data-st-loading")`)
	saves := 0
	for _, f := range tab.Sent() {
		if strings.Contains(string(f), `"save"`) && strings.Contains(string(f), `"once"`) {
			saves++
		}
	}
	assert.Equal(t, 1, saves, "a form in flight is not submitted again")
}

func TestBrowser_AnInternalErrorReachesThePageAsAGenericMessage(t *testing.T) {
	_, tab := openShop(t)
	tab.Exec(`document.querySelector("#boom").click()`)
	tab.WaitFor(`errors.length === 1`)
	msg := browsertest.Eval[string](tab, `errors[0].message`)
	assert.NotContains(t, msg, "password")
	assert.Equal(t, "action_failed", browsertest.Eval[string](tab, `errors[0].error`))
}

func TestBrowser_HooksAreMountedUpdatedAndRemoved(t *testing.T) {
	_, tab := openShop(t)
	assert.Equal(t, []string{"mounted 0"}, browsertest.Eval[[]string](tab, `hookLog`))
	tab.Exec(`document.querySelector("#more").click()`)
	tab.WaitFor(`hookLog.includes("mounted 1")`)
	tab.WaitFor(`hookLog.includes("updated 0")`)
	tab.Exec(`document.querySelector("#fewer").click()`)
	tab.WaitFor(`hookLog.includes("removed 1")`)
}

func TestBrowser_ScriptSendsActionsAndReceivesEvents(t *testing.T) {
	_, tab := openShop(t)
	tab.Exec(`window.got = null; window.acked = 0; window.failed = null; statetemplate.on("saved", d => got = d.title);
		statetemplate.send("save", {title: "from script"}).then(r => window.acked = r.ack)`)
	tab.WaitFor(`got === "from script" && acked > 0`)
	tab.Exec(`statetemplate.send("save", {title: ""}).catch(e => window.failed = e.fields.title)`)
	tab.WaitFor(`failed === "Enter a title."`)
}

func TestBrowser_NavigationChangesPageURLAndTitleWithoutALoad(t *testing.T) {
	_, tab := openShop(t)
	tab.Exec(`window.samePage = true; document.querySelector("#to-about").click()`)
	tab.WaitFor(`document.querySelector("#about") && location.pathname === "/about/team"`)
	assert.Equal(t, "About team", text(tab, "#about"))
	assert.Equal(t, "About team", browsertest.Eval[string](tab, `document.title`))
	assert.True(t, browsertest.Eval[bool](tab, `window.samePage === true`), "no page load")

	tab.Do(chromedp.NavigateBack())
	tab.WaitFor(`location.pathname === "/" && document.querySelector("#items")`)
	assert.Equal(t, "Shop", browsertest.Eval[string](tab, `document.title`))
	assert.True(t, browsertest.Eval[bool](tab, `window.samePage === true`), "the back button navigates live too")
	tab.Do(chromedp.NavigateForward())
	tab.WaitFor(`location.pathname === "/about/team" && document.querySelector("#about")`)
}

func TestBrowser_UploadsReachTheActionWithProgress(t *testing.T) {
	_, tab := openShop(t)
	path := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("hello ", 1000)), 0o600))
	tab.Exec(`window.progress = 0; document.addEventListener("statetemplate:progress", e => progress = e.detail.loaded)`)
	tab.Do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path}))
	tab.Exec(`document.querySelector("#send").click()`)
	tab.WaitFor(`document.querySelector("#files").textContent !== ""`)
	assert.Equal(t, "notes.txt 6000 text/plain; charset=utf-8;", text(tab, "#files"))
	assert.Greater(t, browsertest.Eval[int](tab, `progress`), 0, "progress was reported")
}
