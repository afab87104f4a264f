package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// The layout of storage/bolt (its doc.go), which these tests damage on
// purpose: sessions id → 0x02|deadline|rev|CRC-32C|CBOR; expiry
// deadline|id → "".
var (
	bucketSessions = []byte("sessions")
	bucketExpiry   = []byte("expiry")
	bucketMeta     = []byte("meta")
)

func sortable(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())^(1<<63))
}

// damage opens path with bbolt directly and applies fn in one transaction.
func damage(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(fn))
	require.NoError(t, db.Close())
}

// writeDamagedFixture is the fixture with one of each logical problem: a
// record that does not decode (the counter), a record whose data does not
// decode (the old one), an index entry without its session, a session
// without its index entry (the dashboard) and a wrong stored count.
func writeDamagedFixture(t *testing.T, dir string) string {
	t.Helper()
	recs := fixtureRecords(t)
	path := writeFixture(t, dir, "sessions.db", recs)
	damage(t, path, func(tx *bbolt.Tx) error {
		sb, ib, mb := tx.Bucket(bucketSessions), tx.Bucket(bucketExpiry), tx.Bucket(bucketMeta)
		counter := mustID(t, idCounter)
		v := bytes.Clone(sb.Get(counter[:]))
		v[len(v)/2] ^= 0xff // one byte changed: the checksum finds it
		if err := sb.Put(counter[:], v); err != nil {
			return err
		}
		old := recs[2].Clone()
		old.Data = []byte{0x9f} // an indefinite-length array, which the codec refuses
		body, err := session.EncodeRecord(old)
		if err != nil {
			return err
		}
		// A record written with a valid checksum whose data does not
		// decode: the header (format, deadline, revision) is kept.
		if err := sb.Put(old.ID[:], session.SealValue(bytes.Clone(sb.Get(old.ID[:])[:17]), body)); err != nil {
			return err
		}
		ghost := mustID(t, "9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f")
		if err := ib.Put(append(sortable(t0.Add(time.Hour)), ghost[:]...), nil); err != nil {
			return err
		}
		dash := recs[0]
		if err := ib.Delete(append(sortable(dash.Deadline()), dash.ID[:]...)); err != nil {
			return err
		}
		return mb.Put([]byte("count"), binary.BigEndian.AppendUint64(nil, 9))
	})
	return path
}

// TestDamagedRecords_AreReportedByEveryCommand: check lists each problem
// (golden) and exits 1; the other commands go on with the good sessions,
// warn on stderr and exit 1; show prints what it can of the bad one.
func TestDamagedRecords_AreReportedByEveryCommand(t *testing.T) {
	dir := t.TempDir()
	writeDamagedFixture(t, dir)
	t.Chdir(dir)

	r := runTool(t, t0, "check", "--grace", "3h", "sessions.db")
	assert.Equal(t, exitFindings, r.code)
	assert.Empty(t, r.stderr)
	golden(t, "check_damaged_records", r.stdout)

	warning := "session " + idCounter + ": statetemplate: corrupt session record"
	for _, args := range [][]string{
		{"list", "sessions.db"}, {"list", "--json", "sessions.db"}, {"export", "sessions.db"}, {"stats", "sessions.db"},
	} {
		r := runTool(t, t0, args...)
		assert.Equal(t, exitFindings, r.code, "%v", args)
		assert.Contains(t, r.stderr, warning, "%v", args)
		assert.NotContains(t, r.stdout, idCounter, "%v: the corrupt session is skipped", args)
		assert.Contains(t, r.stdout, idDashboard[:8], "%v: the others are listed", args)
	}

	r = runTool(t, t0, "export", "sessions.db")
	assert.Contains(t, r.stdout, `{"id":"`+idOld+`"`, "a session whose data does not decode is exported")
	assert.Contains(t, r.stdout, `"data":null,"data_error":"statetemplate: corrupt session record: data: `)
	assert.Contains(t, r.stderr, "session "+idOld+": statetemplate: corrupt session record: data: ")

	r = runTool(t, t0, "compact", "-o", "new.db", "sessions.db")
	assert.Equal(t, exitFindings, r.code, "compact does not vouch for a copy of a damaged file")
	assert.Contains(t, r.stderr, "the compacted file holds 4 sessions (1 corrupt), its count says 9: run check on both files")
	assert.NoFileExists(t, "new.db")
	assert.NoFileExists(t, "new.db.tmp")

	r = runTool(t, t0, "show", "sessions.db", idCounter)
	assert.Equal(t, exitFindings, r.code)
	golden(t, "show_corrupt", r.stdout)
	r = runTool(t, t0, "show", "sessions.db", idOld)
	assert.Equal(t, exitFindings, r.code, "the record decodes; its data does not")
	assert.Contains(t, r.stdout, `"data": null,`)
	assert.Contains(t, r.stdout, `"data_error": "statetemplate: corrupt session record: data: cbor: indefinite-length array isn't allowed"`)
	r = runTool(t, t0, "show", "--redact", "sessions.db", "1b1b")
	assert.Equal(t, exitFindings, r.code)
	assert.NotContains(t, r.stdout, "raw_base64", "the raw record holds the data's strings")
}

