// apply applies one update with the semantics of fragments/doc.go: the
// html of a fragment is its lead (the whitespace before it) and its
// outerHTML, parsed where it goes. It returns the element it changed
// (document.body when none stands for it), or null when it could not: a
// missing element makes the client ask for a re-render. html_hash is not
// checked: the transport delivers html intact, and what a hash of it cannot
// tell — that the page differs from the one the server diffed against —
// shows as a missing element.
import { parse, lead, dropLead, guard, morphRoot } from "./morph.js";

const doc = document,
  // byId finds a fragment: an element of the body (markup the parser put
  // into the head on an earlier load may still hold the id there).
  byId = (id) => doc.body.querySelector("#" + CSS.escape(id)),
  // root is the element of a fragment's html parsed into f, or null.
  root = (f, id) => (f.lastChild?.id === id ? f.lastChild : null);

export const apply = (u) => {
  const h = u.html,
    a = u.action,
    id = u.fragment_id,
    el = id ? byId(id) : doc.body,
    p = el?.parentNode;
  let t, f;
  if (u.is_noop) return doc.body;
  if (a == "title") return (doc.title = h), doc.head;
  if (a == "insertAfter" || a == "insertBefore") {
    if (!(t = byId(u.target_id))) return null;
    const q = t.parentNode,
      n = root((f = parse(h, q)), id);
    n && guard(q, () => q.insertBefore(f, a == "insertAfter" ? t.nextSibling : lead(q, t)));
    return n;
  }
  if (!el) return null;
  if (a == "remove") return guard(p, () => (dropLead(el), el.remove())), doc.body;
  if (a == "append") return guard(el, () => el.insertBefore(parse(h, el), lead(el))), el;
  if (a != "replace") return null;
  // The body as the page's parser reads it: within <html>.
  t = id ? root((f = parse(h, p)), id) : parse(h, doc.documentElement).querySelector("body");
  if (!t) return null;
  if (id) t.remove(), dropLead(el), p.insertBefore(f, el); // f keeps the new lead
  guard(p, () => morphRoot(el, t));
  return id ? byId(id) : doc.body;
};
