// The morph: a replace turns the live element into the new markup in place,
// keeping the identity of nodes that match, so that a focused input keeps
// its value and caret.
var doc = document;

// fragment parses html into its root element.
export function fragment(html) {
  var t = doc.createElement("template");
  t.innerHTML = html;
  return t.content.firstElementChild;
}

// morph turns the live node a into b in place and returns the node that
// now stands for b. Elements with an id are matched by id anywhere under
// root, the element being morphed.
var root;
function morph(a, b) {
  if (
    a.nodeType !== b.nodeType ||
    a.nodeName !== b.nodeName ||
    (a.nodeType === 1 && a.id !== b.id)
  ) {
    a.replaceWith(b);
    return b;
  }
  if (a.nodeType !== 1) {
    if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
    return a;
  }
  var i, n, at;
  for (i = a.attributes.length - 1; i >= 0; i--) {
    n = a.attributes[i].name;
    if (!b.hasAttribute(n)) a.removeAttribute(n);
  }
  for (i = 0; i < b.attributes.length; i++) {
    at = b.attributes[i];
    if (a.getAttribute(at.name) !== at.value) a.setAttribute(at.name, at.value);
  }
  morphChildren(a, b);
  var focused = a === doc.activeElement;
  switch (a.nodeName) {
    case "INPUT":
      a.checked = b.checked;
      if (!focused && a.type !== "file") a.value = b.value;
      break;
    case "TEXTAREA":
    case "SELECT":
      if (!focused) a.value = b.value;
      break;
    case "OPTION":
      a.selected = b.selected;
  }
  return a;
}

// keyed returns the old element with the id, if it can move under a.
function keyed(id, a) {
  var m = id && doc.getElementById(id);
  return m && root.contains(m) && !m.contains(a) ? m : null;
}

// morphChildren makes a's children b's, in order. The next old node to
// reuse is always the one after the last placed.
function morphChildren(a, b) {
  var prev = null,
    n,
    next,
    m,
    cur;
  for (n = b.firstChild; n; n = next) {
    next = n.nextSibling;
    cur = prev ? prev.nextSibling : a.firstChild;
    m = keyed(n.id, a);
    if (m) {
      if (m !== cur) a.insertBefore(m, cur);
      prev = morph(m, n);
    } else if (
      cur &&
      !n.id &&
      !cur.id &&
      cur.nodeType === n.nodeType &&
      cur.nodeName === n.nodeName
    ) {
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
  root = el;
  morph(el, t);
  if (f && f !== doc.activeElement && doc.contains(f)) {
    f.focus();
    try {
      f.setSelectionRange(s, e);
    } catch (x) {}
  }
}
