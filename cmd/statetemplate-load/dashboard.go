package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/livefir/statetemplate/internal/fixture"
)

// The dashboard's actions, named as in the design's template script.
const (
	actIncrement = "increment_counter"
	actDecrement = "decrement_counter"
	actAddTask   = "add_task"
	actToggle    = "toggle_task"
	actDelete    = "delete_task"
)

// initialTasks is how many tasks a new load-test dashboard starts with.
const initialTasks = 5

// historyLen bounds the counter history, as a real app would.
const historyLen = 5

var errUnknownAction = errors.New("unknown action")

// actionMsg is the JSON an action arrives as: {"action": name, ...fields}.
type actionMsg struct {
	Action   string `json:"action"`
	Title    string `json:"title,omitempty"`
	Priority string `json:"priority,omitempty"`
	TaskID   string `json:"taskId,omitempty"`
}

// applyAction changes d as the dashboard's handler for a would.
func applyAction(d *fixture.DashboardData, a actionMsg, now time.Time) error {
	d.LastUpdateTime = now
	switch a.Action {
	case actIncrement:
		if d.Counter < d.MaxCounter {
			d.Counter++
			pushHistory(d, "increment", now)
		}
	case actDecrement:
		if d.Counter > 0 {
			d.Counter--
			pushHistory(d, "decrement", now)
		}
	case actAddTask:
		next := 1
		for _, t := range d.Tasks {
			if n, err := strconv.Atoi(t.ID); err == nil && n >= next {
				next = n + 1
			}
		}
		prio := a.Priority
		if prio == "" {
			prio = "medium"
		}
		d.Tasks = append(d.Tasks, fixture.TaskInfo{ID: strconv.Itoa(next), Title: a.Title, Priority: prio, CreatedAt: now})
	case actToggle:
		if i := taskIndex(d, a.TaskID); i >= 0 {
			d.Tasks[i].Completed = !d.Tasks[i].Completed
		}
	case actDelete:
		if i := taskIndex(d, a.TaskID); i >= 0 {
			d.Tasks = slices.Delete(d.Tasks, i, i+1)
		}
	default:
		return fmt.Errorf("%w %q", errUnknownAction, a.Action)
	}
	return nil
}

func pushHistory(d *fixture.DashboardData, action string, now time.Time) {
	d.CounterHistory = append(d.CounterHistory, fixture.CounterChange{Action: action, Value: d.Counter, Timestamp: now})
	if n := len(d.CounterHistory); n > historyLen {
		d.CounterHistory = slices.Delete(d.CounterHistory, 0, n-historyLen)
	}
}

func taskIndex(d *fixture.DashboardData, id string) int {
	return slices.IndexFunc(d.Tasks, func(t fixture.TaskInfo) bool { return t.ID == id })
}
