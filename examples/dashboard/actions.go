package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/livefir/statetemplate/live"
)

// action is an app handler that also gets the clock.
type action func(d *DashboardData, m live.Message, now time.Time) error

// actions are the dashboard's handlers, by the names its buttons send.
var actions = map[string]action{
	"increment_counter": func(d *DashboardData, _ live.Message, now time.Time) error {
		if d.Counter >= d.MaxCounter {
			return fmt.Errorf("the counter is at its maximum, %d", d.MaxCounter)
		}
		d.count("increment", d.Counter+1, now)
		return nil
	},
	"decrement_counter": func(d *DashboardData, _ live.Message, now time.Time) error {
		if d.Counter <= 0 {
			return fmt.Errorf("the counter is at its minimum, 0")
		}
		d.count("decrement", d.Counter-1, now)
		return nil
	},
	"reset_counter": func(d *DashboardData, _ live.Message, now time.Time) error {
		d.count("reset", 0, now)
		return nil
	},
	"add_task": func(d *DashboardData, m live.Message, now time.Time) error {
		return d.addTask(m.String("title"), m.String("priority"), now)
	},
	"toggle_task": func(d *DashboardData, m live.Message, _ time.Time) error {
		i, err := d.task(m.String("taskId"))
		if err != nil {
			return err
		}
		d.Tasks[i].Completed = !d.Tasks[i].Completed
		return nil
	},
	"delete_task": func(d *DashboardData, m live.Message, _ time.Time) error {
		i, err := d.task(m.String("taskId"))
		if err != nil {
			return err
		}
		d.Tasks = slices.Delete(d.Tasks, i, i+1)
		return nil
	},
	"toggle_show_completed": func(d *DashboardData, _ live.Message, _ time.Time) error {
		d.ShowCompleted = !d.ShowCompleted
		return nil
	},
	"dismiss_notification": func(d *DashboardData, m live.Message, _ time.Time) error {
		id := m.String("notificationId")
		i := slices.IndexFunc(d.Notifications, func(n NotificationInfo) bool { return n.ID == id })
		if i < 0 {
			return fmt.Errorf("no notification %q", id)
		}
		d.Notifications = slices.Delete(d.Notifications, i, i+1)
		d.recount()
		return nil
	},
	"slow_work": func(d *DashboardData, _ live.Message, now time.Time) error {
		d.IsLoading, d.LoadingMessage = true, "Crunching numbers…"
		d.LoadingUntil = now.Add(1500 * time.Millisecond)
		return nil
	},
}

// register adds every action to app, stamping the last update time.
func register(app *live.App[*DashboardData], now func() time.Time) {
	for name, fn := range actions {
		app.Handle(name, func(_ context.Context, d *DashboardData, m live.Message) error {
			t := now()
			if err := fn(d, m, t); err != nil {
				return err
			}
			d.LastUpdateTime = t
			return nil
		})
	}
}
