package live

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessage_TypedAccessors(t *testing.T) {
	m, err := parseMessage([]byte(`{"action":"a","on":"on","t":true,"f":"false","x":"2.5","tags":["a",1,true],"one":"solo","bad":"\u00ff"}`))
	require.NoError(t, err)
	assert.True(t, m.Bool("on"))
	assert.True(t, m.Bool("t"))
	assert.False(t, m.Bool("f"))
	assert.False(t, m.Bool("missing"))
	f, err := m.Float("x")
	require.NoError(t, err)
	assert.InDelta(t, 2.5, f, 1e-9)
	assert.Equal(t, []string{"a", "1", "true"}, m.Strings("tags"))
	assert.Equal(t, []string{"solo"}, m.Strings("one"))
	assert.Nil(t, m.Strings("missing"))
	assert.True(t, m.Has("one"))
	assert.False(t, m.Has("missing"))
}

func TestMessage_StringIsValidUTF8ForRawValues(t *testing.T) {
	msg, err := parseMessage([]byte("{\"action\":\"a\",\"n\":[\"ok\"]}"))
	require.NoError(t, err)
	msg.fields["raw"] = []byte{'[', 0xff, 0xfe, ']'}
	assert.Equal(t, "[\uFFFD]", msg.String("raw"), "a run of invalid bytes becomes one U+FFFD")
}

func TestMessage_DecodeConvertsFormValues(t *testing.T) {
	type input struct {
		Title     string    `json:"title"`
		Count     int       `json:"count"`
		Price     float64   `json:"price"`
		Done      bool      `json:"done"`
		Tags      []string  `json:"tags"`
		IDs       []int     `json:"ids"`
		Due       time.Time `json:"due"`
		At        time.Time `json:"at"`
		Optional  *int      `json:"optional"`
		Empty     int       `json:"empty"`
		Untouched string    `json:"untouched"`
		Secret    string    `json:"-"`
		CaseBlind string
	}
	m, err := parseMessage([]byte(`{"action":"save","title":"Hello","count":"3","price":"9.5","done":"on",
		"tags":["a","b"],"ids":"7","due":"2026-03-04","at":"2026-03-04T10:30","optional":"","empty":"",
		"Secret":"no","caseblind":"yes","_seq":4}`))
	require.NoError(t, err)
	in := input{Untouched: "kept"}
	require.NoError(t, m.Decode(&in))
	assert.Equal(t, input{
		Title: "Hello", Count: 3, Price: 9.5, Done: true, Tags: []string{"a", "b"}, IDs: []int{7},
		Due: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), At: time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC),
		Untouched: "kept", CaseBlind: "yes",
	}, in)
}

func TestMessage_DecodeReportsEveryBadField(t *testing.T) {
	m, err := parseMessage([]byte(`{"action":"save","count":"three","price":"x","due":"soon","title":"ok"}`))
	require.NoError(t, err)
	var in struct {
		Count int       `json:"count"`
		Price float64   `json:"price"`
		Due   time.Time `json:"due"`
		Title string    `json:"title"`
	}
	err = m.Decode(&in)
	var fe FieldErrors
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, FieldErrors{"count": "must be a whole number", "price": "must be a number", "due": "must be a date"}, fe)
	assert.Error(t, m.Decode(in), "a non-pointer is refused")
}
