// The WebSocket: connect, reconnect with backoff and jitter, resynchronize
// after a reconnect, and reload once when the session is gone (see
// live/doc.go for the wire format and close codes).
import { apply } from "./apply.js";

var doc = document,
  RESYNC = { action: "_resync" },
  RELOADED = "statetemplate-reloaded",
  ws = null,
  tries = 0,
  opened = false,
  queue = [],
  url;

export function status(s) {
  doc.documentElement.dataset.stStatus = s;
  doc.dispatchEvent(new CustomEvent("statetemplate:status", { detail: s }));
}

// raw sends m now, or queues it until the socket is open.
export function raw(m) {
  if (ws && ws.readyState === 1) ws.send(JSON.stringify(m));
  else if (queue.length < 100) queue.push(m);
}

// connect opens the socket at path for the tab reference ref.
export function connect(path, ref) {
  url =
    (location.protocol === "https:" ? "wss://" : "ws://") +
    location.host +
    path +
    (path.indexOf("?") < 0 ? "?" : "&") +
    "ref=" +
    encodeURIComponent(ref);
  open();
}

function open() {
  ws = new WebSocket(url);
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
    setTimeout(open, d / 2 + (Math.random() * d) / 2);
  };
}
