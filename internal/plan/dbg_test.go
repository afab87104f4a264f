package plan

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/session"
)

func TestDbgPerf(t *testing.T) {
	tmpl := dashboardTemplate()
	p, _ := Build(tmpl, Options{})
	d := fixture.NewDashboard(50)
	enc, _ := session.EncodeData(d)
	var page bytes.Buffer
	out, err := p.Render(Input{Data: d, Enc: enc, Page: &page})
	fmt.Println(err)
	for i := 0; i < 5; i++ {
		d.Counter++
		enc, _ := session.EncodeData(d)
		t0 := time.Now()
		memo := out.Memo
		out, err = p.Render(Input{Data: d, Enc: enc, Prev: out.State, Memo: memo})
		fmt.Println(time.Since(t0), err, out.Spliced, len(out.Updates), memo.Describes(out.State))
	}
}

func TestDbgMemo(t *testing.T) {
	tmpl := dashboardTemplate()
	p, _ := Build(tmpl, Options{})
	d := fixture.NewDashboard(3)
	enc, _ := session.EncodeData(d)
	var page bytes.Buffer
	out, _ := p.Render(Input{Data: d, Enc: enc, Page: &page})
	for i, n := range out.Memo.nodes {
		fmt.Printf("  %d unit=%d next=%d frag=%d keyed=%v replay=%v seen=%v nocache=%v\n", i, n.unit, n.next, n.frag, n.keyed(), n.flags&nodeReplay != 0, n.seen.Valid(), n.seen.NoCache())
	}
}

func TestDbgKey(t *testing.T) {
	tmpl := dashboardTemplate()
	p, _ := Build(tmpl, Options{})
	d := fixture.NewDashboard(3)
	enc, _ := session.EncodeData(d)
	r := &run{p: p, enc: enc, typeName: session.TypeName(d)}
	pf := r.pageFrame(d)
	u := p.units[14]
	fmt.Println(u.rs.reads)
	for _, rd := range u.rs.reads {
		l := r.resolve(pf.locs[rd.in], []string{rd.step})
		fmt.Println(rd, l.kind, l.typ, l.start, l.end, session.Shareable(l.typ))
	}
}

func TestDbgWhich(t *testing.T) {
	tmpl := dashboardTemplate()
	p, _ := Build(tmpl, Options{})
	d := fixture.NewDashboard(3)
	enc, _ := session.EncodeData(d)
	var page bytes.Buffer
	out, _ := p.Render(Input{Data: d, Enc: enc, Page: &page})
	d.Counter++
	enc, _ = session.EncodeData(d)
	r := &run{p: p, enc: enc, typeName: session.TypeName(d), prev: out.Memo}
	for i, n := range out.Memo.nodes {
		if n.unit < 0 || p.units[n.unit].kind != kindPart {
			continue
		}
		_ = i
	}
	for _, u := range p.units {
		if u.kind != kindPart || u.args[0].in != 0 {
			continue
		}
		pf := r.pageFrame(d)
		k, ok := r.key(u, pf.locs)
		fmt.Println(u.name, k, ok)
	}
	for i, n := range out.Memo.nodes {
		fmt.Printf("  %d unit=%d key=%d frag=%d spliceable=%v\n", i, n.unit, n.key, n.frag, n.spliceable())
	}
}
