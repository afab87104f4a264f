package main

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// DashboardData is one tab's state: everything the page shows lives here,
// so it survives a server restart with the session file. The types follow
// the design document's reference dashboard; SessionToken is gone (the
// page never carries credentials) and TabName is a display label.
type DashboardData struct {
	Title          string                   `json:"title"`
	TabName        string                   `json:"tab_name"`
	User           UserInfo                 `json:"user"`
	Statistics     map[string]StatisticInfo `json:"statistics"`
	Notifications  []NotificationInfo       `json:"notifications"`
	Counter        int                      `json:"counter"`
	MaxCounter     int                      `json:"max_counter"`
	CounterHistory []CounterChange          `json:"counter_history"`
	Tasks          []TaskInfo               `json:"tasks"`
	NextTaskID     int                      `json:"next_task_id"`
	ShowCompleted  bool                     `json:"show_completed"`
	IsLoading      bool                     `json:"is_loading"`
	LoadingMessage string                   `json:"loading_message"`
	LoadingUntil   time.Time                `json:"loading_until"`
	LastUpdateTime time.Time                `json:"last_update_time"`
	Ticks          int                      `json:"ticks"`
}

// UserInfo is the signed-in user.
type UserInfo struct {
	Name              string    `json:"name"`
	IsAdmin           bool      `json:"is_admin"`
	LastLogin         time.Time `json:"last_login"`
	HasNotifications  bool      `json:"has_notifications"`
	NotificationCount int       `json:"notification_count"`
}

// StatisticInfo is one card of the statistics grid.
type StatisticInfo struct {
	Label  string  `json:"label"`
	Value  float64 `json:"value"`
	Type   string  `json:"type"` // "currency", "number", "percentage"
	Color  string  `json:"color"`
	Change float64 `json:"change"` // percent change from last period
}

// NotificationInfo is one dismissible message.
type NotificationInfo struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"` // "error", "success", "info"
	Title     string    `json:"title"`
	Message   string    `json:"message,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// TaskInfo is one task of the list.
type TaskInfo struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Completed   bool       `json:"completed"`
	Priority    string     `json:"priority"` // "high", "medium", "low"
	DueDate     *time.Time `json:"due_date,omitempty"`
	IsOverdue   bool       `json:"is_overdue"`
	CreatedAt   time.Time  `json:"created_at"`
}

// CounterChange is one entry of the counter's history.
type CounterChange struct {
	Action    string    `json:"action"` // "increment", "decrement", "reset"
	Value     int       `json:"value"`
	Timestamp time.Time `json:"timestamp"`
}

const historyLen = 5

// newDashboard returns a new tab's data.
func newDashboard(user string, admin bool, tab string, now time.Time) *DashboardData {
	due := now.Add(-24 * time.Hour)
	d := &DashboardData{
		Title:   "Team",
		TabName: tab,
		User:    UserInfo{Name: user, IsAdmin: admin, LastLogin: now.Add(-26 * time.Hour)},
		Statistics: map[string]StatisticInfo{
			"conversion": {Label: "Conversion", Value: 3.4, Type: "percentage", Color: "#a4f", Change: -0.8},
			"orders":     {Label: "Orders", Value: 128, Type: "number", Color: "#fa4", Change: 0},
			"revenue":    {Label: "Revenue", Value: 12840.5, Type: "currency", Color: "#4a4", Change: 4.2},
			"users":      {Label: "Active users", Value: 311, Type: "number", Color: "#44f", Change: 1.5},
		},
		Notifications: []NotificationInfo{
			{ID: "welcome", Type: "success", Title: "Welcome back!", Message: "Your dashboard is live.", CreatedAt: now},
			{ID: "backup", Type: "error", Title: "Nightly backup failed", CreatedAt: now.Add(-time.Hour)},
		},
		MaxCounter:    10,
		ShowCompleted: true,
		Tasks: []TaskInfo{
			{ID: "1", Title: "Read the design doc", Priority: "high", Completed: true, CreatedAt: now},
			{ID: "2", Title: "Ship the dashboard", Priority: "medium", DueDate: &due, IsOverdue: true,
				Description: "Fragments, sessions and a browser client.", CreatedAt: now},
		},
		NextTaskID:     3,
		LastUpdateTime: now,
	}
	d.recount()
	return d
}

// recount keeps the user's notification badge in step with the list.
func (d *DashboardData) recount() {
	d.User.NotificationCount = len(d.Notifications)
	d.User.HasNotifications = d.User.NotificationCount > 0
}

func (d *DashboardData) count(action string, value int, now time.Time) {
	d.Counter = value
	d.CounterHistory = append([]CounterChange{{Action: action, Value: value, Timestamp: now}}, d.CounterHistory...)
	if len(d.CounterHistory) > historyLen {
		d.CounterHistory = d.CounterHistory[:historyLen]
	}
}

var priorityRank = map[string]int{"high": 0, "medium": 1, "low": 2}

// addTask inserts a task after the last one of equal or higher priority,
// so the list stays ordered by priority and then by age.
// maxTasks bounds a session's data: actions come from the browser.
const maxTasks = 100

func (d *DashboardData) addTask(title, priority string, now time.Time) error {
	if title == "" || len(title) > 200 {
		return fmt.Errorf("a task needs a title of 1 to 200 characters")
	}
	if len(d.Tasks) >= maxTasks {
		return fmt.Errorf("a dashboard holds at most %d tasks", maxTasks)
	}
	rank, ok := priorityRank[priority]
	if !ok {
		return fmt.Errorf("unknown priority %q", priority)
	}
	t := TaskInfo{ID: strconv.Itoa(d.NextTaskID), Title: title, Priority: priority, CreatedAt: now}
	d.NextTaskID++
	i := len(d.Tasks)
	for i > 0 && priorityRank[d.Tasks[i-1].Priority] > rank {
		i--
	}
	d.Tasks = slices.Insert(d.Tasks, i, t)
	return nil
}

// fill adds generated tasks, of every priority in turn, until the
// dashboard has n (at most maxTasks).
func (d *DashboardData) fill(n int, now time.Time) {
	for i := 0; len(d.Tasks) < min(n, maxTasks); i++ {
		p := [...]string{"high", "medium", "low"}[i%3]
		if d.addTask(fmt.Sprintf("Generated task %d", d.NextTaskID), p, now) != nil {
			return
		}
	}
}

func (d *DashboardData) task(id string) (int, error) {
	i := slices.IndexFunc(d.Tasks, func(t TaskInfo) bool { return t.ID == id })
	if i < 0 {
		return 0, fmt.Errorf("no task %q", id)
	}
	return i, nil
}

// tick advances the server-side figures: the clock, the active users and
// the end of a simulated slow operation.
func (d *DashboardData) tick(now time.Time) {
	d.Ticks++
	d.LastUpdateTime = now
	u := d.Statistics["users"]
	step := float64(d.Ticks%7) - 3
	u.Value = max(0, u.Value+step)
	u.Change = step
	d.Statistics["users"] = u
	if d.IsLoading && !now.Before(d.LoadingUntil) {
		d.IsLoading, d.LoadingMessage = false, ""
	}
}
