package statetemplate_test

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate"
)

// zoned is data whose times print their zone's name, which the encoding
// does not keep.
type zoned struct {
	Seq  int
	At   time.Time
	Rows []zonedRow
}

type zonedRow struct {
	ID int
	At time.Time
}

// zonedTemplate parses the page anew: a renderer needs a template no one
// has executed.
func zonedTemplate() *template.Template {
	return template.Must(template.New("zoned").Parse(zonedSrc))
}

const zonedSrc = `<!DOCTYPE html><html><head><title>z</title></head><body>
<p id="at">{{.Seq}} {{.At.Format "15:04 MST"}}</p>
<ul id="rows">{{range .Rows}}<li id="row-{{.ID}}">{{.At.Format "15:04 MST -0700"}}</li>{{end}}</ul>
</body></html>`

var (
	zoneCDT = time.FixedZone("CDT", -5*3600)
	zonePET = time.FixedZone("PET", -5*3600)
	zoneT0  = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
)

// renderZoned renders d on s and returns the updates' HTML.
func renderZoned(t *testing.T, s *statetemplate.Session, d *zoned) string {
	t.Helper()
	ups, err := s.RenderFragments(context.Background(), d)
	require.NoError(t, err)
	return updatesHTML(ups)
}

// openZoned creates a session of r holding d, renders its page and opens
// it; it returns the page too.
func openZoned(t *testing.T, r *statetemplate.Renderer, d *zoned) (*statetemplate.Session, string) {
	t.Helper()
	tok, err := r.CreateSession(context.Background(), d)
	require.NoError(t, err)
	page, err := r.RenderPage(tok)
	require.NoError(t, err)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, page
}

// TestZone_PartCacheDoesNotHandOneSessionsZoneNameToAnother is the
// reviewer's repro: two sessions whose times differ only in the zone's
// name render the same change; the second must print its own zone.
func TestZone_PartCacheDoesNotHandOneSessionsZoneNameToAnother(t *testing.T) {
	r := newRendererOf(t, zonedTemplate(), statetemplate.WithFragmentCache(1<<20))
	s1, _ := openZoned(t, r, &zoned{At: zoneT0.In(zoneCDT)})
	s2, page2 := openZoned(t, r, &zoned{At: zoneT0.In(zonePET)})
	require.Contains(t, page2, "0 07:00 PET")

	assert.Contains(t, renderZoned(t, s1, &zoned{Seq: 1, At: zoneT0.Add(time.Minute).In(zoneCDT)}), "1 07:01 CDT")
	got := renderZoned(t, s2, &zoned{Seq: 1, At: zoneT0.Add(time.Minute).In(zonePET)})
	assert.Contains(t, got, "1 07:01 PET")
	assert.NotContains(t, got, "CDT")
}

// TestZone_RenderCacheDoesNotShareAPageAcrossZoneNames renders the first
// page of two sessions whose data differs only in a zone's name with the
// whole-page render cache on.
func TestZone_RenderCacheDoesNotShareAPageAcrossZoneNames(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts []statetemplate.Option
	}{
		{"incremental", []statetemplate.Option{statetemplate.WithRenderCache(1 << 20), statetemplate.WithFragmentCache(0)}},
		{"full", []statetemplate.Option{statetemplate.WithRenderCache(1 << 20), statetemplate.WithFragmentCache(0), statetemplate.WithFullRendering()}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			r := newRendererOf(t, zonedTemplate(), mode.opts...)
			_, page1 := openZoned(t, r, &zoned{At: zoneT0.In(zoneCDT)})
			_, page2 := openZoned(t, r, &zoned{At: zoneT0.In(zonePET)})
			assert.Contains(t, page1, "07:00 CDT")
			assert.Contains(t, page2, "07:00 PET")
			assert.NotContains(t, page2, "CDT")
		})
	}
}

