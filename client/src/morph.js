// The morph: a replace turns the live element into the new markup in place,
// keeping the nodes that match and what the user did to form controls (the
// rule is in client/README.md). Parsing happens in the context the markup
// goes into, as the page's own parser would.
var doc = document,
  WS = /[\t\n\f\r ]*$/;

// parse parses html as the content of the element ctx (its namespace,
// its insertion mode, scripting on) into a DocumentFragment. Scripts in it
// do not run.
export function parse(html, ctx) {
  var n = ctx.localName,
    ns = ctx.namespaceURI,
    e = ctx.getAttribute("encoding"),
    c =
      ns === "http://www.w3.org/1999/xhtml" && n.indexOf("-") > 0
        ? doc.createElement("div") // not a custom element's constructor
        : doc.createElementNS(ns, n),
    f = doc.createDocumentFragment();
  if (e != null) c.setAttribute("encoding", e); // annotation-xml
  c.innerHTML = html;
  while (c.firstChild) f.appendChild(c.firstChild);
  return f;
}

// lead returns the first node of the whitespace that ends the text before
// n among p's children (n null: the tail of p), splitting a text node where
// the whitespace starts inside it; n when there is none.
export function lead(p, n) {
  var c = n ? n.previousSibling : p.lastChild,
    first = n,
    k;
  for (; c && c.nodeType === 3; c = c.previousSibling) {
    k = c.data.length - WS.exec(c.data)[0].length;
    if (k) {
      if (k < c.data.length) first = c.splitText(k);
      break;
    }
    first = c;
  }
  return first;
}

// dropLead removes the lead of el.
export function dropLead(el) {
  for (var x = lead(el.parentNode, el), n; x !== el; x = n) {
    n = x.nextSibling;
    x.remove();
  }
}

// picked is a select's selection as a string of 0s and 1s.
function picked(s) {
  for (var r = "", i = 0; i < s.options.length; i++) r += +s.options[i].selected;
  return r;
}

// fresh is the select its markup gives, parsed anew.
function fresh(s) {
  var c = doc.createElement("div");
  c.innerHTML = s.outerHTML;
  return c.firstChild;
}

// values lists the values of the options that are selected (now, or in
// the markup when mark is true).
function values(s, mark) {
  for (var r = "\0", i = 0, o; (o = s.options[i]); i++)
    if (mark ? o.defaultSelected : o.selected) r += o.value + "\0";
  return r;
}

// guard is called before a change under n, and returns what to call after
// it: the select holding n then gets the selection its markup gives, as a
// fresh load would; but when the user chose differently and the server's
// selected attributes did not change, it keeps the user's choice (by
// option value).
export function guard(n) {
  var s = n.closest("select"),
    user,
    m,
    v;
  if (!s) return function () {};
  user = picked(s) !== picked(fresh(s));
  m = values(s, 1);
  v = values(s);
  return function () {
    var o = s.options,
      f = user && values(s, 1) === m ? 0 : fresh(s).options,
      on = [],
      i;
    for (i = 0; i < o.length; i++) {
      on[i] = f ? f[i].selected : v.indexOf("\0" + o[i].value + "\0") >= 0;
      if (!on[i]) o[i].selected = false;
    }
    for (i = 0; i < o.length; i++) if (on[i]) o[i].selected = true;
  };
}

// key returns the live element with an id, when the id is unique both
// under the element being morphed and in its new markup.
var key;
function keys(a, b) {
  var m = new Map(),
    c = new Map();
  a.querySelectorAll("[id]").forEach(function (x) {
    m.set(x.id, m.has(x.id) ? null : x);
  });
  b.querySelectorAll("[id]").forEach(function (x) {
    c.set(x.id, !c.has(x.id));
  });
  key = function (id) {
    return (id && c.get(id) && m.get(id)) || null;
  };
}

function same(a, b) {
  return (
    a.nodeType === b.nodeType &&
    a.nodeName === b.nodeName &&
    a.namespaceURI === b.namespaceURI &&
    a.id === b.id
  );
}

// typed reports inputs whose value is the user's text, not markup.
function typed(a) {
  return !/^(checkbox|radio|submit|reset|button|hidden|image|file)$/.test(a.type);
}

// morph turns the live node a into b in place and returns the node that
// now stands for b.
function morph(a, b) {
  // A script changed in place could run (an empty one never has); the
  // parsed one never does.
  if (!same(a, b) || (a.localName === "script" && !a.isEqualNode(b))) {
    a.replaceWith(b);
    return b;
  }
  if (a.nodeType !== 1) {
    if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
    return a;
  }
  // nodeName is upper case for HTML elements only.
  var tag = a.nodeName,
    focused = a === doc.activeElement,
    input = tag === "INPUT",
    text = tag === "TEXTAREA",
    g = tag === "SELECT" && guard(a),
    ov = input ? a.getAttribute("value") : a.defaultValue,
    oc = a.hasAttribute("checked"),
    nv = input ? b.getAttribute("value") : b.defaultValue,
    nc = b.hasAttribute("checked"),
    i,
    x,
    y;
  text = text || (input && typed(a));
  // A focused field keeps its value: make it the user's before the markup
  // under it changes.
  if (focused && text && ov !== nv) a.value = a.value;
  for (i = a.attributes.length - 1; i >= 0; i--) {
    x = a.attributes[i];
    if (!b.hasAttributeNS(x.namespaceURI, x.localName)) a.removeAttributeNode(x);
  }
  for (i = 0; i < b.attributes.length; i++) {
    x = b.attributes[i];
    y = a.getAttributeNodeNS(x.namespaceURI, x.localName);
    if (!y || y.value !== x.value) a.setAttributeNS(x.namespaceURI, x.name, x.value);
  }
  if (tag === "TEMPLATE") {
    if (a.innerHTML !== b.innerHTML) a.content.replaceChildren(b.content);
  } else children(a, b);
  if (input && oc !== nc) a.checked = nc;
  if (text && ov !== nv && !focused) a.value = nv || "";
  if (g) g();
  return a;
}

// children makes a's children b's, in order. The next old node to reuse
// is always the one after the last placed.
function children(a, b) {
  var prev = null,
    n,
    next,
    m,
    cur;
  for (n = b.firstChild; n; n = next) {
    next = n.nextSibling;
    cur = prev ? prev.nextSibling : a.firstChild;
    m = n.nodeType === 1 && key(n.id);
    if (m && !m.contains(a)) {
      if (m !== cur) a.insertBefore(m, cur);
      prev = morph(m, n);
    } else if (cur && same(cur, n) && !key(cur.id)) {
      prev = morph(cur, n);
    } else {
      a.insertBefore(n, cur);
      prev = n;
    }
  }
  cur = prev ? prev.nextSibling : a.firstChild;
  while (cur) {
    next = cur.nextSibling;
    a.removeChild(cur);
    cur = next;
  }
}

// morphRoot morphs el into t, then gives focus back to an element that
// lost it by being moved, with its selection.
export function morphRoot(el, t) {
  var f = doc.activeElement,
    s,
    e;
  try {
    s = f.selectionStart;
    e = f.selectionEnd;
  } catch (x) {}
  el.normalize();
  keys(el, t);
  morph(el, t);
  if (f && f !== doc.activeElement && doc.contains(f)) {
    f.focus();
    try {
      f.setSelectionRange(s, e);
    } catch (x) {}
  }
}
