package live

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func item(key string) *pushItem[int] { return &pushItem[int]{key: key} }

func keys(items []*pushItem[int]) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.key)
	}
	return out
}

func TestMailbox_PutReplacesTheWaitingPushOfItsTopicAndMovesItBack(t *testing.T) {
	var b mailbox[int]
	a1, b1, a2 := item("a"), item("b"), item("a")
	res, replaced := b.put(a1, 10)
	assert.Equal(t, putSchedule, res, "the first push schedules the session")
	assert.Nil(t, replaced)
	res, _ = b.put(b1, 10)
	assert.Equal(t, putWaiting, res, "a queued session is not scheduled twice")
	res, replaced = b.put(a2, 10)
	assert.Equal(t, putWaiting, res)
	assert.Same(t, a1, replaced)
	assert.Equal(t, []string{"b", "a"}, keys(b.items), "applied pushes stay a subsequence of the published ones")
	it, _ := b.take(false)
	assert.Same(t, b1, it)
	it, _ = b.take(false)
	assert.Same(t, a2, it, "the latest push of a topic is the one applied")
}

func TestMailbox_UpdateAllPushesNeverCoalesce(t *testing.T) {
	var b mailbox[int]
	for range 3 {
		b.put(item(""), 10)
	}
	assert.Len(t, b.items, 3)
}

func TestMailbox_OverflowIsReportedOnceThenRefusedQuietly(t *testing.T) {
	var b mailbox[int]
	b.put(item("a"), 2)
	b.put(item("b"), 2)
	res, _ := b.put(item("c"), 2)
	assert.Equal(t, putOverflow, res)
	res, _ = b.put(item("d"), 2)
	assert.Equal(t, putOverflowAgain, res)
	res, replaced := b.put(item("a"), 2)
	assert.Equal(t, putWaiting, res, "a push of a waiting topic still fits: it replaces")
	assert.NotNil(t, replaced)
	assert.Equal(t, []string{"b", "a"}, keys(b.items))
}

func TestMailbox_TopicPushesWaitForASlowConnectionButUpdateAllDoesNot(t *testing.T) {
	var b mailbox[int]
	b.put(item("a"), 10)
	it, parked := b.take(true)
	require.Nil(t, it)
	require.True(t, parked, "topic pushes park while a connection is behind")

	res, _ := b.put(item("a"), 10)
	assert.Equal(t, putWaiting, res, "a parked session is not scheduled by a topic push")
	res, _ = b.put(item(""), 10)
	assert.Equal(t, putSchedule, res, "an UpdateAll push wakes it")
	it, parked = b.take(true)
	assert.False(t, parked)
	assert.Equal(t, "a", it.key, "in order: the topic push first")
}

func TestMailbox_UnparkSchedulesOnlyAWaitingMailbox(t *testing.T) {
	var b mailbox[int]
	assert.False(t, b.unpark(), "idle")
	b.put(item("a"), 10)
	assert.False(t, b.unpark(), "queued")
	b.take(true)
	assert.True(t, b.unpark(), "parked for a connection")
	assert.False(t, b.unpark(), "once")
	require.True(t, b.wait())
	assert.True(t, b.unpark(), "waiting for the session's lock")
}

func TestMailbox_ASessionWaitingForItsLockIsRetriedByAnyPush(t *testing.T) {
	var b mailbox[int]
	b.put(item("a"), 10)
	require.True(t, b.wait(), "the worker found the lock taken")
	assert.False(t, b.wait(), "only the worker's own turn waits")
	res, _ := b.put(item("a"), 10)
	assert.Equal(t, putSchedule, res, "even a topic push: the lock's holder may not free it")
	b.kill()
	assert.False(t, b.wait(), "a dead mailbox is nobody's")
}

func TestMailbox_KillReturnsTheWaitingPushesAndRefusesMore(t *testing.T) {
	var b mailbox[int]
	b.put(item("a"), 10)
	b.put(item(""), 10)
	assert.Equal(t, []string{"a", ""}, keys(b.kill()))
	res, _ := b.put(item("a"), 10)
	assert.Equal(t, putDead, res)
	it, parked := b.take(false)
	assert.Nil(t, it)
	assert.False(t, parked)
}

func TestMailbox_RanReportsWhetherMoreIsWaiting(t *testing.T) {
	var b mailbox[int]
	b.put(item("a"), 10)
	b.take(false)
	res, _ := b.put(item("b"), 10)
	assert.Equal(t, putWaiting, res, "a worker is on it")
	assert.True(t, b.ran())
	b.take(false)
	assert.False(t, b.ran())
	res, _ = b.put(item("c"), 10)
	assert.Equal(t, putSchedule, res, "idle again")
}

func TestTopicHandlers_ExactBeatsPrefixAndLongerPrefixBeatsShorter(t *testing.T) {
	var th topicHandlers[int]
	exact, room, roomVIP, all := &topicHandler[int]{}, &topicHandler[int]{}, &topicHandler[int]{}, &topicHandler[int]{}
	require.True(t, th.add("room:1", false, exact))
	require.True(t, th.add("room:", true, room))
	require.True(t, th.add("", true, all))
	require.True(t, th.add("room:vip:", true, roomVIP))
	assert.False(t, th.add("room:", true, room), "a prefix registered twice")
	assert.False(t, th.add("room:1", false, exact), "an exact topic registered twice")
	tests := []struct {
		topic string
		want  *topicHandler[int]
	}{
		{"room:1", exact},
		{"room:2", room},
		{"room:vip:7", roomVIP},
		{"quotes", all},
	}
	for _, tc := range tests {
		assert.Same(t, tc.want, th.match(tc.topic), tc.topic)
	}
	var none topicHandlers[int]
	assert.Nil(t, none.match("x"))
}

func TestValidTopic(t *testing.T) {
	tests := []struct {
		topic string
		ok    bool
	}{
		{"quotes", true},
		{"room:42", true},
		{"", false},
		{string(make([]byte, maxTopicLen+1)), false},
		{"bad\xff", false},
		{"room:*", false},
	}
	for _, tc := range tests {
		err := validTopic(tc.topic)
		if tc.ok {
			assert.NoError(t, err, "%q", tc.topic)
		} else {
			assert.ErrorIs(t, err, ErrInvalidTopic, "%q", tc.topic)
		}
	}
}