// TestZone_SharedTransitionIsNotTakenAcrossZoneNames puts two sessions on
// the same page (UTC data, captured) and moves both to the same instant,
// one in CDT and one in PET: the second must not take the first's
// transition.
func TestZone_SharedTransitionIsNotTakenAcrossZoneNames(t *testing.T) {
	r := newRendererOf(t, zonedTemplate(), statetemplate.WithFragmentCache(1<<20))
	start := &zoned{At: zoneT0, Rows: []zonedRow{{ID: 1, At: zoneT0}}}
	s1, page1 := openZoned(t, r, start)
	s2, page2 := openZoned(t, r, &zoned{At: zoneT0, Rows: []zonedRow{{ID: 1, At: zoneT0}}})
	require.Equal(t, page1, page2, "captured data shares its page")

	next := func(seq int, z *time.Location) *zoned {
		at := zoneT0.Add(time.Duration(seq) * time.Minute).In(z)
		return &zoned{Seq: seq, At: at, Rows: []zonedRow{{ID: 1, At: at}}}
	}
	// Both sessions keep a memo of their page: the next renders may share.
	assert.Contains(t, renderZoned(t, s1, next(1, time.UTC)), "12:01 UTC")
	assert.Contains(t, renderZoned(t, s2, next(1, time.UTC)), "12:01 UTC")
	assert.Contains(t, renderZoned(t, s1, next(2, zoneCDT)), "07:02 CDT")
	got := renderZoned(t, s2, next(2, zonePET))
	assert.Contains(t, got, "07:02 PET")
	assert.NotContains(t, got, "CDT")
}

// TestZone_ChangeOfZoneNameAloneIsNotANoOp moves a session's time to
// another zone of the same offset: the encoding is the same, the page is
// not.
func TestZone_ChangeOfZoneNameAloneIsNotANoOp(t *testing.T) {
	for _, mode := range renderModes {
		t.Run(mode.name, func(t *testing.T) {
			r := newRendererOf(t, zonedTemplate(), mode.opts...)
			s, page := openZoned(t, r, &zoned{At: zoneT0.In(zoneCDT)})
			require.Contains(t, page, "07:00 CDT")
			ups, err := s.RenderFragments(context.Background(), &zoned{At: zoneT0.In(zonePET)})
			require.NoError(t, err)
			require.NotEmpty(t, ups)
			assert.False(t, ups[0].IsNoOp, "the zone's name changed")
			assert.Contains(t, updatesHTML(ups), "07:00 PET")
		})
	}
}

// TestZone_CapturedTimesStillShare checks that the fix keeps the sharing
// of data whose times are captured: a UTC time's change of nothing is a
// no-op, and two sessions of equal UTC data get one page.
func TestZone_CapturedTimesStillShare(t *testing.T) {
	r := newRendererOf(t, zonedTemplate(), statetemplate.WithFragmentCache(1<<20))
	s, _ := openZoned(t, r, &zoned{At: zoneT0})
	ups, err := s.RenderFragments(context.Background(), &zoned{At: zoneT0})
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.True(t, ups[0].IsNoOp, "equal captured data is a no-op")
}

// zoneLocations are the locations the property test draws: UTC, Local,
// and fixed zones that share offsets but not names.
var zoneLocations = []*time.Location{
	time.UTC, time.Local, zoneCDT, zonePET,
	time.FixedZone("GMT", 0), time.FixedZone("UTC", 0), time.FixedZone("", 0),
}

