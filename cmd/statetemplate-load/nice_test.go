package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFlags_ServerNice(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    int
		wantErr string
	}{
		{"default shares the cores", nil, 0, ""},
		{"a child server first", []string{"-server-nice", "-10"}, -10, ""},
		{"a child server last", []string{"-server-nice", "19"}, 19, ""},
		{"below the range", []string{"-server-nice", "-21"}, 0, "want -20 to 19"},
		{"above the range", []string{"-server-nice", "20"}, 0, "want -20 to 19"},
		{"a server in this process", []string{"-server", "inproc", "-server-nice", "-5"}, 0, "server children"},
		{"a server at a URL", []string{"-url", "http://127.0.0.1:1", "-server-nice", "-5"}, 0, "server children"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseFlags(tt.args, io.Discard)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, errUsage)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.nice)
		})
	}
}

func TestChildArgs_CarryTheServersNiceToTheChild(t *testing.T) {
	parent, err := parseFlags([]string{"-app", "ticker", "-store", "bolt", "-server-nice", "-7"}, io.Discard)
	require.NoError(t, err)
	child, err := parseFlags(childArgs(parent.serverConfig(parent.plan()[0])), io.Discard)
	require.NoError(t, err)
	assert.True(t, child.serve)
	assert.Equal(t, -7, child.nice)

	parent.nice = 0
	assert.NotContains(t, childArgs(parent.serverConfig(parent.plan()[0])), "-server-nice", "a child at the default is not told")
}
