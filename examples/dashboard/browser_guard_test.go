package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// chromeChildEnv marks the child process that looks for a browser it
// cannot have.
const chromeChildEnv = "DASHBOARD_CHROME_GUARD_CHILD"

func TestChild_NeedsChromium(t *testing.T) {
	if os.Getenv(chromeChildEnv) == "" {
		t.Skip("run by TestChromePath_MissingFailsUnderCIAndSkipsOtherwise as a child process")
	}
	chromePath(t)
	t.Log("reached past chromePath")
}

func TestChromePath_MissingFailsUnderCIAndSkipsOtherwise(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ci       string
		wantFail bool
		want     string
	}{
		{"CI=true fails", "true", true, "--- FAIL: TestChild_NeedsChromium"},
		{"without CI skips", "", false, "--- SKIP: TestChild_NeedsChromium"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir() // no chromium on PATH, and STATETEMPLATE_CHROME names nothing
			cmd := exec.Command(os.Args[0], "-test.run", "^TestChild_NeedsChromium$", "-test.v")
			cmd.Env = []string{chromeChildEnv + "=1", "CI=" + tc.ci, "PATH=" + dir,
				"STATETEMPLATE_CHROME=" + filepath.Join(dir, "chromium")}
			out, err := cmd.CombinedOutput()
			if tc.wantFail {
				require.Error(t, err, "%s", out)
			} else {
				require.NoError(t, err, "%s", out)
			}
			require.Contains(t, string(out), tc.want)
			require.Contains(t, string(out), "STATETEMPLATE_CHROME", "the message says how to provide the browser")
			require.NotContains(t, string(out), "reached past chromePath")
		})
	}
}
