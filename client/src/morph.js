// The morph: a replace turns the live element into the new markup in place,
// keeping the nodes that match and what the user did to form controls (the
// rule is in client/README.md). Parsing happens in the context the markup
// goes into, as the page's own parser would.
// doc is the page's document, one name for it in every module, and docEl
// its root element, <html>.
export const doc = document,
  docEl = doc.documentElement;

// parse parses html as the content of an element like ctx (its namespace,
// its insertion mode, scripting on) into a DocumentFragment. Scripts in it
// never run. The stand-in for ctx is a bare element (a clone of an <audio
// src> would load it), with the encoding that makes a MathML
// annotation-xml hold HTML.
export const parse = (html, ctx) => {
  const c = doc.createElementNS(ctx.namespaceURI, ctx.localName),
    f = doc.createDocumentFragment(),
    e = ctx.getAttribute("encoding");
  e && c.setAttribute("encoding", e);
  c.innerHTML = html;
  f.append(...c.childNodes);
  return f;
};

// lead returns the first node of the whitespace that ends the text before
// n among p's children (n undefined: the tail of p), splitting a text node
// where the whitespace starts inside it; n when there is none.
export const lead = (p, n) => {
  let c = n ? n.previousSibling : p.lastChild,
    first = n,
    k;
  for (; c?.nodeType == 3; c = c.previousSibling) {
    if ((k = c.data.search(/[\t\n\f\r ]*$/))) {
      if (k < c.data.length) first = c.splitText(k);
      break;
    }
    first = c;
  }
  return first;
};

// dropLead removes the lead of el.
export const dropLead = (el) => {
  for (let x = lead(el.parentNode, el), n; x != el; x = n) (n = x.nextSibling), x.remove();
};

const opts = (s) => [...s.options],
  // marks lists the values of the options the markup selects.
  marks = (s) => opts(s).map((o) => (o.defaultSelected ? o.value + "," : "")).join("");

// A select the user changed keeps the choice through updates (see guard).
addEventListener("change", (e) => (e.target.stUser = 1), true);

// guard runs change, under n, and then, when the markup of s (the select
// holding n) changed, gives s the selection its markup gives, as a fresh
// load would; but when the user chose and the server's selected
// attributes did not change, it keeps the user's choice, by option value.
export const guard = (n, change, s = n.closest("select")) => {
  if (!s) return change();
  const was = s.outerHTML,
    m = marks(s),
    v = opts(s).filter((o) => o.selected).map((o) => o.value);
  change();
  // Setting each option's selected in order is what parsing does: the
  // last selected wins, and none selected selects the first.
  s.outerHTML != was &&
    opts(s).forEach((o) => (o.selected = s.stUser && marks(s) == m ? v.includes(o.value) : o.defaultSelected));
};

// key returns the live element with the id n has, to morph into n: one
// that was under the element being morphed before the morph began, with
// an id unique there and in the new markup (the parser clones ids in
// malformed markup; a clone must not pull an element to two places), and
// not an ancestor of a, the element being filled.
let key;
const ids = (r) => {
    const m = new Map();
    r.querySelectorAll("[id]").forEach((x) => m.set(x.id, m.has(x.id) ? 0 : x));
    return m;
  },
  // (the same nodeName is the same nodeType: a tag, #text, #comment)
  same = (a, b) => a.nodeName == b.nodeName && a.id == b.id,
  // morph turns the live node a into b in place and returns the node that
  // now stands for b; shallow, a's attributes only (b is a start tag).
  morph = (a, b, shallow) => {
    // A script changed in place could run (an empty one never has); the
    // parsed one never does.
    if (!same(a, b) || (a.localName == "script" && !a.isEqualNode(b))) return a.replaceWith(b), b;
    if (a.nodeType != 1) return (a.nodeValue = b.nodeValue), a;
    const tag = a.nodeName,
      focused = a == doc.activeElement,
      input = tag == "INPUT",
      // For buttons, boxes and hidden inputs .value is the attribute, so
      // setting it changes nothing the markup does not say.
      typed = tag == "TEXTAREA" || (input && a.type != "file"),
      val = (x) => (input ? x.getAttribute("value") : x.defaultValue),
      ov = val(a),
      nv = shallow && !input ? ov : val(b),
      nc = b.hasAttribute("checked"),
      oc = a.hasAttribute("checked");
    // A focused field keeps its value: make it the user's before the
    // markup under it changes.
    if (focused && typed && ov != nv) a.value = a.value;
    // A select's own attributes (size, multiple) change its selection
    // too: they change under its guard.
    guard(
      a,
      () => {
        // The client's own marks (data-st-*, aria-invalid of a field
        // error) stay unless the markup sets them.
        for (const x of [...a.attributes])
          b.hasAttributeNS(x.namespaceURI, x.localName) || /^(data-st-|aria-inv)/.test(x.name) || a.removeAttributeNode(x);
        for (const x of b.attributes)
          a.getAttributeNS(x.namespaceURI, x.localName) != x.value && a.setAttributeNS(x.namespaceURI, x.name, x.value);
        // A field error shown (data-st-error) keeps its text.
        shallow ||
          a.hasAttribute("data-st-error") ||
          (tag == "TEMPLATE" ? a.innerHTML != b.innerHTML && a.content.replaceChildren(b.content) : children(a, b));
      },
      tag == "SELECT" && a,
    );
    if (input && oc != nc) a.checked = nc;
    // Without a value attribute a fresh load has the type's default
    // value; on a box or a button .value sets the attribute: drop it.
    if (typed && ov != nv && !focused) (a.value = nv ?? ""), nv ?? a.removeAttribute("value");
    return a;
  },
  // children makes a's children b's, in order. The next old node to reuse
  // is always the one after the last placed.
  children = (a, b) => {
    let prev = null,
      n,
      next,
      m,
      cur;
    for (n = b.firstChild; n; n = next) {
      next = n.nextSibling;
      cur = prev ? prev.nextSibling : a.firstChild;
      if ((m = n.nodeType == 1 && key(n.id)) && !m.contains(a)) {
        m != cur && a.insertBefore(m, cur);
        prev = morph(m, n);
      } else if (cur && same(cur, n) && !key(cur.id)) prev = morph(cur, n);
      else a.insertBefore(n, cur), (prev = n);
    }
    while ((cur = prev ? prev.nextSibling : a.firstChild)) cur.remove();
  };

// morphRoot morphs el into t (shallow: el's attributes only), then gives
// focus back to an element that lost it by being moved, with its
// selection.
export const morphRoot = (el, t, shallow) => {
  const f = doc.activeElement,
    s = f?.selectionStart,
    e = f?.selectionEnd;
  const live = ids(el),
    next = ids(t);
  key = (id) => id && next.get(id) && live.get(id);
  el.normalize();
  morph(el, t, shallow);
  if (f && f != doc.activeElement && doc.contains(f)) {
    f.focus();
    try {
      f.setSelectionRange(s, e);
    } catch (x) {}
  }
};
