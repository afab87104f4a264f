package browsertest

import (
	"context"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// Popup runs the JavaScript statement js in tb's page — typically
// window.open(...) — and returns the tab it opens, in tb's browser context.
// A tab opened with an opener starts with a copy of tb's sessionStorage,
// as a tab the browser duplicates does.
func (tb *Tab) Popup(js string) *Tab {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, Timeout)
	defer cancel()
	ch := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return info.Type == "page" })
	tb.Exec(js)
	var id target.ID
	select {
	case id = <-ch:
	case <-ctx.Done():
		require.NoError(tb.t, ctx.Err(), "no tab opened")
	}
	pctx, pcancel := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(id))
	return open(tb.t, pctx, pcancel)
}