// fileOffset returns where the stored CBOR record of rec starts in the
// file at path: its only copy (see fileOffsets).
func fileOffset(t *testing.T, path string, rec *session.Record) int {
	t.Helper()
	offs := fileOffsets(t, path, rec)
	require.Len(t, offs, 1, "one copy of the record in the file")
	return offs[0]
}

// fileOffsets returns every place the stored CBOR record of rec starts in
// the file at path: bbolt copies pages on write, so a page freed by a
// later transaction may still hold an old copy next to the live one.
func fileOffsets(t *testing.T, path string, rec *session.Record) []int {
	t.Helper()
	body, err := session.EncodeRecord(rec)
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var offs []int
	for at := 0; ; {
		i := bytes.Index(data[at:], body)
		if i < 0 {
			break
		}
		offs = append(offs, at+i)
		at += i + 1
	}
	require.NotEmpty(t, offs, "record found in the file")
	return offs
}

// pagesOf returns the starts of the pages holding the offsets, each once.
func pagesOf(offs []int) []int {
	var pages []int
	for _, o := range offs {
		if p := o / 4096 * 4096; !slices.Contains(pages, p) {
			pages = append(pages, p)
		}
	}
	return pages
}

// plus returns each offset plus d.
func plus(offs []int, ds ...int) []int {
	var out []int
	for _, o := range offs {
		for _, d := range ds {
			out = append(out, o+d)
		}
	}
	return out
}

func flipAt(t *testing.T, path string, offsets ...int) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, off := range offsets {
		data[off] ^= 0xff
	}
	require.NoError(t, os.WriteFile(path, data, 0o600))
}

// TestCheck_DamagedFileExitsOneWithAUsefulMessage damages the bytes of
// the file itself, as a bad disk or a bad copy would.
func TestCheck_DamagedFileExitsOneWithAUsefulMessage(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, path string, recs []*session.Record)
		want   []string
	}{
		{
			name: "flipped bytes inside a record",
			damage: func(t *testing.T, path string, recs []*session.Record) {
				flipAt(t, path, plus(fileOffsets(t, path, recs[1]), 0, 1)...)
			},
			want: []string{"corrupt    " + idCounter + "  statetemplate: corrupt session record", "1 problem(s)"},
		},
		{
			name: "flipped page type of the data page",
			damage: func(t *testing.T, path string, recs []*session.Record) {
				// the page header's flags: no longer a leaf
				flipAt(t, path, plus(pagesOf(fileOffsets(t, path, recs[0])), 8)...)
			},
			want: []string{"damaged    -", "the file's page structure is damaged: bbolt:"},
		},
		{
			name: "flipped element offsets of the data page",
			damage: func(t *testing.T, path string, recs []*session.Record) {
				// first leaf element's key offset
				flipAt(t, path, plus(pagesOf(fileOffsets(t, path, recs[0])), 16+4, 16+5)...)
			},
			want: []string{"problem(s)"},
		},
		{
			name: "truncated to half of its pages in use",
			damage: func(t *testing.T, path string, _ []*session.Record) {
				require.NoError(t, os.Truncate(path, inUseSize(t, path)/2))
			},
			want: []string{"damaged    -", "not a statetemplate session file: truncated", "cannot be opened as a session file"},
		},
		{
			name: "truncated inside the header",
			damage: func(t *testing.T, path string, _ []*session.Record) {
				require.NoError(t, os.Truncate(path, 100))
			},
			want: []string{"damaged    -", "not a statetemplate session file"},
		},
		{
			name: "not a session file",
			damage: func(t *testing.T, path string, _ []*session.Record) {
				require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("not bbolt "), 2000), 0o600))
			},
			want: []string{"damaged    -", "not a statetemplate session file"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recs := fixtureRecords(t)
			path := writeFixture(t, t.TempDir(), "sessions.db", recs)
			tc.damage(t, path, recs)
			r := runTool(t, t0, "check", "--grace", "3h", path)
			assert.Equal(t, exitFindings, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
		})
	}
}

