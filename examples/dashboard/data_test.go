package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddTask_KeepsPriorityOrder(t *testing.T) {
	now := time.Unix(0, 0)
	tests := []struct {
		name     string
		priority string
		wantAt   int
	}{
		{"high goes after the other high ones", "high", 1},
		{"medium goes after the medium ones", "medium", 2},
		{"low goes last", "low", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDashboard("u", false, "tab", now)
			require.NoError(t, d.addTask("new", tc.priority, now))
			assert.Equal(t, "new", d.Tasks[tc.wantAt].Title)
			assert.Equal(t, "3", d.Tasks[tc.wantAt].ID)
			assert.Equal(t, 4, d.NextTaskID)
		})
	}
}

func TestAddTask_RejectsBadInput(t *testing.T) {
	d := newDashboard("u", false, "tab", time.Unix(0, 0))
	assert.Error(t, d.addTask("", "high", time.Unix(0, 0)))
	assert.Error(t, d.addTask("x", "urgent", time.Unix(0, 0)))
	assert.Len(t, d.Tasks, 2)
}

func TestAddTask_StopsAtTheTaskLimit(t *testing.T) {
	now := time.Unix(0, 0)
	d := newDashboard("u", false, "tab", now)
	for len(d.Tasks) < maxTasks {
		require.NoError(t, d.addTask("t", "low", now))
	}
	assert.Error(t, d.addTask("one too many", "low", now))
	assert.Len(t, d.Tasks, maxTasks)
}

func TestCount_KeepsTheLastFiveChanges(t *testing.T) {
	d := newDashboard("u", false, "tab", time.Unix(0, 0))
	for i := 1; i <= 7; i++ {
		d.count("increment", i, time.Unix(int64(i), 0))
	}
	require.Len(t, d.CounterHistory, historyLen)
	assert.Equal(t, 7, d.CounterHistory[0].Value, "newest first")
	assert.Equal(t, 3, d.CounterHistory[4].Value)
}

func TestTick_EndsSlowWork(t *testing.T) {
	now := time.Unix(100, 0)
	d := newDashboard("u", false, "tab", now)
	d.IsLoading, d.LoadingUntil = true, now.Add(time.Second)
	d.tick(now)
	assert.True(t, d.IsLoading)
	d.tick(now.Add(time.Second))
	assert.False(t, d.IsLoading)
	assert.Equal(t, 2, d.Ticks)
}

func TestNewTab_CapsAndRepairsTheUserName(t *testing.T) {
	for _, tc := range []struct {
		name, query, want string
	}{
		{"default", "/", "Ada Lovelace"},
		{"given", "/?user=Grace", "Grace"},
		{"invalid UTF-8 repaired", "/?user=%FF%FEx", "\uFFFDx"},
		{"long name capped", "/?user=" + strings.Repeat("é", 1000), strings.Repeat("é", maxUserName)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := newTab(httptest.NewRequest(http.MethodGet, tc.query, nil), time.Now())
			require.NoError(t, err)
			assert.Equal(t, tc.want, d.User.Name)
		})
	}
}

func TestFill_AddsTasksOfEveryPriorityUpToTheLimit(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	d := newDashboard("Ada", true, "tab-1", now)
	d.fill(50, now)
	require.Len(t, d.Tasks, 50)
	seen := map[string]int{}
	for i, task := range d.Tasks {
		seen[task.Priority]++
		if i > 0 {
			assert.LessOrEqual(t, priorityRank[d.Tasks[i-1].Priority], priorityRank[task.Priority], "kept in priority order")
		}
	}
	assert.Len(t, seen, 3)
	d.fill(maxTasks+10, now)
	assert.Len(t, d.Tasks, maxTasks, "no more than a dashboard holds")
	d.fill(2, now)
	assert.Len(t, d.Tasks, maxTasks, "never removes")
}
