package bufpool

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGet_ReturnsAnEmptyBufferAfterPut(t *testing.T) {
	b := Get()
	b.WriteString("page")
	Put(b)
	assert.Zero(t, Get().Len())
}

func TestPut_DropsAHugeBuffer(t *testing.T) {
	huge := bytes.NewBuffer(make([]byte, 0, 2*maxPooled))
	huge.WriteString("x")
	Put(huge)
	assert.Equal(t, 1, huge.Len(), "not reset: dropped, not pooled")
}
