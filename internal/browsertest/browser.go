package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/internal/integration"
)

// Browser is the test binary's headless Chromium.
type Browser struct {
	ctx context.Context // the first tab's context; every tab derives from it
}

var shared struct {
	once sync.Once
	b    *Browser
	err  error
	stop func()
}

// ChromePath returns the Chromium binary: STATETEMPLATE_CHROME, else
// "chromium" on PATH. When there is none it calls integration.Missing.
func ChromePath(t testing.TB) string {
	t.Helper()
	path := os.Getenv("STATETEMPLATE_CHROME")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	integration.Missing(t, "chromium not found: install it (apt-get install -y chromium) or set STATETEMPLATE_CHROME")
	return ""
}

// Start returns the shared browser, started on first use.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := ChromePath(t)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "statetemplate-chrome-")
		if err != nil {
			shared.err = err
			return
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1200, 1000),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.Flag("disable-background-timer-throttling", true),
			chromedp.Flag("disable-renderer-backgrounding", true),
			chromedp.Flag("disable-backgrounding-occluded-windows", true),
			chromedp.Flag("metrics-recording-only", true),
		)
		ctx, cancel := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil { // starts the browser
			cancel()
			cancelAlloc()
			os.RemoveAll(dir)
			shared.err = fmt.Errorf("starting chromium: %w", err)
			return
		}
		shared.b = &Browser{ctx: ctx}
		shared.stop = func() {
			cancel()
			cancelAlloc()
			os.RemoveAll(dir)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.b
}

// Stop ends the shared browser, if it was started. Main calls it.
func Stop() {
	if shared.stop != nil {
		shared.stop()
		shared.stop = nil
	}
}

// Main runs the tests, stops the browser and checks for leaked
// goroutines, then exits: use it as the package's TestMain.
func Main(m *testing.M, opts ...goleak.Option) {
	code := m.Run()
	Stop()
	if code == 0 {
		if err := goleak.Find(opts...); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
