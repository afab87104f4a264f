// apply applies one update with the semantics of fragments/doc.go.
import { fragment, morphRoot } from "./morph.js";

var doc = document;

// apply applies u and returns the element it changed (document.body when
// none stands for it), or null when it could not: a missing element makes
// the client ask for a re-render. html_hash is not checked: the transport
// delivers html intact, and what a hash of it cannot tell — that the page
// differs from the one the server diffed against — shows as a missing
// element.
export function apply(u) {
  if (u.is_noop) return doc.body;
  if (u.action === "title") {
    doc.title = u.html;
    return doc.head;
  }
  var h = u.html,
    a = u.action,
    id = u.fragment_id,
    el = id ? doc.getElementById(id) : doc.body,
    t;
  if (a === "remove") {
    if (el) el.remove();
    return el && doc.body;
  }
  if (a === "insertAfter" || a === "insertBefore") {
    t = doc.getElementById(u.target_id);
    if (!t) return null;
    t.insertAdjacentHTML(a === "insertAfter" ? "afterend" : "beforebegin", h);
    return doc.getElementById(id) || t.parentNode;
  }
  if (!el) return null;
  if (a === "append") {
    el.insertAdjacentHTML("beforeend", h);
    return el;
  }
  if (a !== "replace") return null;
  t = id ? fragment(h) : new DOMParser().parseFromString(h, "text/html").body;
  if (!t) return null;
  morphRoot(el, t);
  return doc.getElementById(id) || doc.body;
}
