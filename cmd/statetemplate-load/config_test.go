package main

import (
	"errors"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFlags_RefusesTargetsOffThisMachine(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080/", true},
		{"http://127.9.9.9:8080/", true},
		{"http://localhost:8080/", true},
		{"http://LOCALHOST/", true},
		{"http://[::1]:8080/", true},
		{"https://127.0.0.1/", true},
		{"http://10.0.0.1:8080/", false},
		{"http://example.com/", false},
		{"http://localhost.example.com/", false},
		{"http://0.0.0.0:8080/", false},
		{"ftp://127.0.0.1/", false},
		{"127.0.0.1:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := parseFlags([]string{"-url", tt.url}, io.Discard)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.ErrorIs(t, err, errUsage)
			}
		})
	}
}

func TestParseFlags_KeepsRunsBounded(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"too many sessions", []string{"-sessions", "1000001"}},
		{"no sessions", []string{"-sessions", "0"}},
		{"more connections than sessions", []string{"-sessions", "10", "-conns", "11"}},
		{"too many connections", []string{"-sessions", "100000", "-conns", "50001"}},
		{"rate too high", []string{"-rate", "100001"}},
		{"connections with nothing to drive", []string{"-rate", "0"}},
		{"a rate that is not a number", []string{"-rate", "100,fast"}},
		{"too many rates", []string{"-rate", "1,2,3,4,5,6,7,8,9,10,11"}},
		{"duration too short", []string{"-duration", "500ms"}},
		{"duration too long", []string{"-duration", "31m"}},
		{"warmup too long", []string{"-warmup", "6m"}},
		{"negative timeout", []string{"-timeout", "-1s"}},
		{"unknown store", []string{"-store", "memory,postgres"}},
		{"unknown mode", []string{"-modes", "live,turbo"}},
		{"no mode", []string{"-modes", ","}},
		{"unknown server kind", []string{"-server", "docker"}},
		{"unknown progress", []string{"-progress", "fancy"}},
		{"stray argument", []string{"extra"}},
		{"child listening off loopback", []string{"-serve", "-listen", "0.0.0.0:8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, io.Discard)
			require.Error(t, err)
			assert.ErrorIs(t, err, errUsage)
		})
	}
}

func TestParseFlags_DefaultsAndStoreList(t *testing.T) {
	c, err := parseFlags([]string{"-store", "memory, bolt,redis", "-sessions", "100", "-conns", "10"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []string{"memory", "bolt", "redis"}, c.stores)
	assert.Equal(t, []string{modeLive, modeFullPage}, c.modes)
	assert.Positive(t, c.timeout, "a run always has a hard time limit")
	assert.Equal(t, []planned{
		{"memory", modeLive}, {"memory", modeFullPage},
		{"bolt", modeLive}, {"bolt", modeFullPage},
		{"redis", modeLive}, {"redis", modeFullPage},
	}, c.plan())
}

func TestParseFlags_RateListMeasuresEachRate(t *testing.T) {
	c, err := parseFlags([]string{"-rate", "250, 500,2000"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []float64{250, 500, 2000}, c.rates)
}

func TestParseFlags_URLRunsOnceWithoutBaseline(t *testing.T) {
	c, err := parseFlags([]string{"-url", "http://127.0.0.1:8080/"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []planned{{"remote", "remote"}}, c.plan())
}

func TestParseFlags_TimeoutCoversEveryRun(t *testing.T) {
	c, err := parseFlags([]string{"-store", "memory,bolt", "-duration", "60s", "-warmup", "5s"}, io.Discard)
	require.NoError(t, err)
	assert.Greater(t, c.timeout, 4*65*time.Second, "two stores, each with a baseline run")
}

func TestParseFlags_HelpIsNotAnError(t *testing.T) {
	_, err := parseFlags([]string{"-h"}, io.Discard)
	assert.True(t, errors.Is(err, flag.ErrHelp))
}
