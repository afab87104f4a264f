package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTaskIDs_FindsNewTaskRowsOnly(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		known []string
		want  []string
	}{
		{"page rows", `<div id="task-list"><div id="task-1" class="item"><input id="task-check-1"></div><div id="task-12">`, nil, []string{"1", "12"}},
		{"known rows are skipped", `<div id="task-1"></div><div id="task-2"></div>`, []string{"1"}, []string{"2"}},
		{"an insert's html", "\x1eitask-7\x1ftask-6\x1f\n <div id=\"task-7\" class=\"item\">", []string{"6"}, []string{"7"}},
		{"an appended row", "\x1eatask-list\x1f<div id=\"task-9\" class=\"item\">", nil, []string{"9"}},
		{"HTML-escaped quotes", `data-x="<div id=&#34;task-3&#34;>"`, nil, []string{"3"}},
		{"an id not in an id attribute", "\x1extask-5\x1ettask-count\x1f4 tasks", nil, nil},
		{"repeats reported once", `<div id="task-4"></div><div id="task-4"></div>`, nil, []string{"4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, taskIDs([]byte(tt.in), tt.known))
		})
	}
}

func TestSocketURL_FollowsThePagesScriptTag(t *testing.T) {
	tests := []struct {
		name, page, pageURL, want string
	}{
		{"default path, no ref", `<html></html>`, "http://127.0.0.1:8080/", "ws://127.0.0.1:8080/ws?v=5"},
		{"data-url and data-ref", `<script src="/statetemplate.js" data-ref="abc&#43;1" data-url="/live/ws" defer>`, "http://127.0.0.1:8080/dash", "ws://127.0.0.1:8080/live/ws?ref=abc%2B1&v=5"},
		{"https becomes wss", `<script data-ref="r">`, "https://localhost/", "wss://localhost/ws?ref=r&v=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := socketURL(tt.pageURL, []byte(tt.page))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestConn_CycleAddsAndDeletesItsOwnTask(t *testing.T) {
	c := &conn{known: []string{"1", "2"}}
	var kinds []string
	answers := map[string]string{actAddTask: "\x1eitask-3\x1ftask-2\x1f<div id=\"task-3\">"}
	for range 2 * len(cycle) {
		c.next()
		kinds = append(kinds, c.kind)
		if c.kind == actToggle || c.kind == actDelete {
			assert.JSONEq(t, `{"action":"`+c.kind+`","taskId":"3"}`, string(c.msg))
		}
		c.answered([]byte(answers[c.kind]))
	}
	assert.Equal(t, append(cycle[:], cycle[:]...), kinds)
	assert.Equal(t, []string{"1", "2"}, c.known, "each round deletes the task it added")
	assert.Empty(t, c.newTask)
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		msg  string
		code string
		ok   bool
	}{
		{`{"error":"rate_limited","message":"too many actions"}`, "rate_limited", true},
		{`{"error":"internal","message":"the update failed","action":"add_task"}`, "internal", true},
		{`{"error":`, "malformed", true},
		{"\x1erx\x1f<p id=\"x\">", "", false},
		{`<html>`, "", false},
	}
	for _, tt := range tests {
		code, ok := errorCode([]byte(tt.msg))
		assert.Equal(t, tt.ok, ok, tt.msg)
		assert.Equal(t, tt.code, code, tt.msg)
	}
}

func TestConn_WithoutANewTaskIdTheCycleStaysBalanced(t *testing.T) {
	c := &conn{}
	var kinds []string
	for range len(cycle) {
		c.next()
		kinds = append(kinds, c.kind)
		c.answered([]byte(`{}`))
	}
	assert.Equal(t, []string{actIncrement, actAddTask, actIncrement, actDecrement, actDecrement}, kinds)
}

func BenchmarkTaskIDs_AddTaskAnswer(b *testing.B) {
	answer := []byte(strings.Repeat(`<div id="task-check-7" class="item"> padding padding padding `, 200) +
		"\x1eitask-9\x1ftask-8\x1f<div id=\"task-9\">")
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		taskIDs(answer, []string{"8"})
	}
}
