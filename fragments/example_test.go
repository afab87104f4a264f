package fragments_test

import (
	"fmt"
	"strings"

	"github.com/livefir/statetemplate/fragments"
)

func ExampleDiff() {
	help := `<p id="help">` + strings.Repeat("Long help text. ", 20) + `</p>`
	first := []byte(`<body><h1 id="title">Tasks</h1>` + help + `<ul id="list">
  <li id="t1">Write code</li>
  <li id="t3">Ship</li>
</ul><p id="count">2 tasks</p></body>`)
	next := []byte(`<body><h1 id="title">Tasks</h1>` + help + `<ul id="list">
  <li id="t1">Write code</li>
  <li id="t2">Test it</li>
  <li id="t3">Ship</li>
</ul><p id="count">3 tasks</p></body>`)

	// The first render: the browser gets the whole page; keep the state.
	_, state, err := fragments.Diff(nil, first)
	if err != nil {
		panic(err)
	}
	// The next render: only what changed. (Were the updates to weigh
	// more than the body, the body would be replaced instead.) A new item
	// comes with its lead, the whitespace before it in the page.
	updates, _, err := fragments.Diff(state, next)
	if err != nil {
		panic(err)
	}
	for _, u := range updates {
		fmt.Printf("%s #%s target=%q html=%q\n", u.Action, u.FragmentID, u.TargetID, u.HTML)
	}
	// Output:
	// replace #count target="" html="<p id=\"count\">3 tasks</p>"
	// insertAfter #t2 target="t1" html="\n  <li id=\"t2\">Test it</li>"
}

func ExampleHashHTML() {
	fmt.Println(fragments.HashHTML(`<div id="counter">1</div>`))
	// Output: 4525d18d7c5e3a4d
}
