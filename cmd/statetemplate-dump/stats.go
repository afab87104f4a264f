package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/livefir/statetemplate/session"
)

var statsCommand = &command{
	name:     "stats",
	synopsis: "[--json] FILE",
	summary:  "file size, sessions, record sizes, data types, free pages, key ids",
	help: `Prints the file's size, page size and free pages (the space compact returns),
its layout and record format versions, the number of sessions live and expired
(not yet swept), the oldest and newest, record size percentiles, the data types
and the token key ids in use. It reads every record once. A corrupt record is
counted and reported on stderr (exit status 1); run check for details.`,
	run: runStats,
}

// fileStats is the stats output; its JSON form is printed by --json.
type fileStats struct {
	File          string         `json:"file"`
	FileSize      int64          `json:"file_size"`
	PageSize      int            `json:"page_size"`
	FreePages     int            `json:"free_pages"`
	PendingPages  int            `json:"pending_pages"`
	LayoutVersion uint32         `json:"layout_version"`
	RecordFormats []int          `json:"record_formats"`
	FileCreated   string         `json:"file_created,omitempty"`
	Sessions      int            `json:"sessions"`
	StoredCount   int            `json:"stored_count"`
	Live          int            `json:"live"`
	Expired       int            `json:"expired"`
	Corrupt       int            `json:"corrupt"`
	Oldest        *sessionTime   `json:"oldest,omitempty"`
	Newest        *sessionTime   `json:"newest,omitempty"`
	RecordBytes   sizeStats      `json:"record_bytes"`
	DataTypes     []countedName  `json:"data_types"`
	KeyIDs        []countedKeyID `json:"key_ids"`
	StoredKey     bool           `json:"stored_key"`
	StoredKeyID   *keyID         `json:"stored_key_id,omitempty"`
}

type sessionTime struct {
	ID      string `json:"id"`
	Created string `json:"created"`
}

type sizeStats struct {
	Total int64 `json:"total"`
	Min   int   `json:"min"`
	P50   int   `json:"p50"`
	P90   int   `json:"p90"`
	P99   int   `json:"p99"`
	Max   int   `json:"max"`
}

type countedName struct {
	Name     string `json:"name"`
	Sessions int    `json:"sessions"`
}

type countedKeyID struct {
	KeyID    keyID `json:"key_id"`
	Sessions int   `json:"sessions"`
}

func runStats(a *app, cmd *command, args []string) int {
	f := newFlags(cmd).withProgress()
	asJSON := f.Bool("json", false, "print a JSON object")
	pos, code, ok := f.parse(a, args, 1, 1)
	if !ok {
		return code
	}
	st, code, ok := a.openRead(cmd, pos[0])
	if !ok {
		return code
	}
	bs, err := st.Stats()
	if err != nil {
		closeStore(st, nil)
		a.errorf(cmd, "%s: %v", pos[0], err)
		return exitUsage
	}
	out := fileStats{
		File: pos[0], FileSize: bs.FileSize, PageSize: bs.PageSize,
		FreePages: bs.FreePages, PendingPages: bs.PendingPages,
		LayoutVersion: bs.LayoutVersion, StoredCount: bs.Sessions,
		StoredKey:     bs.HasStoredKey,
		RecordFormats: []int{}, DataTypes: []countedName{}, KeyIDs: []countedKeyID{},
	}
	if bs.HasStoredKey {
		k := keyID(bs.StoredKeyID)
		out.StoredKeyID = &k
	}
	if !bs.Created.IsZero() {
		out.FileCreated = jsonTime(bs.Created)
	}
	now := a.now()
	var (
		sizes   []int
		types   = map[string]int{}
		keys    = map[keyID]int{}
		formats = map[int]bool{}
		oldest  *entry
		newest  *entry
	)
	err = a.scan(a.ctx, f, st, "stats", func(e entry) error {
		out.Sessions++
		if e.Err != nil {
			out.Corrupt++
			a.corruptWarning(cmd, e)
			return nil
		}
		r := e.Rec
		if r.Expired(now) {
			out.Expired++
		} else {
			out.Live++
		}
		sizes = append(sizes, e.Bytes)
		types[r.DataType]++
		keys[keyID(r.KeyID)]++
		formats[int(r.Format)] = true
		if oldest == nil || r.Created.Before(oldest.Rec.Created) {
			c := e
			oldest = &c
		}
		if newest == nil || r.Created.After(newest.Rec.Created) {
			c := e
			newest = &c
		}
		return nil
	})
	closeStore(st, err)
	if err != nil {
		a.errorf(cmd, "%s: %v", pos[0], err)
		return exitFindings
	}
	out.RecordBytes = percentiles(sizes)
	for name, n := range types {
		out.DataTypes = append(out.DataTypes, countedName{name, n})
	}
	sort.Slice(out.DataTypes, func(i, j int) bool {
		x, y := out.DataTypes[i], out.DataTypes[j]
		return x.Sessions > y.Sessions || x.Sessions == y.Sessions && x.Name < y.Name
	})
	for id, n := range keys {
		out.KeyIDs = append(out.KeyIDs, countedKeyID{id, n})
	}
	sort.Slice(out.KeyIDs, func(i, j int) bool {
		x, y := out.KeyIDs[i], out.KeyIDs[j]
		return x.Sessions > y.Sessions || x.Sessions == y.Sessions && x.KeyID < y.KeyID
	})
	for v := range formats {
		out.RecordFormats = append(out.RecordFormats, v)
	}
	slices.Sort(out.RecordFormats)
	if oldest != nil {
		out.Oldest = &sessionTime{oldest.ID.String(), jsonTime(oldest.Rec.Created)}
		out.Newest = &sessionTime{newest.ID.String(), jsonTime(newest.Rec.Created)}
	}
	if *asJSON {
		err = writeJSON(a.stdout, out)
	} else {
		err = writeStats(a.stdout, &out)
	}
	if err != nil {
		a.errorf(cmd, "writing output: %v", err)
		return exitUsage
	}
	if out.Corrupt > 0 {
		return exitFindings
	}
	return exitOK
}

