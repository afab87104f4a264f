// The WebSocket: connect, reconnect with backoff and jitter, resynchronize
// after a reconnect, reload once when the session is gone, and keep the
// tab's session across reloads (see live/doc.go for the wire format, the
// close codes and the reload protocol).
import { apply } from "./apply.js";

var doc = document,
  RESYNC = { action: "_resync" },
  RELOADED = "statetemplate-reloaded",
  ws = null,
  tries = 0,
  opened = false,
  queue = [],
  ref,
  base,
  first,
  key;

export function status(s) {
  doc.documentElement.dataset.stStatus = s;
  doc.dispatchEvent(new CustomEvent("statetemplate:status", { detail: s }));
}

// raw sends m now, or queues it until the socket is open.
export function raw(m) {
  if (ws && ws.readyState === 1) ws.send(JSON.stringify(m));
  else if (queue.length < 100) queue.push(m);
}

// tab reads or writes what this tab remembers across its page loads: the
// reference of its page (r) and, while a page goes away, the nonce (n) it
// left in the resume cookie.
function tab(t) {
  try {
    if (t) sessionStorage.setItem(key, JSON.stringify(t));
    else return JSON.parse(sessionStorage.getItem(key)) || {};
  } catch (x) {
    return {};
  }
}

// connect opens the socket at path for the page's tab reference pageRef.
// resumed is the nonce of a page that continued its tab's session, rc the
// name of the resume cookie.
export function connect(path, pageRef, resumed, rc) {
  key = "st-tab:" + path;
  ref = pageRef;
  var t = tab();
  first = resumed
    ? t.n === resumed
      ? "&resumed=1"
      : "&fresh=1" // another tab took the session this tab left: start anew
    : t.r && t.r !== ref
    ? "&prev=" + encodeURIComponent(t.r) // a reload the cookie missed, or a duplicated tab
    : "";
  tab({ r: ref });
  base =
    (location.protocol === "https:" ? "wss://" : "ws://") +
    location.host +
    path +
    (path.indexOf("?") < 0 ? "?" : "&");
  addEventListener("pagehide", function () {
    // A reload brings the cookie back to the server within seconds, and
    // the next page continues this session.
    var n = Array.from(crypto.getRandomValues(new Uint8Array(8)), function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
    tab({ r: ref, n: n });
    doc.cookie =
      rc + "=" + ref + "." + n + ";path=/;max-age=10;samesite=lax" +
      (location.protocol === "https:" ? ";secure" : "");
  });
  addEventListener("pageshow", function (e) {
    if (e.persisted) doc.cookie = rc + "=;path=/;max-age=0";
  });
  open();
}

function open() {
  ws = new WebSocket(
    base +
      "ref=" +
      encodeURIComponent(ref) +
      "&url=" +
      encodeURIComponent(location.pathname + location.search) +
      first
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
      first = "";
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
    } else if (m.ref) {
      ref = m.ref;
      tab({ r: ref });
    } else if (m.error) {
      console.warn("statetemplate:", m.error, m.message);
      doc.dispatchEvent(new CustomEvent("statetemplate:error", { detail: m }));
    }
  };
  ws.onclose = function (e) {
    ws = null;
    if (e.code === 4409) {
      // A newer page of this tab took the session over.
      status("replaced");
      return;
    }
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
    setTimeout(open, d / 2 + (Math.random() * d) / 2);
  };
}
