package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fixture"
)

func TestApplyAction(t *testing.T) {
	now := fixture.Clock.Add(time.Hour)
	tests := []struct {
		name  string
		setup func(d *fixture.DashboardData)
		a     actionMsg
		check func(t *testing.T, d *fixture.DashboardData)
	}{
		{"increment adds one and a history entry", nil, actionMsg{Action: actIncrement}, func(t *testing.T, d *fixture.DashboardData) {
			assert.Equal(t, 4, d.Counter)
			assert.Equal(t, fixture.CounterChange{Action: "increment", Value: 4, Timestamp: now}, d.CounterHistory[len(d.CounterHistory)-1])
		}},
		{"increment stops at the maximum", func(d *fixture.DashboardData) { d.Counter = d.MaxCounter }, actionMsg{Action: actIncrement}, func(t *testing.T, d *fixture.DashboardData) {
			assert.Equal(t, d.MaxCounter, d.Counter)
		}},
		{"decrement stops at zero", func(d *fixture.DashboardData) { d.Counter = 0 }, actionMsg{Action: actDecrement}, func(t *testing.T, d *fixture.DashboardData) {
			assert.Equal(t, 0, d.Counter)
		}},
		{"add appends a task with the next id", nil, actionMsg{Action: actAddTask, Title: "New"}, func(t *testing.T, d *fixture.DashboardData) {
			last := d.Tasks[len(d.Tasks)-1]
			assert.Equal(t, "6", last.ID)
			assert.Equal(t, "New", last.Title)
			assert.Equal(t, "medium", last.Priority)
		}},
		{"toggle flips completion", nil, actionMsg{Action: actToggle, TaskID: "1"}, func(t *testing.T, d *fixture.DashboardData) {
			assert.True(t, d.Tasks[0].Completed)
		}},
		{"delete removes the task", nil, actionMsg{Action: actDelete, TaskID: "2"}, func(t *testing.T, d *fixture.DashboardData) {
			assert.Equal(t, -1, taskIndex(d, "2"))
			assert.Len(t, d.Tasks, initialTasks-1)
		}},
		{"delete of a missing task changes nothing", nil, actionMsg{Action: actDelete, TaskID: "99"}, func(t *testing.T, d *fixture.DashboardData) {
			assert.Len(t, d.Tasks, initialTasks)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture.NewDashboard(initialTasks)
			if tt.setup != nil {
				tt.setup(d)
			}
			require.NoError(t, applyAction(d, tt.a, now))
			assert.Equal(t, now, d.LastUpdateTime)
			tt.check(t, d)
		})
	}
}

func TestApplyAction_HistoryKeepsTheLastFive(t *testing.T) {
	d := fixture.NewDashboard(0)
	d.Counter = 0
	for range 8 {
		require.NoError(t, applyAction(d, actionMsg{Action: actIncrement}, fixture.Clock))
	}
	require.Len(t, d.CounterHistory, historyLen)
	assert.Equal(t, 4, d.CounterHistory[0].Value)
	assert.Equal(t, 8, d.CounterHistory[historyLen-1].Value)
}

func TestApplyAction_UnknownActionIsAnError(t *testing.T) {
	err := applyAction(fixture.NewDashboard(1), actionMsg{Action: "launch_rockets"}, fixture.Clock)
	assert.ErrorIs(t, err, errUnknownAction)
}
