// apply applies one update, a record of the wire form (live/wire.go): its
// operation and fragment id, then its fields. The semantics are those of
// fragments/doc.go: the html of a fragment is its lead (the whitespace
// before it) and its outerHTML, parsed where it goes; text is the
// element's text; attrs is the lead and start tag. It returns the
// element it changed (document.body when none stands for it), or null when
// it could not: a missing element, or a record of the wrong shape, makes
// the client ask for a re-render.
import { doc, docEl, parse, lead, dropLead, guard, morphRoot } from "./morph.js";

// byId finds a fragment: an element of the body (markup the parser put
// into the head on an earlier load may still hold the id there), or the
// body for the id "".
const byId = (id) => (id ? doc.body.querySelector("#" + CSS.escape(id)) : doc.body),
  // root is the element of a fragment's html parsed into f, or false.
  root = (f, id, c = f.lastChild) => c?.id == id && c;

// splice splices t by the triples of r from i on: keep that many UTF-16
// code units (after the triple before), drop that many, put that text.
export const splice = (t, r, i = 1) =>
  r[i] ? t.slice(0, r[i]) + r[i + 2] + splice(t.slice(+r[i] + +r[i + 1]), r, i + 3) : t,
  // sum is the checksum of html or a text a record built
  // (live/wirebase.go checksum).
  sum = (s) => [...s].reduce((x, c) => (x * 31 + c.charCodeAt()) | 0, 0);
// G is the html the last get record built, for the record after it.
let G;

export const apply = (r) => {
  let [k, h, y] = r,
    a = k[0];
  // An empty html is the one the get record before built.
  (h = h || G), (y = y || G), (G = "");
  const id = k.slice(1),
    el = byId(id),
    p = el?.parentNode;
  let t, f;
  // data_changed (d) is for page script; the others have a set length.
  if (a == "d") return doc.head;
  // A get: html built from the element's outerHTML without the client's
  // marks (data-st-*, aria-invalid), checked against the record's
  // checksum (live/wirebase.go), for the next record.
  if (a == "g")
    return (
      el && sum((G = splice(el.outerHTML.replace(/ (data-st|aria-i)[^=]*="[^"]*"/g, ""), r, 2))) == h && doc.head
    );
  // A splice of a text the page gave ends with the checksum of the text
  // it builds: page script may have changed the text.
  a == "p" && r[4] && (t = r.pop());
  if (r.length != ({ x: 1, i: 3, b: 3, p: 4, q: 4 }[a] || 2)) return null;
  if (a == "h") return (doc.title = h), doc.head;
  if (a == "i" || a == "b") {
    if (!(t = byId(h))) return null;
    const q = t.parentNode,
      n = root((f = parse(y, q)), id);
    n && guard(q, () => q.insertBefore(f, a == "i" ? t.nextSibling : lead(q, t)));
    return n;
  }
  if (!el) return null;
  if (a == "x") return guard(p, () => (dropLead(el), el.remove())), doc.body;
  if (a == "a") return guard(el, () => el.insertBefore(parse(h, el), lead(el))), el;
  // A splice of the element's text, or of the html it was last given by
  // a replace or attrs record (live/wirestate.go).
  if (a == "p") (h = splice(el.textContent, r)), (a = t && sum(h) != t ? 0 : "t");
  if (a == "q") (h = splice(el.stH || "", r)), (a = "r");
  if (a == "t") return guard(el, () => (el.textContent = h)), el;
  if (a != "r" && a != "s") return null;
  // The body as the page's parser reads it: within <html>.
  t = id ? root((f = parse(h, p)), id) : parse(h, docEl).querySelector("body");
  if (!t) return null;
  if (id) t.remove(), dropLead(el), p.insertBefore(f, el); // f keeps the new lead
  guard(p, () => morphRoot(el, t, a == "s")); // attrs: the start tag only
  // The html the element was given, which a q record splices.
  return ((t = byId(id)).stH = h), t;
};
