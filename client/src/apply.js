// apply applies one update, a record of the wire form (live/wire.go): its
// operation and fragment id, then its fields. The semantics are those of
// fragments/doc.go: the html of a fragment is its lead (the whitespace
// before it) and its outerHTML, parsed where it goes; text is the
// element's text; attrs is the lead and start tag. It returns the
// element it changed (document.body when none stands for it), or null when
// it could not: a missing element, or a record of the wrong shape, makes
// the client ask for a re-render.
import { doc, parse, lead, dropLead, guard, morphRoot } from "./morph.js";

// byId finds a fragment: an element of the body (markup the parser put
// into the head on an earlier load may still hold the id there).
const byId = (id) => doc.body.querySelector("#" + CSS.escape(id)),
  // root is the element of a fragment's html parsed into f, or false.
  root = (f, id) => f.lastChild?.id === id && f.lastChild;

export const apply = (r) => {
  let [k, h, y] = r,
    a = k[0];
  const id = k.slice(1),
    el = id ? byId(id) : doc.body,
    p = el?.parentNode;
  let t, f;
  // data_changed (d) is for page script; the others have a set length.
  if (a == "d") return doc.head;
  if (r.length != ({ x: 1, i: 3, b: 3, p: 4 }[a] || 2)) return null;
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
  // A splice: keep h code units of the text, drop y after them, put r[3].
  if (a == "p") (h = (t = el.textContent).slice(0, h) + r[3] + t.slice(+h + +y)), (a = "t");
  if (a == "t") return guard(el, () => (el.textContent = h)), el;
  if (a != "r" && a != "s") return null;
  // The body as the page's parser reads it: within <html>.
  t = id ? root((f = parse(h, p)), id) : parse(h, doc.documentElement).querySelector("body");
  if (!t) return null;
  if (id) t.remove(), dropLead(el), p.insertBefore(f, el); // f keeps the new lead
  guard(p, () => morphRoot(el, t, a == "s")); // attrs: the start tag only
  return id ? byId(id) : doc.body;
};
