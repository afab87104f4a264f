package session

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// ExoticBase and ExoticExtra are embedded in exoticItem: the codec
// flattens their fields into the element's map.
type ExoticBase struct {
	Name exoticName `cbor:"n,omitempty"`
	Seq  uint8
}

type ExoticExtra struct {
	Note *string
	At   time.Time
}

type exoticName string

type exoticKind int16

type exoticItem struct {
	ExoticBase
	*ExoticExtra
	Kind  exoticKind `cbor:"1,keyasint,omitempty"`
	Ratio float32    `json:"ratio,omitempty"`
	Due   *time.Time
}

type exoticList []exoticItem

type exoticRoot struct {
	Items exoticList `cbor:"2,keyasint,omitempty"`
	Label string     `cbor:"1,keyasint"`
	Pick  *exoticItem
}

// TestEncodeWithLists_ExoticElementsEncodeAsTheCodecDoes changes lists of
// elements with embedded structs (one by pointer), keyasint and omitempty
// tags, named types and time zones, through pointers the elements share
// with each other and with the root, and by slicing the list's backing
// array: every encoding is the codec's.
func TestEncodeWithLists_ExoticElementsEncodeAsTheCodecDoes(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("A", 3600), time.FixedZone("A", 3600), time.FixedZone("B", 0)}
	rapid.Check(t, func(t *rapid.T) {
		shared := new(string)
		sharedTime := time.Unix(1e9, 0)
		n := rapid.SampledFrom([]int{1, 2, 130, 300}).Draw(t, "len")
		r := &exoticRoot{Label: "l", Items: make(exoticList, n)}
		for i := range r.Items {
			r.Items[i].Seq = uint8(i)
			if i%3 == 0 {
				r.Items[i].ExoticExtra = &ExoticExtra{Note: shared, At: time.Unix(int64(i), 0).In(zones[i%len(zones)])}
			}
			if i%5 == 0 {
				r.Items[i].Due = &sharedTime
			}
		}
		r.Pick = &r.Items[0]
		memo := encodeBoth(t, r, nil)
		if n > 0 && memo == nil {
			t.Fatalf("a list of %d elements kept no memo", n)
		}
		for range rapid.IntRange(1, 15).Draw(t, "steps") {
			i := rapid.IntRange(0, max(len(r.Items)-1, 0)).Draw(t, "at")
			switch rapid.IntRange(0, 10).Draw(t, "op") {
			case 0:
				*shared += "x" // every element that points to it
			case 1:
				sharedTime = sharedTime.Add(time.Second)
			case 2:
				if len(r.Items) > 0 {
					r.Pick.Seq++ // through the root's pointer into the list
				}
			case 3:
				if len(r.Items) > 0 {
					if r.Items[i].ExoticExtra == nil {
						r.Items[i].ExoticExtra = &ExoticExtra{}
					}
					r.Items[i].At = r.Items[i].At.In(rapid.SampledFrom(zones).Draw(t, "zone"))
				}
			case 4:
				if len(r.Items) > 0 {
					r.Items[i].ExoticExtra = nil
				}
			case 5:
				if len(r.Items) > 1 {
					r.Items = r.Items[1:] // the same backing array
				}
			case 6:
				if len(r.Items) > 0 {
					r.Items = r.Items[:len(r.Items)-1]
					r.Items = append(r.Items, exoticItem{Kind: 3}) // writes the old last element's slot
				}
			case 7:
				if len(r.Items) > 0 {
					r.Items[i].Kind = exoticKind(rapid.IntRange(-1, 1).Draw(t, "kind"))
					r.Items[i].Name = exoticName(rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "name"))
				}
			case 8:
				if len(r.Items) > 0 {
					r.Items[i].Ratio = rapid.SampledFrom([]float32{0, 1, -0.5}).Draw(t, "ratio")
				}
			case 9:
				r.Items = slices.Clone(r.Items[:rapid.IntRange(0, len(r.Items)).Draw(t, "cut")])
				if len(r.Items) > 0 {
					r.Pick = &r.Items[len(r.Items)-1]
				}
			case 10:
				if len(r.Items) > 0 {
					r.Items[i], r.Items[len(r.Items)-1] = r.Items[len(r.Items)-1], r.Items[i]
				}
			}
			memo = encodeBoth(t, r, memo)
		}
	})
}