// inUseSize is the size of the pages a bbolt file uses, per its header.
func inUseSize(t *testing.T, path string) int64 {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	require.NoError(t, err)
	defer db.Close()
	var n int64
	require.NoError(t, db.View(func(tx *bbolt.Tx) error { n = tx.Size(); return nil }))
	return n
}

// TestReadCommands_OnATruncatedFileExitTwoSayingWhy: the commands other
// than check cannot open a truncated file and say so.
func TestReadCommands_OnATruncatedFileExitTwoSayingWhy(t *testing.T) {
	path := writeFixture(t, t.TempDir(), "sessions.db", fixtureRecords(t))
	require.NoError(t, os.Truncate(path, 8192+100))
	for _, args := range [][]string{
		{"stats", path}, {"list", path}, {"show", path, "0a"}, {"export", path},
		{"purge", "--expired", path}, {"compact", "-o", path + ".new", path}, {"compact", "--in-place", path},
	} {
		r := runTool(t, t0, args...)
		assert.Equal(t, exitUsage, r.code, "%v", args)
		assert.Contains(t, r.stderr, "cannot open "+path, "%v", args)
		assert.Contains(t, r.stderr, "truncated", "%v", args)
	}
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.EqualValues(t, 8192+100, fi.Size(), "no command wrote to the damaged file")
}

// TestCheck_RandomlyFlippedDataPagesNeverCrashOrHang flips random bytes
// in the pages in use after the two meta pages, many times: check always
// finishes, with a verdict (0, or 1 with a report), never a panic. A flip
// inside a string of the data can go unseen (records carry no checksum),
// so the verdict itself is not asserted here. bbolt's page check (a child
// process each time) runs in every eighth round, to keep the test short.
func TestCheck_RandomlyFlippedDataPagesNeverCrashOrHang(t *testing.T) {
	recs := fixtureRecords(t)
	for i := range 100 {
		recs = append(recs, bulkRecord(t, i, t0, time.Hour))
	}
	dir := t.TempDir()
	base := writeFixture(t, dir, "base.db", recs)
	clean, err := os.ReadFile(base)
	require.NoError(t, err)
	used := int(inUseSize(t, base))
	detected := 0
	const rounds = 40
	for seed := range uint64(rounds) {
		rng := rand.New(rand.NewPCG(seed, 7))
		data := bytes.Clone(clean)
		for range 1 + rng.IntN(8) {
			data[8192+rng.IntN(used-8192)] ^= byte(1 + rng.IntN(255))
		}
		path := filepath.Join(dir, "flipped.db")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		r := runToolWith(t, func(a *app) { a.skipPageCheck = seed%8 != 0 }, t0, "check", "--grace", "3h", path)
		require.Contains(t, []int{exitOK, exitFindings}, r.code, "seed %d: %s %s", seed, r.stdout, r.stderr)
		require.NotContains(t, r.stderr, "warning", "seed %d: the page check runs: %s", seed, r.stderr)
		if testing.Verbose() {
			t.Logf("seed %d: exit %d\n%s", seed, r.code, r.stdout)
		}
		if r.code == exitFindings {
			detected++
			assert.Regexp(t, `(?m)^\d+ problem\(s\)`, r.stdout, "seed %d", seed)
		}
		for _, args := range [][]string{{"list", "--json", path}, {"export", path}, {"stats", path}} {
			r := runTool(t, t0, args...)
			if r.code == exitUsage { // a damaged meta bucket: the file does not open
				require.Contains(t, r.stderr, "cannot open "+path, "seed %d %v", seed, args)
				continue
			}
			require.Contains(t, []int{exitOK, exitFindings}, r.code, "seed %d %v: %s", seed, args, r.stderr)
		}
	}
	t.Logf("%d of %d damaged files reported", detected, rounds)
	assert.Positive(t, detected, "some damage is detected")
}

