// Package browsertest runs the project's browser tests on one headless
// Chromium per test binary, driven through chromedp.
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		tab := browsertest.Start(t).NewTab(t)     // a new browser context: its own cookies
//		tab.Navigate(url)
//		tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
//		n := browsertest.Eval[int](tab, `document.querySelectorAll("li").length`)
//		snap := tab.Snapshot("body")               // canonical DOM, for require.Equal
//	}
//
// The browser is the binary named by STATETEMPLATE_CHROME, else "chromium"
// on PATH. When it is missing, Start calls integration.Missing: the test
// fails with CI=true and is skipped otherwise.
//
// A Tab records the WebSocket frames it sends and receives (Sent,
// Received) and, when its test fails, saves a screenshot and the page's
// HTML under STATETEMPLATE_ARTIFACTS (default: the system temp dir's
// statetemplate-e2e-artifacts), naming the files after the test.
//
// Snapshot serializes a subtree canonically, one node per line: node type,
// namespace, local name, attributes sorted by name, text with adjacent
// text nodes merged, <template> content, and the live state of form
// controls (.value, .checked, .selected) that markup does not show. Two
// trees with equal snapshots look and behave alike to a user, which is
// what "the page equals a fresh load" means in the tests.
//
// Every action has a deadline (15 s), so a hung page fails its test rather
// than the whole run. Tabs close when their test ends.
package browsertest
