package browsertest

import (
	"encoding/json"
	"fmt"
)

// snapshotJS serializes the subtree of its argument canonically; see
// Snapshot.
const snapshotJS = `(function (root) {
  var NS = {
    "http://www.w3.org/1999/xhtml": "html",
    "http://www.w3.org/2000/svg": "svg",
    "http://www.w3.org/1998/Math/MathML": "math",
    "http://www.w3.org/1999/xlink": "xlink",
    "http://www.w3.org/XML/1998/namespace": "xml",
    "http://www.w3.org/2000/xmlns/": "xmlns"
  };
  function ns(u) { return u == null ? "" : NS[u] || u; }
  var out = [];
  function state(n) {
    var s = [];
    switch (n.localName) {
      case "input":
        s.push(".value=" + JSON.stringify(n.value), ".checked=" + n.checked);
        break;
      case "textarea":
        s.push(".value=" + JSON.stringify(n.value));
        break;
      case "select":
        s.push(".selectedIndex=" + n.selectedIndex);
        break;
      case "option":
        s.push(".selected=" + n.selected);
    }
    return s.length && n.namespaceURI === "http://www.w3.org/1999/xhtml" ? " " + s.join(" ") : "";
  }
  function kids(p, pad) {
    var text = null;
    function flush() {
      if (text !== null) out.push(pad + "#text " + JSON.stringify(text));
      text = null;
    }
    for (var c = p.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3 || c.nodeType === 4) {
        text = (text || "") + c.data;
        continue;
      }
      flush();
      node(c, pad);
    }
    flush();
  }
  function node(n, pad) {
    switch (n.nodeType) {
      case 1:
        var attrs = [];
        for (var i = 0; i < n.attributes.length; i++) {
          var a = n.attributes[i];
          attrs.push((a.namespaceURI ? ns(a.namespaceURI) + ":" : "") + a.localName + "=" + JSON.stringify(a.value));
        }
        attrs.sort();
        out.push(pad + "<" + ns(n.namespaceURI) + ":" + n.localName + (attrs.length ? " " + attrs.join(" ") : "") + ">" + state(n));
        if (n.localName === "template" && n.content) {
          out.push(pad + "  #content");
          kids(n.content, pad + "    ");
        }
        kids(n, pad + "  ");
        break;
      case 8:
        out.push(pad + "#comment " + JSON.stringify(n.data));
        break;
      case 7:
        out.push(pad + "#pi " + n.target + " " + JSON.stringify(n.data));
        break;
      case 10:
        out.push(pad + "#doctype " + n.name);
        break;
      default:
        out.push(pad + "#node" + n.nodeType);
    }
  }
  if (!root) return null;
  node(root, "");
  return out.join("\n");
})`

// Snapshot returns the canonical serialization of the first element
// matching the CSS selector, or fails the test when none does. See the
// package documentation for what it records.
func (tb *Tab) Snapshot(selector string) string {
	tb.t.Helper()
	sel, _ := json.Marshal(selector)
	s, err := TryEval[*string](tb, fmt.Sprintf("%s(document.querySelector(%s))", snapshotJS, sel))
	if err != nil {
		tb.t.Fatalf("snapshot of %s: %v", selector, err)
	}
	if s == nil {
		tb.t.Fatalf("snapshot: nothing matches %s", selector)
	}
	return *s
}

// SnapshotJS is the snapshot function as a JavaScript expression taking a
// node, for pages that snapshot themselves: SnapshotJS + "(document.body)".
func SnapshotJS() string { return snapshotJS }
