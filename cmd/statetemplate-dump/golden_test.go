package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSubcommands_MatchGoldenOutput runs every subcommand on a fresh
// fixture file (fixed ids, fixed clock) in a temporary working directory,
// and compares stdout (and stderr where the case says so) with
// testdata/NAME.golden. Cases that change the file run the follow-up
// command in then.
func TestSubcommands_MatchGoldenOutput(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		code       int
		goldStderr bool     // compare stderr too (NAME.stderr.golden)
		then       []string // a command run afterwards, its stdout golden as NAME.then
	}{
		{name: "usage", args: []string{"--help"}},
		{name: "list_help", args: []string{"list", "--help"}},
		{name: "stats", args: []string{"stats", "sessions.db"}},
		{name: "stats_json", args: []string{"stats", "--json", "sessions.db"}},
		{name: "list", args: []string{"list", "sessions.db"}},
		{name: "list_json", args: []string{"list", "sessions.db", "--json"}},
		{name: "list_expired", args: []string{"list", "--expired", "sessions.db"}},
		{name: "list_type", args: []string{"list", "--type", "testCounter", "sessions.db"}},
		{name: "list_type_none", args: []string{"list", "--type", "Nothing", "--json", "sessions.db"}},
		{name: "list_limit", args: []string{"list", "--limit", "1", "sessions.db"}},
		{name: "show_prefix", args: []string{"show", "sessions.db", "0a0a"}},
		{name: "show_full_id", args: []string{"show", "sessions.db", idCounter}},
		{name: "show_redact", args: []string{"show", "--redact", "sessions.db", "0A0A0A0A"}},
		{name: "show_ambiguous", args: []string{"show", "sessions.db", "2c"}, code: exitUsage, goldStderr: true},
		{name: "show_no_match", args: []string{"show", "sessions.db", "ffff"}, code: exitFindings, goldStderr: true},
		{name: "check_expired_not_swept", args: []string{"check", "sessions.db"}, code: exitFindings},
		{name: "check_ok_with_grace", args: []string{"check", "--grace", "3h", "sessions.db"}},
		{name: "export", args: []string{"export", "sessions.db"}},
		{name: "export_live_redact", args: []string{"export", "--live", "--redact", "sessions.db"}},
		{name: "purge_dry_run", args: []string{"purge", "--expired", "--dry-run", "sessions.db"},
			then: []string{"list", "sessions.db"}},
		{name: "purge", args: []string{"purge", "--expired", "sessions.db"},
			then: []string{"list", "sessions.db"}},
		{name: "compact_out", args: []string{"compact", "-o", "new.db", "sessions.db"},
			then: []string{"list", "new.db"}},
		{name: "compact_in_place_drop_expired", args: []string{"compact", "--in-place", "--drop-expired", "sessions.db"},
			then: []string{"check", "--grace", "0", "sessions.db"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFixture(t, dir, "sessions.db", fixtureRecords(t))
			t.Chdir(dir)

			r := runTool(t, t0, tc.args...)
			require.Equal(t, tc.code, r.code, "exit code; stderr: %s", r.stderr)
			golden(t, tc.name, r.stdout)
			if tc.goldStderr {
				golden(t, tc.name+".stderr", r.stderr)
			} else {
				assert.Empty(t, r.stderr)
			}
			if tc.then != nil {
				r := runTool(t, t0, tc.then...)
				require.Equal(t, exitOK, r.code, "follow-up %v; stderr: %s", tc.then, r.stderr)
				golden(t, tc.name+".then", r.stdout)
			}
		})
	}
}

// TestUsageErrors_ExitTwoWithMessageOnStderr covers the argument errors
// every subcommand shares.
func TestUsageErrors_ExitTwoWithMessageOnStderr(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "sessions.db", fixtureRecords(t))
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("existing.db", nil, 0o600))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage: statetemplate-dump COMMAND"},
		{"unknown command", []string{"frobnicate", "sessions.db"}, `unknown command "frobnicate"`},
		{"missing file", []string{"list"}, "list: missing argument"},
		{"extra argument", []string{"stats", "sessions.db", "more"}, `stats: unexpected argument "more"`},
		{"unknown flag", []string{"list", "--nope", "sessions.db"}, "flag provided but not defined: -nope"},
		{"bad limit", []string{"list", "--limit", "-1", "sessions.db"}, "--limit must not be negative"},
		{"show without id", []string{"show", "sessions.db"}, "show: missing argument"},
		{"show bad id", []string{"show", "sessions.db", "xyz"}, `ID "xyz": want up to 32 hex digits`},
		{"purge without what", []string{"purge", "sessions.db"}, "say what to purge: --expired"},
		{"compact without target", []string{"compact", "sessions.db"}, "give either -o NEW or --in-place"},
		{"compact both targets", []string{"compact", "-o", "x.db", "--in-place", "sessions.db"}, "give either -o NEW or --in-place"},
		{"compact onto itself", []string{"compact", "-o", "./sessions.db", "sessions.db"}, "is FILE itself"},
		{"compact onto existing", []string{"compact", "-o", "existing.db", "sessions.db"}, "existing.db exists"},
		{"file does not exist", []string{"stats", "missing.db"}, "missing.db: no such file or directory"},
		{"not a regular file", []string{"list", "."}, "not a regular file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runTool(t, t0, tc.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
}

// TestHelp_EverySubcommandHasHelpOnStdout checks --help of each
// subcommand: usage on stdout, exit 0, the synopsis and exit codes shown.
func TestHelp_EverySubcommandHasHelpOnStdout(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
				r := runTool(t, t0, args...)
				assert.Equal(t, exitOK, r.code, "%v", args)
				assert.True(t, strings.HasPrefix(r.stdout, "usage: statetemplate-dump "+c.name+" "), "%v: %s", args, r.stdout)
				assert.Contains(t, r.stdout, exitCodesHelp)
				assert.Contains(t, r.stdout, "--help")
				assert.Empty(t, r.stderr)
			}
		})
	}
}
