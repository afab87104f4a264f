// Package fragments turns a newly rendered page into the few updates that
// bring the browser's copy of the previous page up to date, exactly: once
// a browser has applied them, its DOM is the one a fresh load of the new
// page gives, text and whitespace included.
//
// # Fragments
//
// A fragment is an element of the body that carries a non-empty id
// attribute, at any depth; elements inside <template> content are not
// fragments. The body itself is the root fragment, named by the empty
// fragment id "". A fragment's own markup is its lead and its outerHTML
// without the markup of the fragments inside it (its child fragments) and
// their leads.
//
// # Leads and tails
//
// Text in this package means a run of DOM text: the characters between
// two elements or comments, or between one and the start or end of its
// parent, as the browser's DOM holds them (character references decoded,
// U+0000 dropped, the line feed that follows a <pre> or <listing> start
// tag dropped). Whitespace is ASCII whitespace: tab, line feed, form feed,
// carriage return and space.
//
//   - The lead of an element is the whitespace that ends the text right
//     before it within its parent: all of " \n  " before <li>, the " " of
//     "Hello " before <b>, nothing when an element or comment precedes it
//     or it is its parent's first child.
//   - The tail of an element is the whitespace that ends the text at the
//     end of its content: the "\n" before </ul>. Whitespace after </body>
//     and </html> is part of the body's tail: browsers put it there.
//
// A fragment owns its lead: it travels with the fragment, and a change to
// it is a change to the fragment. Everything else, whitespace included,
// counts byte for byte in the own markup of the fragment it belongs to.
//
// # Actions
//
// An Update is applied by the browser client, and by the tests of this
// package, with exactly these semantics; #id names the element of the
// body with that id. The html of every update but the
// body's is the fragment's lead followed by its outerHTML, byte for byte
// as the page has them; it is parsed in the context of the element it
// goes into (the parent of #fragment_id or of #target_id, or
// #fragment_id itself for append), so SVG and MathML keep their
// namespaces and <noscript> parses as in a page with scripting on.
//
//   - replace: the element #fragment_id and its lead are replaced by html.
//   - append: html goes into #fragment_id right before its tail (after its
//     last child when it has no tail).
//   - remove: the element #fragment_id and its lead are removed.
//   - insertAfter: html, whose element is the new fragment #fragment_id,
//     goes right after the element #target_id.
//   - insertBefore: html goes right before the lead of the element
//     #target_id.
//   - text: the children of #fragment_id become one text node holding
//     html, which is plain text (none when it is empty).
//   - attrs: html is the fragment's lead and start tag; the lead of
//     #fragment_id becomes that lead, and its attributes become those of
//     the start tag (set, changed or removed one by one, never re-parsed
//     from a string, so SVG's namespaced attributes stay exact). A start
//     tag of another element (a void element that became another one)
//     takes the place of #fragment_id. With fragment_id "" html is the
//     body's start tag.
//   - title: the document's title becomes html (plain text). Diff never
//     returns one; the session adds it when the page's <title> changes.
//   - no-op (is_noop: true): nothing to do. Diff never returns one; the
//     session turns "no updates" into a single no-op.
//
// fragment_id "" names document.body: a replace with fragment_id "" carries
// the page from the body's start tag to its end ("<body ...>...</body>"
// and the whitespace after it; for a page without a <body> tag, "<body>"
// and the page's body content), parsed as a document's <html> element
// parses it, and replaces the body; an append with fragment_id "" appends
// to the body. Updates are applied in order: Diff lists every remove
// first, then every replace, text and attrs, then the inserts and
// appends, so that an id never names two elements while an update looks
// it up, and every lead an update finds is the one Diff saw.
//
// text and attrs are the in-place updates, smaller than an element:
// Diff sends text when only the content of a fragment changed and that
// content is text (no element, comment or markup the parser adds), with
// the text as the DOM holds it (character references decoded, CR LF as
// LF, U+0000 dropped, or U+FFFD in SVG and MathML), and attrs when only
// its lead or start tag changed, its children then diffed as usual. It sends them only where
// the browser's result is the fresh page's: never for <script> (a script
// changed in place could run), nor text for <pre>, <listing> and
// <textarea> (a page drops the newline at the start of their content, an
// innerHTML does not), for raw text and RCDATA elements (<style>,
// <title>, <noscript>...) or for the body. A fragment whose start tag and
// content both changed is replaced whole.
//
// Where an update replaces markup or sets attributes, the browser client
// morphs the old DOM into the new rather than swapping it, and the morph
// keeps what users typed: a control's value, checkedness or selection is set from the new
// markup only when the server's markup for it changed, never on the
// focused control, so a field being typed in keeps its value and caret
// and a field the user edited is not reset by an unrelated update.
// client/README.md has the full rule.
//
// # What Diff guarantees
//
//   - Exact: applying the updates to the old page gives the new page's
//     body: the same elements, attributes, comments and text, whitespace
//     included. Content outside the body (the head, the title) is not
//     tracked: browsers do not apply body updates to it.
//   - Minimal: an unchanged fragment produces nothing. When a fragment's
//     own markup is unchanged, only its changed children produce updates.
//     Children that are DOM siblings form a keyed list: a new child is
//     inserted after its previous sibling, before its next one when it is
//     first, or appended when it is last; a removed child is removed; a
//     reordering keeps a longest increasing subsequence in place and
//     removes and re-inserts the rest (the fewest moves). A fragment
//     whose text or start tag alone changed gets a text or attrs update.
//     Whenever the updates for a fragment's subtree would weigh more
//     bytes than replacing the fragment, the fragment is replaced instead;
//     bytes are counted as package live sends them (html and ids, plus 4
//     for an update's action and separators).
//   - Never wrong: a change in a fragment's own markup (text directly in
//     it, whitespace between its elements, an attribute of an element
//     without an id) replaces that fragment, the nearest id'd ancestor of
//     the change, or the body, unless it is one of the in-place changes
//     above. A fragment whose lead changes gets its new lead.
//   - Tables: rows directly in a <table> sit in the <tbody> the parser
//     inserts, as in the browser: they are listed, inserted and removed
//     like rows of an explicit <tbody> (never appended to the table).
//   - Foreign content: SVG and MathML elements are tracked with the
//     parser's rules (self-closing tags, foreignObject, desc and title,
//     MathML text integration points, annotation-xml with an HTML
//     encoding); HTML that breaks out of them makes the page opaque.
//   - Malformed markup: the page is read once with the streaming tokenizer
//     of golang.org/x/net/html (raw text of <script>, <style>, <textarea>,
//     <title>, <noscript>; comments; void elements; unquoted attributes).
//     When the browser's tree would not follow the tag nesting (a missing
//     or mismatched end tag, a <p> or <li> closed implicitly, misnested
//     formatting, table foster-parenting, a self-closing non-void HTML
//     element, nesting deeper than 500) the body is treated as one opaque
//     fragment: any change replaces the body, and State.Opaque tells why
//     (the session logs it once per template and reason). Well-formed
//     pages, such as html/template renders of well-formed templates, get
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
// parent, a 64-bit hash of its lead and start tag, another of the rest of
// its own markup, and its position in its parent, plus a hash of the whole
// page; never the HTML. It is about 3.9 KB in CBOR for the design's
// dashboard with 50 tasks. It is plain data meant
// to be persisted (CBOR or JSON), so that the first update after a restart
// is still minimal; a State of an older format makes the next Diff replace
// the body. A State is immutable once returned (DiffPatched's shares
// what did not change with its Prev). NewState gives the State of
// a page sent whole (a first render) without building the body update that
// Diff(nil, page) returns.
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
// tokenizes the patches alone; an unchanged subtree with data-cache="false"
// at its root is re-sent from its markup (a Resend), not tokenized, and so
// is a shell whose root alone has data-cache="false" (Seen.ShellResent):
// its markup replaces it, its fragments are its previous ones with the
// patches inside it tokenized. Both return exactly the updates and State
// Diff returns for the whole page (but State.PageHash, which then
// describes no page), or ErrSplice when what they are given does not fit
// (a splice in another context, a patch that is not one subtree with its
// id, an update that would replace the body); the caller then renders the
// page whole. The caller vouches for what it leaves out.
//
// A PatchCache (PatchInput.Cache) shares DiffPatched's tokenizing between
// calls: the fragment entries a patch without splices gives depend only
// on its markup and the context it is parsed in, so a patch given again
// (another session's same changed part) is replayed from the cache, found
// by both compared byte for byte, rather than tokenized; its position,
// parent and the bounds around it are placed per call. The result is the
// one tokenizing gives. The cache also keeps the HTML of the updates and
// their html_hash, found by their exact bytes: sessions that send the same
// update share one string, hashed once; an update that replaces a cached
// patch's root carries the patch's markup, already compared, and its hash. A patch marked Own (markup the
// caller expects no other session to have, such as a part that reads its
// session's id) is neither looked up nor kept, nor the HTML of its
// updates: it would only fill the cache. Own changes the cost, never the
// result.
//
// # Cost
//
// Diff hashes the whole page first (xxhash) and returns at once when it is
// unchanged; otherwise it makes one tokenizer pass, hashing each
// fragment's own markup in place as byte ranges of the page (no DOM, no
// copies), then diffs the fragment trees in time linear in the number of
// fragments (n log n for a reordered list). Update html is copied from the
// page as it is. On the design's 50-task dashboard this costs less than
// executing its template (BENCHMARKS.md). Diff is safe for concurrent use.
//
// DiffPatched follows the patches, not the page, while every patch holds
// as many fragments as the subtree it replaces (a changed text, attribute
// or row, not an added one): each fragment then stays where prev has it,
// and DiffPatched reads and writes the entries of the patches, the shells
// and the resends alone, and diffs keyed lists inside the patches against
// those subtrees of prev alone. The new State is prev's lists with the
// patches' entries set: a list no patch changed is prev's, shared, and a
// changed one a copy (a copy of a few bytes per fragment, the one cost
// left that follows the page, with clearing a few flags per fragment). A
// patch that changes the count makes the rest of the page be assembled
// fragment by fragment, as prev has it, in time linear in the page.
package fragments