// bulkRecord returns a small live session number i.
func bulkRecord(t testing.TB, i int, now time.Time, ttl time.Duration) *session.Record {
	t.Helper()
	data := &testCounter{Label: strings.Repeat("x", 40+i%50), Count: i}
	enc, err := session.EncodeData(data)
	require.NoError(t, err)
	var id session.ID
	binary.BigEndian.PutUint64(id[:8], uint64(i+1)*0x9e3779b97f4a7c15)
	binary.BigEndian.PutUint64(id[8:], 0x4000000000000000+uint64(i))
	return &session.Record{
		Format: session.FormatVersion, ID: id, KeyID: fixtureKeyID, Rev: 1,
		Created: now, LastAccess: now, ExpiresAt: now.Add(ttl),
		DataType: session.TypeName(data), Data: enc,
	}
}

// TestCheck_PageCheckFindsDamageTheSessionsDoNotShow empties the file's
// freelist, as a flipped count would: every session still reads, but the
// free pages are now lost, and the next write could reuse a page twice.
// Only bbolt's page check (in its child process) sees it.
func TestCheck_PageCheckFindsDamageTheSessionsDoNotShow(t *testing.T) {
	path := writeFixture(t, t.TempDir(), "sessions.db", fixtureRecords(t))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	// bbolt's meta page: 16-byte page header, then magic, version, page
	// size, flags (4 bytes each), root bucket (16), freelist page id (8),
	// high water mark (8), txid (8). The newer of the two metas counts.
	meta := func(i int) []byte { return data[i*4096 : (i+1)*4096] }
	m := meta(0)
	if binary.LittleEndian.Uint64(meta(1)[64:72]) > binary.LittleEndian.Uint64(m[64:72]) {
		m = meta(1)
	}
	freelist := int(binary.LittleEndian.Uint64(m[48:56])) * 4096
	require.NotZero(t, binary.LittleEndian.Uint16(data[freelist+10:]), "the fixture has free pages")
	binary.LittleEndian.PutUint16(data[freelist+10:], 0) // the page header's element count
	require.NoError(t, os.WriteFile(path, data, 0o600))

	skipped := runToolWith(t, func(a *app) { a.skipPageCheck = true }, t0, "check", "--grace", "3h", path)
	require.Equal(t, exitOK, skipped.code, "the sessions and the index are intact: %s", skipped.stdout)

	r := runTool(t, t0, "check", "--grace", "3h", path)
	assert.Equal(t, exitFindings, r.code)
	assert.Empty(t, r.stderr)
	assert.Regexp(t, `(?m)^pages      -  +page \d+: unreachable unfreed$`, r.stdout)
}

// crashingPageCheck is a path that makes the test binary's page-check
// child panic, as bbolt's checking goroutine can on a damaged page.
const crashingPageCheck = "/statetemplate-dump-test/crash"

func TestPageCheck_ChildCrashIsDamageAndAMissingFileIsNot(t *testing.T) {
	a := &app{ctx: context.Background()}
	_, err := a.pageCheck(crashingPageCheck)
	require.ErrorIs(t, err, errDamaged)
	assert.Contains(t, err.Error(), "bbolt's page check crashed (exit status 2): panic: simulated fault")

	_, err = a.pageCheck(filepath.Join(t.TempDir(), "missing.db"))
	require.ErrorIs(t, err, errNoPageCheck)
	assert.NotErrorIs(t, err, errDamaged)
}

