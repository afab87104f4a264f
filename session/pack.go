package session

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"

	"github.com/livefir/statetemplate/fragments"
)

// A session that has not been used for a while (Config.IdleCompaction)
// keeps its record packed: Data and Fragments, which only its next render
// reads, compressed into one byte slice, and no Memo, which that render
// rebuilds by executing the whole page once. A packed record is the same
// record: same ID, revision and everything else, and it encodes
// (EncodeRecord) exactly as its unpacked form does. The manager unpacks it
// before any work that reads Data or Fragments.
//
// The two are compressed with DEFLATE against a dictionary: the unpacked
// body of the first record packed with the same data type and template.
// Sessions of one page share field names, markup and most fragment ids, so
// a session then costs about what sets it apart from that first one: for
// the reference dashboard, 12 KB of body packs into 2.4 KB when every task
// differs from the dictionary's and into 0.2 KB when only a few fields do.
// The dictionary is held for as long as records packed with it live; it
// is never sent anywhere, and unpacking gives back exactly the bytes packed.

// packBody is what a packed record compresses: the canonical encoding of
// its data and its fragment state, in the record codec.
type packBody struct {
	Data      []byte           `cbor:"0,keyasint"`
	Fragments *fragments.State `cbor:"1,keyasint,omitempty"`
}

// packLevel is the DEFLATE level of packed records: with a dictionary,
// level 6 packs the dashboard 5 % smaller than level 3 for 1.5× the time,
// paid once per idle period in the background.
const packLevel = 6

// maxPackDicts bounds the dictionaries of one manager (one per data type
// and template); records of further pairs are packed without one.
const maxPackDicts = 64

// packDict is a dictionary records are packed with. Writers are tied to
// their dictionary, so each keeps its own pool.
type packDict struct {
	data    []byte
	writers sync.Pool // of *flate.Writer
}

// packer packs and unpacks records; the manager holds one.
type packer struct {
	mu    sync.Mutex
	dicts map[string]*packDict // by data type and template, NUL-joined
}

// readers pools DEFLATE readers, which are reset to any dictionary.
var readers sync.Pool // of io.ReadCloser implementing flate.Resetter

// Packed reports whether r is held packed (see IdleCompaction): its Data
// and Fragments are then nil, and EncodeRecord still encodes them.
func (r *Record) Packed() bool { return r.packed != nil }

// pack returns rec packed: a copy without Memo whose Data and Fragments
// are compressed. rec must not be packed.
func (p *packer) pack(rec *Record) (*Record, error) {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := getCodec().enc.MarshalToBuffer(packBody{Data: rec.Data, Fragments: rec.Fragments}, buf); err != nil {
		return nil, fmt.Errorf("statetemplate: packing session %s: %w", rec.ID.Short(), err)
	}
	body := buf.Bytes()
	d := p.dict(rec.DataType+"\x00"+rec.Template, body)
	out := getBuffer()
	defer putBuffer(out)
	w, _ := d.writers.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriterDict(out, packLevel, d.data); err != nil {
			return nil, fmt.Errorf("statetemplate: packing session %s: %w", rec.ID.Short(), err)
		}
	} else {
		w.Reset(out)
	}
	_, err := w.Write(body)
	if err == nil {
		err = w.Close()
	}
	d.writers.Put(w)
	if err != nil {
		return nil, fmt.Errorf("statetemplate: packing session %s: %w", rec.ID.Short(), err)
	}
	c := rec.Clone()
	c.Data, c.Fragments, c.Memo, c.lists = nil, nil, nil, nil
	c.packed, c.packDict = bytes.Clone(out.Bytes()), d
	return c, nil
}

// dict returns the dictionary of key, making body it when there is none
// yet and the manager holds fewer than maxPackDicts.
func (p *packer) dict(key string, body []byte) *packDict {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d, ok := p.dicts[key]; ok {
		return d
	}
	if p.dicts == nil {
		p.dicts = make(map[string]*packDict)
	}
	if len(p.dicts) >= maxPackDicts {
		return noDict
	}
	d := &packDict{data: bytes.Clone(body)}
	p.dicts[key] = d
	return d
}

// noDict packs records past maxPackDicts.
var noDict = &packDict{}

// unpacked returns r with its Data and Fragments restored: r itself when
// it is not packed, else a copy. A packed form that does not decode (which
// only damaged memory could cause) is an error wrapping ErrCorruptRecord.
func (r *Record) unpacked() (*Record, error) {
	if r.packed == nil {
		return r, nil
	}
	rd, _ := readers.Get().(io.ReadCloser)
	src := bytes.NewReader(r.packed)
	if rd == nil {
		rd = flate.NewReaderDict(src, r.packDict.data)
	} else if err := rd.(flate.Resetter).Reset(src, r.packDict.data); err != nil {
		return nil, fmt.Errorf("%w: unpacking session %s: %v", ErrCorruptRecord, r.ID.Short(), err)
	}
	buf := getBuffer()
	defer putBuffer(buf)
	_, err := buf.ReadFrom(rd)
	readers.Put(rd)
	if err != nil {
		return nil, fmt.Errorf("%w: unpacking session %s: %v", ErrCorruptRecord, r.ID.Short(), err)
	}
	var body packBody
	if err := getCodec().dec.Unmarshal(buf.Bytes(), &body); err != nil {
		return nil, fmt.Errorf("%w: unpacking session %s: %v", ErrCorruptRecord, r.ID.Short(), err)
	}
	c := r.Clone()
	c.packed, c.packDict = nil, nil
	c.Data, c.Fragments = body.Data, body.Fragments
	return c, nil
}
