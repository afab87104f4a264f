package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlags_MayFollowArgumentsAndDoubleDashEndsThem(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		pos      []string
		json     bool
		limit    int
		ok       bool
		exitCode int
	}{
		{"flags first", []string{"--json", "--limit", "3", "f.db"}, []string{"f.db"}, true, 3, true, 0},
		{"flags after the file", []string{"f.db", "--json", "-limit=3"}, []string{"f.db"}, true, 3, true, 0},
		{"flags around the file", []string{"--limit", "2", "f.db", "--json"}, []string{"f.db"}, true, 2, true, 0},
		{"double dash makes a flag-like name an argument", []string{"--json", "--", "--odd.db"}, []string{"--odd.db"}, true, 0, true, 0},
		{"too many arguments", []string{"a.db", "b.db"}, nil, false, 0, false, exitUsage},
		{"help", []string{"f.db", "--help"}, nil, false, 0, false, exitOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			a := &app{stdout: &out, stderr: &errOut, now: time.Now}
			f := newFlags(listCommand)
			asJSON := f.Bool("json", false, "")
			limit := f.Int("limit", 0, "")
			pos, code, ok := f.parse(a, tc.args, 1, 1)
			require.Equal(t, tc.ok, ok)
			if !ok {
				assert.Equal(t, tc.exitCode, code)
				return
			}
			assert.Equal(t, tc.pos, pos)
			assert.Equal(t, tc.json, *asJSON)
			assert.Equal(t, tc.limit, *limit)
		})
	}
}
