// Package plan renders a session's page so that an update costs what
// changed, not the page: it executes and tokenizes only the parts of the
// page whose data changed, and gives exactly the updates and State that
// fragments.Diff gives for the whole new page.
//
// # Analysis (Build)
//
// Build clones the app's html/template set before it is ever executed
// (ErrExecuted after: the caller renders whole) and analyses its parse
// trees. A part is an element with an id whose start and end tags are
// literal text of one node list, so that html/template escapes it in HTML
// text context at both ends; a native range is a {{range}} whose rows hold
// parts. Each part becomes a template of its own, called in its place
// through {{with _st_enter ...}}; each native range is iterated in Go, its
// rows a template of their own. The rewrite binds dot, $ and the variables
// a part uses exactly as the original does (a part's dot stays
// addressable, so methods with pointer receivers resolve as written).
// html/template escapes the rewritten set itself; Build runs it dry to
// make it escape, and keeps a row template only if it is escaped alone as
// at its call. A template whose parts cannot be proven to render exactly as
// written is not an entry (Plan.Entry): it renders whole.
//
// For each part and row, the analysis records what it reads of its inputs
// (dot, $, variables) by their first field (or map key): a key reads a
// top-level field of the data alone, and any other input whole; a shell
// key (below) reads a field of any input alone, so that a row whose cells
// changed keeps its shell. Anything it cannot follow (a method, a function)
// reads its arguments whole, and an unknown value reads everything. Functions and
// methods named volatile (Options.Volatile), and every function of the app
// called without arguments, make the parts that call them render on every
// update. The analysis assumes the app's other functions and its data's
// methods are deterministic: equal inputs, equal output.
//
// # Keys and the shared cache
//
// A part's key is a hash of the exact bytes of the canonical CBOR encoding
// of what it reads: sub-ranges of the one encoding the session makes of its
// data anyway (internal/cborpath finds them). An unchanged key means an
// unchanged output. A leaf part (no part inside) whose key changed is looked
// up in a Cache shared across sessions (cache.Fragments), keyed by the
// plan's random identity, the part and the full input bytes, which the
// cache compares: two sessions share a part's HTML only when it was
// rendered from byte-identical inputs. The plan remembers the cache keys
// (SHA-256) of the inputs it looked up last, found by the part's key and
// compared byte for byte (cachekeys.go): the tabs of a push look up the
// same changed parts, and hash their inputs once. It remembers too the
// HTML the shared cache gave for those keys, so that the tabs after the
// second take it without a Get (equal keys, equal inputs, equal HTML). A
// part whose lookups
// find nothing for a window of them (one that reads its session's own id,
// or the time) is not looked up, nor Set, for a while, then tried again
// (cacheuse.go): a lookup costs a key and a Get, and a miss a Set.
//
// # Shared transitions
//
// The tabs of a push go through the same transition: the same page before,
// the same data after. With a shared cache (Input.Cache), a render
// remembers its result (transitions.go), found by the exact bytes of the
// data's encoding, the template, the data's type and the previous page's
// title, all compared, never a hash alone; a render of another session
// whose previous State has the same fragments (fragments.State.SameFragments)
// takes that result instead of rendering: its updates (a copy of its own),
// State and Memo, which no session modifies, so that from then on the
// sessions hold the same State and the next transition is found by
// comparing pointers. Only data whose encoding captures it in full
// (session.Shareable, and session.Captured for the times it holds: a
// zone's name is not encoded) and entries that call no volatile function
// share; data that is not captured shares no part either, and no part of
// its page is skipped for equal input bytes (Input.Captured),
// and a render needs a memo and must not write the page. What a render
// shares is what its own full render would give, but for the PageHash of
// its State, and, for a page that did not change, whether the
// data-cache="false" fragments are re-sent (below). Renders that never
// find another's (a tab's own watchlist, its session id) look up less and
// less, as parts do.
//
// # Memo
//
// A Memo is what a session keeps in memory between renders (never
// persisted): one node per part, range and row of the page the browser has,
// in document order, with its key, its shell key (below), the ident of its
// output, where its root fragment is in the State, and what the last
// extraction learned of it (fragments.Seen). A memo is valid only with the
// plan, State, template and data type it was made with (Render ignores
// any other: its units, keys and HTML are another template's). Its nodes
// are kept in chunks, each node in two halves (its keys and idents, which
// change with the data, and the rest), and a render's memo shares every
// half-chunk that did not change with the memo it was rendered from: a
// render allocates the keys of what changed and of its ancestors, not the
// page's nodes. A memo also keeps the HTML the shared cache gave for its re-sent
// unchanged data-cache="false" parts (never HTML a part rendered itself,
// which would be the session's own): a walk that keeps such a part's key
// (below) takes it from there.
//
// With Input.EncKept (the session's snapshot of its data, which it never
// modifies), a memo also keeps the layout of that encoding (layout.go):
// where the root map's entries are and, for large lists, their elements.
// The next render finds the same items in its encoding by comparing each
// with the old one byte for byte rather than walking it (equal bytes are
// the same encoded item), and walks only what differs; a row whose list
// element is byte for byte the old one, under the same shared reads, keeps
// its previous key without its inputs or key being computed. A unit walked
// in an unchanged shell whose every read is in a root entry byte for byte
// the old one keeps its previous key, and its shell key, without its
// reads being found or digested (rootfields.go, which says why that is
// exact).
//
// A render reads the previous memo's nodes flat. The plan keeps the flat
// nodes its last render wrote, with the memo made of them (flat.go): the
// next render of that memo reads them as they are rather than flattening
// its chunks, and the new memo shares each chunk whose nodes are byte for
// byte the previous ones at the same place without comparing them node by
// node.
//
// A render's working memory (frames, the inputs of the units, the records
// of splices and patches, the parsed maps of the encoding, the nodes read
// and written flat) is scratch kept from render to render (scratch.go):
// none of it is in the Output.
//
// # Rendering an update
//
// With a memo, Render tries, in order:
//
//   - Skipping shells (skip.go). A unit's shell is the unit without the
//     units inside it; its shell key hashes what the shell reads, with
//     conditions reduced to their truth and ranges to their length, which
//     it computes itself as text/template would (shell.go). When the
//     page's shell key is unchanged, Render walks the memo instead of
//     executing the page: a part with an unchanged key is left as it was,
//     one with an unchanged shell key is walked, and any other part is
//     executed alone; the inputs of the parts and rows inside a shell are
//     computed from the data along their paths. The executed parts are
//     diffed with fragments.DiffPatched, the rest of the page neither
//     executed nor tokenized.
//   - Executing the page with unchanged parts spliced: their markup is not
//     written, and their fragments are taken from the previous State.
//     When the page's markup outside its changed parts is unchanged (equal
//     shells, see identOf), only those parts are tokenized (patch.go,
//     fragments.DiffPatched); otherwise the page as written is tokenized
//     (fragments.DiffSpliced).
//   - An unchanged page (equal idents) gives no updates without tokenizing.
//
// With Input.Patches, the parts DiffPatched tokenizes are shared between
// renders (fragments.PatchCache): a part another tab rendered to the same
// markup in the same place of the page is not tokenized again. The
// part's fragment entries are replayed; what depends on the session's
// page (where the part sits in its State) is computed per render. A part
// whose shared-cache lookups are being skipped (cacheUse: no other render
// made its HTML, as for a footer that shows the session's id) is patched
// as Own (fragments.Patch): its markup is neither looked up in the
// PatchCache nor kept there, nor its update's HTML.
//
// A part whose shell is static text (compose.go: its escaped template
// writes only literal text around the calls of the parts inside it, as a
// status footer with data-cache="false" around three id'd spans), or text
// within {{if}}s whose conditions a shell computes itself (fields,
// constants and the builtins of shell.go, as a counter section's
// {{if ge .Counter .MaxCounter}}disabled{{end}}), is composed wherever it
// would be executed: its conditions are computed first (a condition that
// cannot be, such as one text/template cuts short at a nil pointer, makes
// the part execute), then its text is written and its parts entered in
// order, as its template would, each spliced, taken from the shared cache
// by the exact bytes it reads, executed or composed in turn. Only the
// parts that read the session's own data run a template. The text comes
// from the template alone, so composing shares nothing between sessions
// that executing would not.
//
// A leaf part (no part inside) whose escaped template is text, {{if}}s
// of natives, {{range}}s of slices and values printed in HTML text or a
// quoted attribute (leaf.go) is composed as it goes: its values, fields
// and a time's Format, are written escaped as html/template's escaper
// writes a plain string, a bool or an integer; any other value, or
// whatever cannot be computed, cuts what it wrote and executes it. A
// counter's history of five rows runs no template.
//
// A data-cache="false" part that changed but whose shell did not (equal
// shells, identOf), and whose shell holds no other data-cache="false"
// fragment, is a re-sent shell of fragments.DiffPatched (resent.go): its
// markup, in the buffer, is the update Diff sends; only the parts inside
// it that changed are patches, tokenized (or replayed from the
// PatchCache), its other fragments the previous State's.
//
// Whatever a step cannot place (a unit called through a template call, a
// part below an id'd element that is not a part, a splice in another
// context, an input it cannot compute), it leaves to the next; the last
// executes everything, and the caller renders whole on ErrNoPlan. A part
// with data-cache="false" is re-sent on every update that changes the
// page, as Diff re-sends it: rendered when it changed, and otherwise taken
// from the shared cache (or rendered) without being tokenized again.
// Render never returns anything but what Diff of the whole page returns
// (the property tests check it on random templates and data, against the
// full-render path), except State.PageHash and, where nothing changed
// and the memo was lost, a re-send of the data-cache="false" fragments.
package plan