// TestProperty_SessionsWithZonedTimesGetTheirOwnPages renders random data
// whose times are in UTC, Local and fixed zones of equal offsets to
// several sessions of one renderer with every cache on, and to each one's
// twin in a renderer WithFullRendering without caches: every update batch
// and every page must be the twin's.
func TestProperty_SessionsWithZonedTimesGetTheirOwnPages(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		shared, err := statetemplate.New(zonedTemplate(), statetemplate.WithFragmentCache(1<<20), statetemplate.WithRenderCache(1<<20))
		require.NoError(rt, err)
		defer shared.Close()
		own, err := statetemplate.New(zonedTemplate(), statetemplate.WithFullRendering(), statetemplate.WithFragmentCache(0))
		require.NoError(rt, err)
		defer own.Close()

		draw := func(label string) *zoned {
			at := func(l string) time.Time {
				i := rapid.IntRange(0, 2).Draw(rt, l+"instant")
				loc := zoneLocations[rapid.IntRange(0, len(zoneLocations)-1).Draw(rt, l+"zone")]
				return zoneT0.Add(time.Duration(i) * time.Minute).In(loc)
			}
			d := &zoned{Seq: rapid.IntRange(0, 1).Draw(rt, label+"seq"), At: at(label)}
			n := []int{0, 2, 130}[rapid.IntRange(0, 2).Draw(rt, label+"rows")]
			base := at(label + "base")
			for i := range n {
				d.Rows = append(d.Rows, zonedRow{ID: i, At: base})
			}
			for range rapid.IntRange(0, min(n, 2)).Draw(rt, label+"changes") {
				d.Rows[rapid.IntRange(0, n-1).Draw(rt, label+"row")].At = at(label + "row")
			}
			return d
		}
		type twin struct {
			tokS, tokO string
			s, o       *statetemplate.Session
		}
		twins := make([]twin, rapid.IntRange(2, 4).Draw(rt, "sessions"))
		for i := range twins {
			d := draw(fmt.Sprint("start", i))
			tw := &twins[i]
			tw.tokS, err = shared.CreateSession(ctx, d)
			require.NoError(rt, err)
			tw.tokO, err = own.CreateSession(ctx, d)
			require.NoError(rt, err)
			pageS, err := shared.RenderPage(tw.tokS)
			require.NoError(rt, err)
			pageO, err := own.RenderPage(tw.tokO)
			require.NoError(rt, err)
			require.Equal(rt, pageO, pageS, "session %d's first page", i)
			tw.s, err = shared.GetSession(tw.tokS)
			require.NoError(rt, err)
			defer func() { _ = tw.s.Close() }()
			tw.o, err = own.GetSession(tw.tokO)
			require.NoError(rt, err)
			defer func() { _ = tw.o.Close() }()
		}
		for step := range rapid.IntRange(1, 10).Draw(rt, "steps") {
			tw := twins[rapid.IntRange(0, len(twins)-1).Draw(rt, "who")]
			d := draw(fmt.Sprint("step", step))
			upsO, err := tw.o.RenderFragments(ctx, d)
			require.NoError(rt, err)
			upsS, err := tw.s.RenderFragments(ctx, d)
			require.NoError(rt, err)
			requireSameUpdates(rt, upsO, upsS, func() string {
				var b strings.Builder
				require.NoError(rt, zonedTemplate().Execute(&b, d))
				return b.String()
			})
			pageS, err := shared.RenderPage(tw.tokS)
			require.NoError(rt, err)
			pageO, err := own.RenderPage(tw.tokO)
			require.NoError(rt, err)
			require.Equal(rt, pageO, pageS, "a reload")
		}
	})
}

// TestZone_ChangeOfZoneNameInOneRowOfAKeptListIsRendered changes only the
// zone's name of one row of a list long enough to be kept between
// updates (its unchanged elements' encodings carried over): the row is
// rendered again, with its new name.
func TestZone_ChangeOfZoneNameInOneRowOfAKeptListIsRendered(t *testing.T) {
	for _, mode := range renderModes {
		t.Run(mode.name, func(t *testing.T) {
			r := newRendererOf(t, zonedTemplate(), mode.opts...)
			rows := func(z *time.Location) *zoned {
				d := &zoned{At: zoneT0}
				for i := range 200 {
					d.Rows = append(d.Rows, zonedRow{ID: i, At: zoneT0.In(zoneCDT)})
				}
				d.Rows[150].At = zoneT0.In(z)
				return d
			}
			s, _ := openZoned(t, r, rows(zoneCDT))
			row150 := func(d *zoned) string {
				ups, err := s.RenderFragments(context.Background(), d)
				require.NoError(t, err)
				for _, u := range ups {
					if u.FragmentID == "row-150" {
						return u.HTML
					}
				}
				return ""
			}
			assert.Contains(t, row150(rows(time.UTC)), "12:00 UTC +0000")
			assert.Contains(t, row150(rows(zonePET)), "07:00 PET -0500")
			assert.Contains(t, row150(rows(zoneCDT)), "07:00 CDT -0500", "back to the first zone's name")
		})
	}
}
