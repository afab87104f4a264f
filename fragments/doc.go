// Package fragments turns a newly rendered page into the few updates that
// bring the browser's copy of the previous page up to date.
//
// # Fragments
//
// A fragment is an element of the body that carries a non-empty id
// attribute, at any depth; elements inside <template> content are not
// fragments. The body itself is the root fragment, named by the empty
// fragment id "". A fragment's own markup is its outerHTML without the markup of
// the fragments inside it (its child fragments); whitespace-only text in it
// counts as described under "Never wrong".
//
// # Actions
//
// An Update is applied by the browser client, and by the tests of this
// package, with exactly these semantics:
//
//   - replace: the element #fragment_id is replaced by html (its outerHTML).
//   - append: html is added as the last child of #fragment_id.
//   - remove: the element #fragment_id is removed.
//   - insertAfter / insertBefore: html, whose root element is the new
//     fragment #fragment_id, is inserted right after / before the element
//     #target_id.
//   - no-op (is_noop: true): nothing to do. Diff never returns one; the
//     session turns "no updates" into a single no-op.
//
// The html of a fragment update is the fragment's outerHTML from the page,
// with insignificant whitespace compacted (whitespace between attributes,
// and whitespace-only text outside <pre>, <textarea> and raw-text
// elements, shrink to one character), which parses to the same elements,
// attributes and text.
//
// fragment_id "" names document.body: a replace with fragment_id "" carries
// the body element's outerHTML ("<body ...>...</body>"; for a page without
// a <body> tag, "<body>" and the page's body content, with no end tag) and
// replaces the body; an append with fragment_id "" appends to the body. Updates are
// applied in order: Diff lists every remove first, then every replace, then
// the inserts and appends, so that an id never names two elements while an
// update looks it up.
//
// # What Diff guarantees
//
//   - Minimal: an unchanged fragment produces nothing. When a fragment's
//     own markup is unchanged, only its changed children produce updates.
//     Children that are DOM siblings form a keyed list: a new child is
//     inserted after its previous sibling, before its next one when it is
//     first, or appended when it is last; a removed child is removed; a
//     reordering keeps a longest increasing subsequence in place and
//     removes and re-inserts the rest (the fewest moves). Whenever the
//     updates for a fragment's subtree would weigh more bytes than
//     replacing the fragment, the fragment is replaced instead.
//   - Never wrong: a change in a fragment's own markup (text directly in
//     it, an attribute of an element without an id) replaces that
//     fragment, the nearest id'd ancestor of the change, or the body.
//     Applying the updates to the old page gives the new page, up to
//     whitespace-only text: outside <pre>, <listing>, <textarea> and
//     raw-text elements (where it counts byte for byte) such text is
//     tracked by presence and position, not content, and runs of it that
//     only child fragments separate count once, so that a fragment can be
//     inserted or removed with its indentation without touching its
//     parent. Content outside the body (the head, the title) is not
//     tracked: browsers do not apply body updates to it.
//   - Malformed markup: the page is read once with the streaming tokenizer
//     of golang.org/x/net/html (raw text of <script>, <style>, <textarea>,
//     <title>; comments; void elements; unquoted attributes; SVG and
//     MathML). When the browser's tree would not follow the tag nesting
//     (a missing or mismatched end tag, a <p> or <li> closed implicitly,
//     misnested formatting, table foster-parenting, a self-closing non-void
//     HTML element, nesting deeper than 500) the body is treated as one
//     opaque fragment: any change replaces the body. Well-formed pages,
//     such as html/template renders of well-formed templates, get
//     fragment-level updates.
//   - data-cache="false" on a fragment re-sends it (replace) on every Diff
//     of a changed page. An identical page gives no updates at all.
//   - Two elements with the same id give ErrDuplicateFragmentID naming the
//     id. Diff never panics; its cost is linear in the page size.
//
// # html_hash
//
// Every update carrying html has html_hash = HashHTML(html): the 64-bit
// FNV-1a hash (offset basis 14695981039346656037, prime 1099511628211) of
// the UTF-8 bytes of html, written as 16 lower-case hexadecimal digits,
// zero-padded. HashHTML("") is "cbf29ce484222325".
//
// # State
//
// State is what a session keeps between renders: for each fragment its id,
// parent, a 64-bit hash of its own markup and its position in its parent,
// plus a hash of the whole page; never the HTML. It is about 3 KB in CBOR
// for the design's dashboard with 50 tasks. It is plain data meant to be
// persisted (CBOR or JSON), so that the first update after a restart is
// still minimal. A State is immutable once returned. NewState gives the
// State of a page sent whole (a first render) without building the body
// update that Diff(nil, page) returns.
//
// # Pages given in part: DiffSpliced and DiffPatched
//
// An incremental renderer (internal/plan) does not write what did not
// change. DiffSpliced takes a page from which unchanged fragment subtrees
// are left out: a Splice says that, at a byte of the page, the markup of a
// subtree of prev stands, byte for byte, in the context its Seen records;
// Fill returns that markup only when an update carries it. A Bound marks a
// subtree the page does carry, and the result reports its Seen (context,
// size, fragment count, data-cache="false" inside). DiffPatched goes
// further: it takes only the patches, the subtrees that changed, and the
// shells around them, whose markup outside the patches is unchanged, and
// tokenizes the patches alone. Both return exactly the updates and State
// Diff returns for the whole page (but State.PageHash, which then
// describes no page), or ErrSplice when what they are given does not fit
// (a splice in another context, a patch that is not one subtree with its
// id, an update that would replace the body); the caller then renders the
// page whole. The caller vouches for what it leaves out.
//
// # Cost
//
// Diff hashes the whole page first (xxhash) and returns at once when it is
// unchanged; otherwise it makes one tokenizer pass, hashing each
// fragment's own markup in place as byte ranges of the page (no DOM, no
// copies), then diffs the fragment trees in time linear in the number of
// fragments (n log n for a reordered list). On the design's 50-task
// dashboard this costs less than executing its template (BENCHMARKS.md).
// Diff is safe for concurrent use.
package fragments
