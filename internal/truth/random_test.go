package truth

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/livefir/statetemplate/internal/markup"
)

// The CI budget of random runs, and the seed they start from; set
// STATETEMPLATE_TRUTH_RUNS and STATETEMPLATE_TRUTH_SEED for longer or
// other runs.
const (
	ciRuns   = 40
	ciSeed   = 20261201
	maxFails = 3 // shrinking is slow: stop after this many divergences
)

// pageTemplates are the pages random bodies are put in: whitespace after
// </body> and </html>, no <body> tag, and a body attribute that changes
// every step (a body replace each time).
var pageTemplates = []string{
	bodyPage,
	"<!DOCTYPE html>\n<html>\n<head><title>t</title></head>\n<body>\n{{.Body}}\n</body>\n</html>\n",
	"<!DOCTYPE html><html><head><title>t</title></head>{{.Body}}",
	`<!DOCTYPE html><html><head><title>t</title></head><body class="b{{len .Body}}">{{.Body}}</body></html>`,
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

func TestTruth_RandomMarkup(t *testing.T) {
	runs := envInt(t, "STATETEMPLATE_TRUTH_RUNS", ciRuns)
	seed := envInt(t, "STATETEMPLATE_TRUTH_SEED", ciSeed)
	st := newStats()
	r := newRunner(t, st)
	fails := 0
	for i := range runs {
		g := markup.NewGen(uint64(seed + i))
		g.Odd = i%5 == 4 // one run in five writes markup browsers do not nest as written
		tmpl := pageTemplates[i%len(pageTemplates)]
		steps := g.Steps(6)
		name := fmt.Sprintf("random (seed %d)", seed+i)
		d := r.run(treeCase(name, tmpl, steps))
		if d == nil {
			continue
		}
		small, sd, checks := r.shrink(name, tmpl, steps, d)
		t.Errorf("%s diverges %s\n%s", name, d.String()[:min(len(d.String()), 200)], reproducer(tmpl, small, sd, checks))
		if fails++; fails == maxFails {
			break
		}
	}
	t.Logf("random markup: %d runs from seed %d; %s", runs, seed, st)
}
