package fragments

// keyed diffs the children of prev fragment p and next fragment n as keyed
// lists. A child is kept when its id is a child of p at the same place; the
// kept children in a longest increasing subsequence of their old order stay
// put, the others are removed and inserted again (the fewest moves). New
// children are inserted next to a sibling; removed ones are removed.
func (d *differ) keyed(p, n int32) bool {
	d.indexPrev()
	if d.corrupt {
		return true
	}
	var olds, news []int32
	for c := d.pFirst[p]; c >= 0; c = d.pNext[c] {
		olds = append(olds, c)
	}
	for c := d.xFirst[n]; c >= 0; c = d.xNext[c] {
		news = append(news, c)
	}
	match := make([]int32, len(news))
	var seq, seqAt []int32
	for i, c := range news {
		f := &d.x.frags[c]
		match[i] = -1
		if q, ok := d.pIndex[f.id]; ok && d.prev.Parents[q] == uint32(p) && d.prev.Anchors[q] == f.anchor {
			match[i] = q
			seq = append(seq, d.pPos[q])
			seqAt = append(seqAt, int32(i))
		}
	}
	stable := make([]bool, len(news))
	stayOld := make([]bool, len(olds))
	for _, k := range lis(seq) {
		stable[seqAt[k]] = true
		stayOld[seq[k]] = true
	}
	for j, q := range olds {
		if !stayOld[j] {
			d.remove(q)
		}
	}
	for i := 0; i < len(news); {
		j := i + 1
		for j < len(news) && d.x.frags[news[j]].anchor == d.x.frags[news[i]].anchor {
			j++
		}
		if !d.group(n, news[i:j], stable[i:j]) {
			return false
		}
		i = j
	}
	for i, c := range news {
		if stable[i] {
			d.node(match[i], c)
		}
	}
	return true
}

// group places the new children g of n that share one anchor (DOM
// siblings, in order); st marks those already in place.
func (d *differ) group(n int32, g []int32, st []bool) bool {
	parent := &d.x.frags[n]
	appendable := func(c int32) bool {
		f := &d.x.frags[c]
		return f.direct && f.anchor == parent.tail
	}
	id := func(c int32) string { return d.x.frags[c].id }
	first := -1
	for i := range st {
		if st[i] {
			first = i
			break
		}
	}
	if first < 0 {
		if !appendable(g[0]) {
			return false
		}
		d.insert(ActionAppend, g[0], parent.id, "")
		first = 0
	}
	for i := first - 1; i >= 0; i-- {
		d.insert(ActionInsertBefore, g[i], id(g[i]), id(g[i+1]))
	}
	for i := first + 1; i < len(g); i++ {
		switch {
		case st[i]:
		case i == len(g)-1 && appendable(g[i]):
			d.insert(ActionAppend, g[i], parent.id, "")
		default:
			d.insert(ActionInsertAfter, g[i], id(g[i]), id(g[i-1]))
		}
	}
	return true
}

// indexPrev builds the id index and sibling positions of prev, once.
func (d *differ) indexPrev() {
	if d.pIndex != nil {
		return
	}
	ids := d.prev.IDs
	spans := [][2]int32{{0, int32(len(ids))}}
	if pt := d.x.pt; pt != nil && pt.same {
		spans = pt.spans(nil)
	}
	size := 0
	for _, s := range spans {
		size += int(s[1] - s[0])
	}
	d.pIndex = make(map[string]int32, size)
	d.pPos = make([]int32, len(ids))
	for _, s := range spans {
		for i := max(s[0], 1); i < s[1]; i++ {
			if _, dup := d.pIndex[ids[i]]; dup {
				d.corrupt = true
			}
			d.pIndex[ids[i]] = i
		}
		for p := s[0]; p < s[1]; p++ {
			k := int32(0)
			for c := d.pFirst[p]; c >= 0; c = d.pNext[c] {
				d.pPos[c] = k
				k++
			}
		}
	}
}

// lis returns the indexes of a longest strictly increasing subsequence of
// seq, in order.
func lis(seq []int32) []int32 {
	if len(seq) == 0 {
		return nil
	}
	tails := make([]int32, 0, len(seq)) // index in seq of the smallest tail per length
	prev := make([]int32, len(seq))
	for i, v := range seq {
		lo, hi := 0, len(tails)
		for lo < hi {
			mid := (lo + hi) / 2
			if seq[tails[mid]] < v {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		prev[i] = -1
		if lo > 0 {
			prev[i] = tails[lo-1]
		}
		if lo == len(tails) {
			tails = append(tails, int32(i))
		} else {
			tails[lo] = int32(i)
		}
	}
	out := make([]int32, len(tails))
	for k, i := len(tails)-1, tails[len(tails)-1]; k >= 0; k, i = k-1, prev[i] {
		out[k] = i
	}
	return out
}
