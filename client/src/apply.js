// apply applies one update with the semantics of fragments/doc.go: the
// html of a fragment is its lead (the whitespace before it) and its
// outerHTML, parsed where it goes.
import { fnv, norm } from "./hash.js";
import { parse, lead, dropLead, guard, morphRoot } from "./morph.js";

var doc = document;

// byId finds a fragment: an element of the body. Markup that the parser
// put into the head on an earlier load may still hold the id there.
function byId(id) {
  var e = doc.getElementById(id);
  return e && !doc.body.contains(e) ? doc.body.querySelector("#" + CSS.escape(id)) : e;
}

// apply applies u and reports whether it could: a false return (hash
// mismatch, missing element, html that is not the fragment) makes the
// client ask for a re-render.
export function apply(u) {
  if (u.is_noop) return true;
  var h = u.html,
    a = u.action,
    id = u.fragment_id,
    el = id ? byId(id) : doc.body,
    p,
    f,
    t,
    done;
  if (h != null && u.html_hash && norm(fnv(h)) !== norm(u.html_hash)) return false;
  if (a === "insertAfter" || a === "insertBefore") {
    t = byId(u.target_id);
    if (!t) return false;
    p = t.parentNode;
    f = parse(h, p);
    if (!root(f, id)) return false;
    done = guard(p);
    p.insertBefore(f, a === "insertAfter" ? t.nextSibling : lead(p, t));
    done();
    return true;
  }
  if (!el) return false;
  p = el.parentNode;
  if (a === "remove") {
    done = guard(p);
    dropLead(el);
    el.remove();
    done();
    return true;
  }
  if (a === "append") {
    done = guard(el);
    el.insertBefore(parse(h, el), lead(el, null));
    done();
    return true;
  }
  if (a !== "replace") return false;
  if (!id) {
    // The body as the page's parser reads it: within <html>.
    t = parse(h, doc.documentElement).querySelector("body");
    if (!t) return false;
  } else {
    f = parse(h, p);
    t = root(f, id);
    if (!t) return false;
    f.removeChild(t); // f keeps the new lead
    for (var x = lead(p, el), o = ""; x !== el; x = x.nextSibling) o += x.data;
    if (o !== f.textContent) {
      dropLead(el);
      p.insertBefore(f, el);
    }
  }
  done = guard(p);
  morphRoot(el, t);
  done();
  return true;
}

// root returns the element of a fragment's html, parsed into f: its last
// node, after nothing but whitespace text.
function root(f, id) {
  var r = f.lastChild,
    x;
  if (!r || r.nodeType !== 1 || r.id !== id) return null;
  for (x = f.firstChild; x !== r; x = x.nextSibling)
    if (x.nodeType !== 3 || /[^\t\n\f\r ]/.test(x.data)) return null;
  return r;
}
