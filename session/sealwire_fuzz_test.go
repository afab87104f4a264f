package session

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the named zones below, on any machine

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
)

// fuzzZones are the locations FuzzAppendSpliced puts its times in:
// offsets the codec writes as they are, named zones with their history
// (offsets with seconds before standard time, which RFC 3339 cuts to the
// minute, half and three-quarter hours, summer time), and offsets of a
// day or more, which it refuses.
func fuzzZones(t testing.TB) []*time.Location {
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("secs", 19*60+32), time.FixedZone("neg", -30),
		time.FixedZone("edge", 24*3600-60), time.FixedZone("day", 24*3600), time.FixedZone("west", -(24*3600 - 1)), time.FixedZone("far", 100*3600)}
	for _, name := range []string{"Europe/Amsterdam", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Africa/Monrovia", "Pacific/Kiritimati"} {
		l, err := time.LoadLocation(name)
		require.NoError(t, err)
		zones = append(zones, l)
	}
	return zones
}

// FuzzAppendSpliced: for any record — its times at any instant, in any of
// fuzzZones, with or without a monotonic clock reading, any durations,
// strings and data, nil or empty — the hand-written encoding is the
// codec's, byte for byte, or refused where the codec fails; what it
// writes decodes, and encodes again to the same bytes.
func FuzzAppendSpliced(f *testing.F) {
	zones := fuzzZones(f)
	f.Add(int64(1764716400), int64(7), uint8(0), false, int64(0), "T", []byte("data"), false, []byte(nil), "", "")
	f.Add(int64(-62167219200), int64(0), uint8(1), false, int64(-1), "", []byte{}, false, []byte{0x41, 0}, "page", "ü")
	f.Add(int64(253402300799), int64(999999999), uint8(4), false, int64(-1<<63), "x", []byte(nil), true, []byte{}, "t", "t")
	f.Add(int64(-2840140800), int64(1), uint8(8), true, int64(1<<63-1), "y", []byte{0}, false, []byte{0xf6}, "", "")
	f.Add(int64(0), int64(0), uint8(2), true, int64(1), "", []byte(nil), false, []byte(nil), "", "")
	f.Fuzz(func(t *testing.T, sec, nsec int64, zone uint8, mono bool, idle int64, dataType string, data []byte, dataNil bool, state []byte, template, title string) {
		at := time.Unix(sec, nsec).In(zones[int(zone)%len(zones)])
		if mono {
			// The same instant, with the monotonic reading time.Now gives.
			now := time.Now()
			at = now.Add(at.Sub(now)).In(at.Location())
		}
		if dataNil {
			data = nil
		}
		var st []byte
		if state != nil {
			// A page's fragment state, of an element per byte of state
			// (64 at most), encoded as the Sealer encodes it.
			var page strings.Builder
			page.WriteString("<body>")
			for i, b := range state[:min(len(state), 64)] {
				fmt.Fprintf(&page, `<p id="p%d">%x</p>`, i, b)
			}
			page.WriteString("</body>")
			fs, err := fragments.NewState([]byte(page.String()))
			require.NoError(t, err)
			st, err = getCodec().enc.Marshal(fs)
			require.NoError(t, err)
		}
		r := &Record{Format: FormatVersion, ID: ID{1, byte(sec)}, KeyID: uint32(nsec), TokenGen: uint32(sec), Rev: uint64(sec),
			Created: at, LastAccess: at.Add(time.Duration(nsec)), ExpiresAt: at.Add(time.Duration(idle)), IdleTimeout: time.Duration(idle),
			DataType: dataType, Data: data, Template: template, Lease: at.Add(-time.Duration(nsec)), Title: title}
		var want bytes.Buffer
		werr := getCodec().enc.MarshalToBuffer(recordWire{Record: r, Fragments: st}, &want)
		got, ok := appendSpliced([]byte("h"), r, st)
		require.Equal(t, werr == nil, ok, "spliced where the codec writes, refused where it fails: %v", werr)
		if !ok {
			require.Equal(t, "h", string(got), "a refused record leaves nothing")
			return
		}
		require.Equal(t, want.Bytes(), got[1:])
		back, err := DecodeRecord(got[1:])
		require.NoError(t, err)
		require.Equal(t, r.Data == nil, back.Data == nil, "nil data stays nil, empty data empty")
		require.Equal(t, r.Data, back.Data)
		require.Equal(t, [...]any{r.IdleTimeout, r.DataType, r.Template, r.Title}, [...]any{back.IdleTimeout, back.DataType, back.Template, back.Title})
		for _, tt := range [...][2]time.Time{{r.Created, back.Created}, {r.LastAccess, back.LastAccess}, {r.ExpiresAt, back.ExpiresAt}, {r.Lease, back.Lease}} {
			// RFC 3339 writes a zone's offset to the minute: a time in a
			// zone whose offset has seconds reads back shifted by them,
			// as the codec's would (records hold UTC: Manager.now).
			if _, off := tt[0].Zone(); off%60 == 0 {
				require.True(t, tt[0].Equal(tt[1]), "%v read back as %v", tt[0], tt[1])
			}
		}
		// The record read back is written as the codec writes it, and
		// that reads back to itself ("+00:00" reads back as UTC, "Z").
		again, ok := appendSpliced(nil, back, st)
		require.True(t, ok)
		want.Reset()
		require.NoError(t, getCodec().enc.MarshalToBuffer(recordWire{Record: back, Fragments: st}, &want))
		require.Equal(t, want.Bytes(), again)
		third, err := DecodeRecord(again)
		require.NoError(t, err)
		fourth, ok := appendSpliced(nil, third, st)
		require.True(t, ok)
		require.Equal(t, again, fourth, "a record read back reads back as itself")
	})
}
