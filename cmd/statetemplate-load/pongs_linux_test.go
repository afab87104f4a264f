package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// What a tab owes: a frame started is finished before any other, and of
// the frames not started only the answer to the latest ping is kept.
func TestPongs_FinishAStartedFrameThenAnswerTheLatestPing(t *testing.T) {
	var p pongs
	assert.Nil(t, p.next(), "nothing owed")
	p.add([]byte("aaaa"))
	p.add([]byte("bbbb"))
	p.add([]byte("cccc"))
	assert.Equal(t, "aaaa", string(p.next()), "the first frame, the one being written")
	p.sent(3)
	assert.Equal(t, "a", string(p.next()), "the started frame's end")
	p.add([]byte("dddd"))
	p.sent(1)
	assert.Equal(t, "dddd", string(p.next()), "then the latest ping's answer; b and c were never started")
	p.sent(4)
	assert.Nil(t, p.next())
	p.add([]byte("eeee"))
	assert.Equal(t, "eeee", string(p.next()))
}
