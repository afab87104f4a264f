// apply applies one update with the semantics of fragments/doc.go.
import { fnv, norm } from "./hash.js";
import { fragment, morphRoot } from "./morph.js";

var doc = document;

// apply applies u and reports whether it could: a false return (hash
// mismatch, missing element) makes the client ask for a re-render.
export function apply(u) {
  if (u.is_noop) return true;
  var h = u.html,
    a = u.action,
    id = u.fragment_id,
    el = id ? doc.getElementById(id) : doc.body,
    t;
  if (h != null && u.html_hash && norm(fnv(h)) !== norm(u.html_hash)) return false;
  if (a === "remove") {
    if (el) el.remove();
    return !!el;
  }
  if (a === "insertAfter" || a === "insertBefore") {
    t = doc.getElementById(u.target_id);
    if (!t) return false;
    t.insertAdjacentHTML(a === "insertAfter" ? "afterend" : "beforebegin", h);
    return true;
  }
  if (!el) return false;
  if (a === "append") {
    el.insertAdjacentHTML("beforeend", h);
    return true;
  }
  if (a !== "replace") return false;
  t = id ? fragment(h) : new DOMParser().parseFromString(h, "text/html").body;
  if (!t) return false;
  morphRoot(el, t);
  return true;
}
