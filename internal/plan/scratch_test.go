package plan

import (
	"testing"
	"unsafe"

	"github.com/livefir/statetemplate/internal/cborpath"

	"github.com/stretchr/testify/require"
)

func TestSlabs_TakeHandsOutDisjointZeroedSlicesUntilReset(t *testing.T) {
	var s slabs[int]
	s.max = 8
	var got [][]int
	for n := range 12 {
		x := s.take(n%5 + 1)
		require.Len(t, x, n%5+1)
		for i := range x {
			require.Zero(t, x[i], "take %d, element %d", n, i)
			x[i] = n + 1
		}
		got = append(got, x)
	}
	for n, x := range got {
		for _, v := range x {
			require.Equal(t, n+1, v, "take %d was written by a later take", n)
		}
	}
	size := s.size()
	s.reset()
	for n := range 12 {
		for _, v := range s.take(n%5 + 1) {
			require.Zero(t, v, "reset leaves no value of before")
		}
	}
	require.Equal(t, size, s.size(), "the same takes after reset reuse the arrays")
}

func TestSlabs_TakeLargerThanMaxGetsOneArray(t *testing.T) {
	var s slabs[byte]
	s.max = 4
	x := s.take(10)
	require.Len(t, x, 10)
	require.Equal(t, 10, cap(x), "a take cannot grow into the next one")
}

func TestRunRelease_KeepsScratchAndZeroesTheRest(t *testing.T) {
	r := getRun()
	r.typeName = "T"
	f := r.frame()
	f.start = 7
	r.recs = append(r.recs, rec{node: 3})
	r.maps = map[int][]cborpath.Entry{1: nil}
	r.release()
	require.True(t, r.released)
	require.Empty(t, r.typeName)
	require.Empty(t, r.recs)
	require.Empty(t, r.maps)
	r.release() // twice is harmless
	r2 := getRun()
	defer r2.release()
	require.Zero(t, *r2.frame(), "a frame of a released run comes back zeroed")
}

func TestRunRelease_LargeScratchIsNotKeptForGood(t *testing.T) {
	for len(freeRuns) > 0 {
		<-freeRuns
	}
	big := &run{}
	big.locs.take(maxFreeScratch/int(unsafe.Sizeof(loc{})) + 1)
	big.release()
	require.Empty(t, freeRuns, "a run with large scratch goes to sync.Pool, which the collector empties")
	small := &run{}
	small.locs.take(8)
	small.release()
	require.Len(t, freeRuns, 1)
	huge := &run{}
	huge.nodes = make([]node, 0, maxPooledScratch+1)
	huge.release()
	require.Nil(t, huge.nodes, "a run with huge scratch keeps none of it")
}

// TestRunRelease_KeepsNothingOfTheRendersInput: a run holds a copy of
// its render's Input (its data, encoding, page); released, the pooled
// run keeps none of it for the next render, of another session.
func TestRunRelease_KeepsNothingOfTheRendersInput(t *testing.T) {
	p := &Plan{}
	in := Input{Template: "page", Data: &struct{ Secret string }{"a"}, Enc: []byte("session a"), Title: "A"}
	r := p.newRun(&in, nil, nil, "T")
	require.Equal(t, in.Enc, r.in.Enc)
	require.NotSame(t, &in, r.in, "the run's own copy: the caller's Input does not escape")
	r.release()
	require.Zero(t, r.input, "released, the run holds none of the Input")
	require.Nil(t, r.in)
}
