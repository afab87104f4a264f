package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTuneClientGC_RaisesGOGCOnlyWhenTheServersRunElsewhere(t *testing.T) {
	tests := []struct {
		name   string
		server string
		gogc   string // the environment's GOGC
		want   int
	}{
		{"child servers", "child", "", clientGCPercent},
		{"a server in this process keeps the default runtime's", "inproc", "", 100},
		{"the environment's GOGC wins", "child", "100", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			prev := debug.SetGCPercent(100)
			defer debug.SetGCPercent(prev)
			tuneClientGC(&config{server: tt.server})
			assert.Equal(t, tt.want, debug.SetGCPercent(100))
		})
	}
}
