package live

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxHunkEdits bounds the edits hunks looks for: html that differs from
// its base in more than that many characters goes whole.
const maxHunkEdits = 256

// minHunkKeep is the shortest run of characters kept between two hunks:
// a shorter one costs more in the two hunks' counts than it saves, and the
// hunks around it are joined.
const minHunkKeep = 6

// hunks returns the fields of a splice that makes new out of old, in
// triples: how many UTF-16 code units to keep (counted from the end of the
// hunk before), how many to drop after them, and what to put in their
// place. ok is false when the two differ in more than maxHunkEdits
// characters. It is Myers' O(ND) difference algorithm, on characters.
func hunks(old, new string) (fields []string, ok bool) {
	a, b := []rune(old), []rune(new)
	// Common ends first: most html differs from its base in a few places.
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	q := 0
	for q < len(a)-p && q < len(b)-p && a[len(a)-1-q] == b[len(b)-1-q] {
		q++
	}
	edits, ok := script(a[p:len(a)-q], b[p:len(b)-q])
	if !ok {
		return nil, false
	}
	// Each edit is a run of a kept in b's order: turn the runs kept into
	// hunks between them.
	var out []string
	ai, bi := 0, 0 // in a[p:], b[p:]
	keep := utf16Len(string(a[:p]))
	flush := func(ka, kb int) { // the hunk up to a[p+ka], b[p+kb]
		if ka == ai && kb == bi {
			return
		}
		out = append(out, strconv.Itoa(keep), strconv.Itoa(utf16Len(string(a[p+ai:p+ka]))), string(b[p+bi:p+kb]))
		keep = 0
	}
	for _, e := range edits {
		if e.n == 0 || e.n < minHunkKeep && (e.a != ai || e.b != bi) {
			continue // joined into the hunk around it
		}
		flush(e.a, e.b)
		keep += utf16Len(string(a[p+e.a : p+e.a+e.n]))
		ai, bi = e.a+e.n, e.b+e.n
	}
	flush(len(a)-p-q, len(b)-p-q)
	return out, true
}

// run is a run of n characters kept, at a[a:] and b[b:].
type run struct{ a, b, n int }

// script returns the runs of a that b keeps, in order, for the shortest
// edit script from a to b, or false when it has more than maxHunkEdits
// edits.
func script(a, b []rune) ([]run, bool) {
	n, m := len(a), len(b)
	max := n + m
	if max > maxHunkEdits {
		max = maxHunkEdits
	}
	off := max + 1
	v := make([]int, 2*max+3)
	var trace [][]int
	for d := 0; d <= max; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, v, off, d, n, m), true
			}
		}
	}
	return nil, false
}

// backtrack walks the trace of script back from (n, m) after d edits and
// returns the runs kept.
func backtrack(trace [][]int, last []int, off, d, n, m int) []run {
	var runs []run
	x, y := n, m
	v := last
	for ; d > 0; d-- {
		k := x - y
		prev := trace[d]
		var pk int
		if k == -d || k != d && prev[off+k-1] < prev[off+k+1] {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := prev[off+pk]
		py := px - pk
		// The snake from the edit's end to (x, y).
		sx, sy := px, py
		if pk == k+1 {
			sy++ // an insertion
		} else {
			sx++ // a deletion
		}
		if x > sx {
			runs = append(runs, run{sx, sy, x - sx})
		}
		x, y = px, py
		v = prev
	}
	_ = v
	if x > 0 {
		runs = append(runs, run{0, 0, x})
	}
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	return runs
}

// applyHunks makes the string a splice of hunks' fields makes out of old,
// as the client does; ok is false when a count is not a number, or runs
// beyond old or into a surrogate pair. Invalid UTF-8, in old or a put,
// counts as U+FFFD and is spelled so in the result, as the client reads
// it (see applyHunksRunes).
func applyHunks(old string, f []string) (string, bool) {
	if len(f)%3 != 0 {
		return "", false
	}
	n := len(old)
	for h := 2; h < len(f); h += 3 {
		n += len(f[h])
		if !utf8.ValidString(f[h]) {
			return applyHunksRunes(old, f)
		}
	}
	if !utf8.ValidString(old) {
		return applyHunksRunes(old, f)
	}
	var b strings.Builder
	b.Grow(n)
	i := 0 // bytes of old taken
	for h := 0; h < len(f); h += 3 {
		keep, err1 := strconv.Atoi(f[h])
		drop, err2 := strconv.Atoi(f[h+1])
		k, ok1 := unitsIndex(old, i, keep)
		if err1 != nil || err2 != nil || !ok1 {
			return "", false
		}
		b.WriteString(old[i:k])
		d, ok2 := unitsIndex(old, k, drop)
		if !ok2 {
			return "", false
		}
		b.WriteString(f[h+2])
		i = d
	}
	b.WriteString(old[i:])
	return b.String(), true
}

// unitsIndex returns the index in s, valid UTF-8, n UTF-16 code units
// after index i; ok is false when n is negative, beyond s, or splits a
// pair.
func unitsIndex(s string, i, n int) (int, bool) {
	for n > 0 && i < len(s) {
		n--
		if c := s[i]; c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			n--
		}
		i += size
	}
	return i, n == 0
}

// applyHunksRunes is applyHunks by runes, for text that is not valid
// UTF-8.
func applyHunksRunes(old string, f []string) (string, bool) {
	units := []rune(old)
	var out []rune
	i := 0
	for h := 0; h < len(f); h += 3 {
		keep, err1 := strconv.Atoi(f[h])
		drop, err2 := strconv.Atoi(f[h+1])
		k, ok1 := runeIndex(units[i:], keep)
		if err1 != nil || err2 != nil || !ok1 {
			return "", false
		}
		out = append(out, units[i:i+k]...)
		i += k
		d, ok2 := runeIndex(units[i:], drop)
		if !ok2 {
			return "", false
		}
		out = append(out, []rune(f[h+2])...)
		i += d
	}
	return string(append(out, units[i:]...)), true
}

// runeIndex returns the number of runes of s that make up n UTF-16 code
// units; ok is false when n is negative, beyond s, or splits a pair.
func runeIndex(s []rune, n int) (int, bool) {
	i := 0
	for n > 0 && i < len(s) {
		n--
		if s[i] >= 0x10000 {
			n--
		}
		i++
	}
	return i, n == 0
}