// percentiles returns the nearest-rank percentiles of sizes.
func percentiles(sizes []int) sizeStats {
	var s sizeStats
	if len(sizes) == 0 {
		return s
	}
	slices.Sort(sizes)
	rank := func(p int) int { return sizes[(len(sizes)*p+99)/100-1] }
	for _, n := range sizes {
		s.Total += int64(n)
	}
	s.Min, s.P50, s.P90, s.P99, s.Max = sizes[0], rank(50), rank(90), rank(99), sizes[len(sizes)-1]
	return s
}

func writeStats(w io.Writer, s *fileStats) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-17s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	line("file", "%s", s.File)
	line("file size", "%d bytes (%s)", s.FileSize, humanBytes(s.FileSize))
	line("page size", "%d", s.PageSize)
	line("free pages", "%d (%s; compact returns them), pending %d", s.FreePages,
		humanBytes(int64(s.FreePages)*int64(s.PageSize)), s.PendingPages)
	line("layout version", "%d", s.LayoutVersion)
	formats := make([]string, len(s.RecordFormats))
	for i, v := range s.RecordFormats {
		formats[i] = fmt.Sprint(v)
	}
	line("record formats", "%s (this build reads up to %d)", orDash(strings.Join(formats, ", ")), session.FormatVersion)
	if s.FileCreated != "" {
		line("file created", "%s", s.FileCreated)
	}
	line("sessions", "%d: %d live, %d expired (not yet swept), %d corrupt", s.Sessions, s.Live, s.Expired, s.Corrupt)
	if s.StoredCount != s.Sessions {
		line("stored count", "%d (differs from the records found: run check)", s.StoredCount)
	}
	if s.Oldest != nil {
		line("oldest", "%s  %s", s.Oldest.Created, s.Oldest.ID)
		line("newest", "%s  %s", s.Newest.Created, s.Newest.ID)
	}
	r := s.RecordBytes
	line("record bytes", "min %d, p50 %d, p90 %d, p99 %d, max %d, total %d (%s)",
		r.Min, r.P50, r.P90, r.P99, r.Max, r.Total, humanBytes(r.Total))
	b.WriteString("data types:\n")
	for _, t := range s.DataTypes {
		fmt.Fprintf(&b, "  %8d  %s\n", t.Sessions, t.Name)
	}
	b.WriteString("key ids:\n")
	for _, k := range s.KeyIDs {
		fmt.Fprintf(&b, "  %8d  %s\n", k.Sessions, k.KeyID)
	}
	if s.StoredKeyID != nil {
		fmt.Fprintf(&b, "stored key:       %s (the file keeps the token signing key)\n", *s.StoredKeyID)
	} else {
		b.WriteString("stored key:       none (the app configures its key)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
