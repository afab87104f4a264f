package truth

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/browsertest"
)

// typingPage holds one control of each kind; .N sits in the form's own
// markup, so changing it replaces (morphs) the whole form: an update
// unrelated to the controls.
const typingPage = `<!DOCTYPE html><html><head><title>typing</title></head><body>
<form id="f">
  <span>{{.N}}</span>
  <input id="name" value="{{.Text}}">
  <input id="box" type="checkbox"{{if .On}} checked{{end}}>
  <textarea id="ta">{{.Text}}</textarea>
  <select id="sel">{{range .Items}}<option value="{{.Name}}"{{if .On}} selected{{end}}>{{.Name}}</option>{{end}}</select>
</form>
</body></html>`

// typing is a live page of typingPage in a tab of its own.
type typing struct {
	t    *testing.T
	site *site
	tab  *browsertest.Tab
	d    Data
	sent int
}

func newTyping(t *testing.T) *typing {
	d := Data{Text: "srv", Items: []Item{{Name: "a"}, {Name: "b"}}}
	s, err := newSite(t, Case{Name: "typing", Tmpl: typingPage, Steps: []Data{d}})
	require.NoError(t, err)
	t.Cleanup(s.close)
	tab := browsertest.Start(t).NewTab(t)
	tab.OnNewDocument(counter)
	tab.Navigate(s.URL + "/")
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	return &typing{t: t, site: s, tab: tab, d: d}
}

// push makes change to the data and waits until the page has applied the
// updates.
func (p *typing) push(change func(d *Data)) {
	p.t.Helper()
	change(&p.d)
	require.NoError(p.t, p.site.set(p.d))
	p.sent++
	p.tab.Exec(fmt.Sprintf("statetemplate.send(%q).catch(() => {})", barrier))
	p.tab.WaitFor(fmt.Sprintf("window.__pongs >= %d", p.sent))
}

func (p *typing) unrelated() { p.push(func(d *Data) { d.N++ }) }

func (p *typing) value(sel string) string {
	return browsertest.Eval[string](p.tab, fmt.Sprintf(`document.querySelector(%q).value`, sel))
}

func (p *typing) checked() bool {
	return browsertest.Eval[bool](p.tab, `document.querySelector("#box").checked`)
}

func (p *typing) typeInto(sel, keys string) {
	p.tab.Do(chromedp.Click(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), keys))
}

func (p *typing) blur() { p.tab.Exec(`document.activeElement.blur()`) }

func TestMorph_FocusedFieldKeepsValueAndCaret(t *testing.T) {
	for _, sel := range []string{"#name", "#ta"} {
		p := newTyping(t)
		p.typeInto(sel, "abc")
		p.tab.Exec(fmt.Sprintf(`document.querySelector(%q).setSelectionRange(2, 4)`, sel))

		p.unrelated()
		p.push(func(d *Data) { d.Text = "from the server" })

		assert.Equal(t, sel, "#"+browsertest.Eval[string](p.tab, `document.activeElement.id`), "%s keeps focus", sel)
		assert.Equal(t, "srvabc", p.value(sel), "%s keeps what was typed, even when the server's value changes", sel)
		assert.Equal(t, []int{2, 4}, browsertest.Eval[[]int](p.tab,
			fmt.Sprintf(`[document.querySelector(%q).selectionStart, document.querySelector(%q).selectionEnd]`, sel, sel)), "%s keeps its selection", sel)
	}
}

func TestMorph_EditedFieldSurvivesUnrelatedUpdatesAndTakesTheServersChanges(t *testing.T) {
	for _, sel := range []string{"#name", "#ta"} {
		p := newTyping(t)
		p.typeInto(sel, "abc")
		p.blur()

		p.unrelated()
		assert.Equal(t, "srvabc", p.value(sel), "%s: an unrelated update does not reset what the user typed", sel)

		p.push(func(d *Data) { d.Text = "new" })
		assert.Equal(t, "new", p.value(sel), "%s: a change of the server's value is applied", sel)
	}
}

func TestMorph_CheckboxKeepsTheUsersClickUntilTheServerChangesIt(t *testing.T) {
	p := newTyping(t)
	p.tab.Do(chromedp.Click(chromedp.CSS("#box")))
	require.True(t, p.checked())

	p.unrelated()
	assert.True(t, p.checked(), "an unrelated update keeps the user's click")

	p.push(func(d *Data) { d.On = true })
	p.push(func(d *Data) { d.On = false })
	assert.False(t, p.checked(), "the server's change of checked is applied")
}

func TestMorph_SelectKeepsTheUsersChoiceUntilTheServerChangesSelected(t *testing.T) {
	p := newTyping(t)
	p.tab.Exec(`var s = document.querySelector("#sel"); s.value = "b"; s.dispatchEvent(new Event("change"))`)

	p.unrelated()
	assert.Equal(t, "b", p.value("#sel"), "an unrelated update keeps the user's choice")

	p.push(func(d *Data) { d.Items = append([]Item{{Name: "first"}}, d.Items...) })
	assert.Equal(t, "b", p.value("#sel"), "a new option the server does not select keeps the user's choice")

	p.push(func(d *Data) { d.Items[0].On = true })
	assert.Equal(t, "first", p.value("#sel"), "the server's selected attribute is applied")
}

func TestMorph_UntouchedSelectFollowsItsMarkupLikeAFreshLoad(t *testing.T) {
	p := newTyping(t)
	require.Equal(t, "a", p.value("#sel"))
	p.push(func(d *Data) { d.Items = append([]Item{{Name: "first"}}, d.Items...) })
	assert.Equal(t, "first", p.value("#sel"), "with no selected option a fresh load shows the first")
}