// TestCheck_FindsEverySingleByteChangeOfARecord changes each byte of a
// stored record in the file, one at a time, as a bad disk would: check
// reports that session as corrupt every time, and no other.
func TestCheck_FindsEverySingleByteChangeOfARecord(t *testing.T) {
	dir := t.TempDir()
	recs := fixtureRecords(t)[:1] // the dashboard: data, fragments, every field
	path := writeFixture(t, dir, "sessions.db", recs)
	clean, err := os.ReadFile(path)
	require.NoError(t, err)
	// The value starts 21 bytes before the CBOR record: format, deadline,
	// revision, checksum.
	start := fileOffset(t, path, recs[0]) - 21
	body, err := session.EncodeRecord(recs[0])
	require.NoError(t, err)
	end := start + 21 + len(body)
	require.Equal(t, byte(0x02), clean[start], "the value's format byte")

	flipped := filepath.Join(dir, "flipped.db")
	missed := 0
	for off := start; off < end; off++ {
		b := bytes.Clone(clean)
		b[off] ^= 0x5a
		require.NoError(t, os.WriteFile(flipped, b, 0o600))
		r := runToolWith(t, func(a *app) { a.skipPageCheck = true }, t0, "check", flipped)
		if r.code != exitFindings || !strings.Contains(r.stdout, "corrupt    "+idDashboard) {
			missed++
			t.Errorf("byte %d of the value changed: exit %d, output %s", off-start, r.code, r.stdout)
		}
	}
	t.Logf("%d bytes of the value changed one at a time, %d missed by check", end-start, missed)
	require.Zero(t, missed, "of %d changed bytes", end-start)
}

// TestCheck_Layout1FileIsCheckedAndItsUnchecksummedRecordsNoted: a file
// written before records had checksums reads, and check says how many
// records it cannot vouch for byte by byte.
func TestCheck_Layout1FileIsCheckedAndItsUnchecksummedRecordsNoted(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "storage", "bolt", "testdata", "layout1.db"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "layout1.db")
	require.NoError(t, os.WriteFile(path, src, 0o600))
	r := runToolWith(t, func(a *app) { a.skipPageCheck = true }, t0, "check", path)
	require.Equal(t, exitOK, r.code, "%s%s", r.stdout, r.stderr)
	require.Contains(t, r.stdout, "note: 3 records were written before records had checksums (layout 1)")
	require.Contains(t, r.stdout, "ok: 3 sessions, 3 index entries, no problems")
}

// TestEmptyFile_IsReportedClearly: a session file cut to 0 bytes is not a
// session file, and every command says so in words rather than with an
// error of the file system.
func TestEmptyFile_IsReportedClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	r := runTool(t, t0, "check", path)
	require.Equal(t, exitFindings, r.code, "%s%s", r.stdout, r.stderr)
	require.Contains(t, r.stdout, "damaged")
	require.Contains(t, r.stdout, "empty (0 bytes)")
	require.NotContains(t, r.stdout+r.stderr, "bad file descriptor")
	for _, cmd := range []string{"list", "stats", "export"} {
		r = runTool(t, t0, cmd, path)
		require.Equal(t, exitUsage, r.code, cmd)
		require.Contains(t, r.stderr, "empty (0 bytes)", cmd)
	}
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Zero(t, fi.Size(), "reading commands leave the file as it was")
}

// slowPageCheckEnv makes the test binary's page-check child sleep this
// long first (a time.Duration), so that a test can interrupt check there.
const slowPageCheckEnv = "STATETEMPLATE_DUMP_TEST_SLOW_PAGECHECK"

// TestCheck_InterruptedIsNeverOK: SIGINT or SIGTERM (a cancelled context)
// at any phase of check — walking the sessions, or in bbolt's page check
// at the end — gives no verdict: a non-zero exit and a line saying how far
// the check got, never "ok".
func TestCheck_InterruptedIsNeverOK(t *testing.T) {
	path := writeFixture(t, t.TempDir(), "sessions.db", fixtureRecords(t))
	t.Run("during the page check", func(t *testing.T) {
		t.Setenv(slowPageCheckEnv, "10s")
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		r := runToolCtx(t, ctx, t0, "check", "--grace", "100h", path)
		require.Less(t, time.Since(start), 5*time.Second, "the interrupt stops the child")
		assert.Equal(t, exitInterrupted, r.code)
		assert.NotContains(t, r.stdout, "ok:")
		assert.Contains(t, r.stdout, "not checked: interrupted during bbolt's page check, after 4 of 4 sessions and 4 index entries")
	})
	t.Run("during the session walk", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		walked := 0
		r := runToolWith(t, func(a *app) {
			a.ctx = ctx
			a.afterRecord = func() {
				if walked++; walked == 2 {
					cancel()
				}
			}
		}, t0, "check", "--grace", "100h", path)
		assert.Equal(t, exitInterrupted, r.code)
		assert.NotContains(t, r.stdout, "ok:")
		assert.Contains(t, r.stdout, "not checked: interrupted while reading the sessions, after 2 of 4 sessions")
	})
}
