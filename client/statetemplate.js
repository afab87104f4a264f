// statetemplate browser client. Loaded by the <script> tag that package live
// injects into the page:
//   <script src="/statetemplate.js" data-ref="TAB_REF" data-url="/ws" defer>
// It connects to the WebSocket, sends actions as {"action": name, ...fields},
// and applies the fragment updates the server sends. See live/doc.go for the
// wire format and close codes, fragments/doc.go for the update semantics.
(function () {
  "use strict";
  var doc = document,
    me = doc.currentScript,
    ref = me.dataset.ref,
    path = me.dataset.url || "/ws",
    RESYNC = { action: "_resync" },
    RELOADED = "statetemplate-reloaded",
    ws = null,
    tries = 0,
    opened = false,
    queue = [];

  // FNV-1a 64 over the UTF-8 bytes of s, as 16 hex digits. The 64-bit
  // state is kept in two 32-bit halves; the prime is 2^40 + 435.
  function fnv(s) {
    var b = new TextEncoder().encode(s),
      hi = 0xcbf29ce4,
      lo = 0x84222325,
      i,
      t;
    for (i = 0; i < b.length; i++) {
      lo = (lo ^ b[i]) >>> 0;
      t = lo * 435;
      hi = (hi * 435 + Math.floor(t / 4294967296) + lo * 256) >>> 0;
      lo = t >>> 0;
    }
    return hex(hi) + hex(lo);
  }
  function hex(n) {
    return ("0000000" + n.toString(16)).slice(-8);
  }
  function norm(h) {
    return String(h).toLowerCase().replace(/^0+/, "");
  }

  // fragment parses html into its root element.
  function fragment(html) {
    var t = doc.createElement("template");
    t.innerHTML = html;
    return t.content.firstElementChild;
  }

  // morph turns the live node a into b in place and returns the node that
  // now stands for b. It keeps a's identity where the two match, so that a
  // focused input keeps its value and caret. Elements with an id are
  // matched by id anywhere under root, the element being morphed.
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
  function morphRoot(el, t) {
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

  // apply applies one update and reports whether it could: a false return
  // (hash mismatch, missing element) makes the client ask for a re-render.
  function apply(u) {
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

  function status(s) {
    doc.documentElement.dataset.stStatus = s;
    doc.dispatchEvent(new CustomEvent("statetemplate:status", { detail: s }));
  }

  function raw(m) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(m));
    else if (queue.length < 100) queue.push(m);
  }

  function connect() {
    ws = new WebSocket(
      (location.protocol === "https:" ? "wss://" : "ws://") +
        location.host +
        path +
        (path.indexOf("?") < 0 ? "?" : "&") +
        "ref=" +
        encodeURIComponent(ref)
    );
    ws.onopen = function () {
      tries = 0;
      // Updates may have been lost while disconnected: start from a full render.
      if (opened) queue.unshift(RESYNC);
      opened = true;
      var q = queue;
      queue = [];
      q.forEach(raw);
    };
    ws.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (doc.documentElement.dataset.stStatus !== "open") {
        // The server's first message (an empty batch) says the session is
        // live; only now may a later "gone" reload the page again.
        try {
          sessionStorage.removeItem(RELOADED);
        } catch (x) {}
        status("open");
      }
      if (Array.isArray(m)) {
        for (var i = 0; i < m.length; i++)
          if (!apply(m[i])) {
            raw(RESYNC);
            break;
          }
        doc.dispatchEvent(new CustomEvent("statetemplate:update", { detail: m }));
      } else if (m.error) {
        console.warn("statetemplate:", m.error, m.message);
        doc.dispatchEvent(new CustomEvent("statetemplate:error", { detail: m }));
      }
    };
    ws.onclose = function (e) {
      ws = null;
      if (e.code === 4401) {
        // The session is gone for good: reload once for a new one, but not
        // again until a page has connected, so a dead server cannot loop us.
        status("gone");
        try {
          if (sessionStorage.getItem(RELOADED)) return;
          sessionStorage.setItem(RELOADED, "1");
        } catch (x) {
          return;
        }
        location.reload();
        return;
      }
      status("closed");
      var d = Math.min(5000, 250 * Math.pow(2, tries++));
      setTimeout(connect, d / 2 + (Math.random() * d) / 2);
    };
  }

  // send sends an action with extra fields.
  function send(action, fields) {
    raw(Object.assign({}, fields, { action: action }));
  }

  function fields(el) {
    var d = Object.assign({}, el.dataset);
    delete d.action;
    return d;
  }

  function isInput(el) {
    return /^(INPUT|SELECT|TEXTAREA)$/.test(el.nodeName);
  }

  // Declarative actions: data-action on a button or link (click), on a form
  // (submit, with its fields) and on an input (change, with its value).
  doc.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-action]");
    if (!t || t.nodeName === "FORM" || isInput(t)) return;
    e.preventDefault();
    send(t.dataset.action, fields(t));
  });
  doc.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.dataset.action) return;
    e.preventDefault();
    var d = fields(f);
    new FormData(f).forEach(function (v, k) {
      d[k] = v;
    });
    send(f.dataset.action, d);
    f.reset();
  });
  doc.addEventListener("change", function (e) {
    var t = e.target;
    if (!isInput(t) || !t.dataset.action) return;
    var d = fields(t);
    d.value = t.type === "checkbox" ? t.checked : t.value;
    send(t.dataset.action, d);
  });

  window.statetemplate = { send: send, hash: fnv };
  status("connecting");
  connect();
})();
