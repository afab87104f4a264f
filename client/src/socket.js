// The WebSocket: connect, reconnect with backoff and jitter, resynchronize
// after a reconnect, reload once when the session is gone, and keep the
// tab's session across reloads (see live/doc.go for the wire format, the
// close codes and the reload protocol).
import { apply } from "./apply.js";
import { answer, settle } from "./actions.js";
import { grow } from "./plus.js";
import { fire } from "./notices.js";
import { doc, docEl } from "./morph.js";

const RESYNC = { action: "_resync" },
  // The server's first message: the session is open, and the server
  // speaks this client's version of the wire form (live/wire.go).
  READY = '{"v":5}',
  RELOADED = "st-reloaded",
  queue = [],
  enc = encodeURIComponent,
  L = location,
  // what the resume cookie is set with
  C = ";path=/;max-age=",
  secure = L.protocol == "https:",
  // ss runs f on sessionStorage, which some browsers refuse to scripts.
  ss = (f) => {
    try {
      return f(sessionStorage);
    } catch (x) {}
  };
let ws,
  // ids are the ids this connection's records have carried, by number:
  // an upper-case record names its element by number (live/wirestate.go).
  ids,
  tries = 0,
  opened,
  live,
  ref,
  path,
  base,
  first,
  key,
  // bad: a record failed and the resync is asked for. The records sent
  // before its answer, a replace of the whole body, may build on what
  // the page lacks (a splice of a text it never got): they wait for it.
  bad;

// learn numbers an id a batch carried, up to 4096 of them.
const learn = (i) => i && !ids[4095] && !ids.includes(i) && ids.push(i);

export { L };

export const here = () => L.pathname + L.search;

export const status = (s) => {
  docEl.dataset.stStatus = s;
  fire("status", s);
};

// raw sends m now, or queues it until the socket is open.
export const raw = (m) => (ws?.readyState == 1 ? ws.send(JSON.stringify(m)) : queue[99] || queue.push(m));

// tab reads or writes what this tab remembers across its page loads: the
// reference of its page (r), the page's URL (u) and, while a page goes
// away, the nonce (n) it left in the resume cookie.
const tab = (t) => ss((s) => (t ? s.setItem(key, JSON.stringify(t)) : JSON.parse(s.getItem(key)))) || {};

// remember records the page's reference and URL, after a navigation.
export const remember = () => tab({ r: ref, u: here() });

export const uploadURL = () => path + "/upload?ref=" + enc(ref);

// connect opens the socket at p for the page's tab reference pageRef.
// resumed is the nonce of a page that continued its tab's session, rc the
// name of the resume cookie.
export const connect = (p, pageRef, resumed, rc) => {
  const t = ((key = "st-tab:" + p), tab());
  // The resume cookie is cleared by the server that reads it, but the
  // previous page's pagehide, which comes after that response, leaves it
  // again: the page that continues the session clears it, so that a tab
  // opened next does not pick it up.
  const stay = () => (doc.cookie = rc + "=" + C + 0);
  path = p;
  ref = pageRef;
  first = resumed
    ? t.n == resumed
      ? (stay(), "&resumed=1")
      : "&fresh=1" // another tab took the session this tab left: start anew
    : t.r && t.r != ref && t.u == here()
    ? "&prev=" + enc(t.r) // a reload the cookie missed, or a duplicated tab
    : "";
  remember();
  base = (secure ? "wss://" : "ws://") + L.host + p + "?";
  // As the page goes away — before the next page's request, which
  // pagehide comes too late for — a reload of this URL takes the cookie
  // along within seconds, and the next page continues this session. A
  // page that stays (a cancelled unload, bfcache) clears it.
  // The nonce: two random numbers' digits, up to 20 (live/tab.go's
  // validNonce takes 8 to 32).
  const n = crypto.getRandomValues(new Uint32Array(2)).join(""),
    leave = () => {
      tab({ r: ref, u: here(), n });
      doc.cookie = rc + "=" + ref + "." + n + "." + enc(here()) + C + "10;samesite=lax" + (secure ? ";secure" : "");
      // Reading the cookies back waits until the browser has stored the
      // write (Chromium hands it to its network service asynchronously),
      // so that the reload's request, which comes next, carries it.
      setTimeout(stay, 3000, doc.cookie);
    };
  ["beforeunload", "pagehide"].map((e) => addEventListener(e, leave));
  addEventListener("pageshow", (e) => e.persisted && stay());
  open();
};

// gone reloads the page once, for a new session or another client, but
// not again until a page has connected, so a dead server cannot loop us.
const gone = () => {
  status("gone");
  if (ss((s) => !s.getItem(RELOADED) && !s.setItem(RELOADED, 1))) L.reload();
};

const open = () => {
  ids = [];
  ws = new WebSocket(base + "v=5&ref=" + enc(ref) + "&url=" + enc(here()) + first);
  ws.onopen = () => {
    tries = 0;
    // Updates may have been lost while disconnected: start from a full
    // render; actions in flight will not be answered.
    if (opened) queue.unshift(RESYNC), settle();
    opened = 1;
    queue.splice(0).forEach(raw);
  };
  ws.onmessage = ({ data: d }) => {
    const touched = [];
    let m;
    if (!live) {
      // Another first message is a server of another version: the page
      // reloads once and gets that server's client.
      if (d != READY) return (ws.onclose = null), ws.close(), gone();
      // Only now may a later "gone" reload the page again.
      live = 1;
      first = "";
      ss((s) => s.removeItem(RELOADED));
      return status("open");
    }
    if (d[0] == "{") return (m = JSON.parse(d)).ref ? ((ref = m.ref), remember()) : answer(m);
    // A batch: its first character separates records, the next one
    // fields. An action's ack (k) ends it, and is answered even when an
    // update failed.
    let k, t;
    m = d.slice(1).split(d[0]).map((r) => r.split(String.fromCharCode(d.charCodeAt() + 1)));
    for (const r of m) {
      const a = r[0][0],
        id = r[0].slice(1);
      // Both ends number every id a record carries, even past a failure.
      // A number no id has makes the record one apply refuses (a resync).
      a == "k"
        ? (k = id)
        : (a < "a" ? (r[0] = (t = ids[parseInt(id, 36)]) ? a.toLowerCase() + t : "?") : learn(id),
          (bad &&= id || a != "r") || ((t = apply(r)) ? touched.push(t) : (bad = raw(RESYNC) || 1)));
    }
    grow(doc.body, touched);
    touched[0] && fire("update", m);
    k && answer({ ack: k });
  };
  // 4409: a newer page of this tab took the session over; 4401: the
  // session is gone for good, or this client's version is; else retry.
  ws.onclose = (e) => (
    (ws = live = null),
    e.code == 4409
      ? status("replaced")
      : e.code == 4401
      ? gone()
      : (status("closed"), setTimeout(open, (Math.min(5000, 250 * 2 ** tries++) * (1 + Math.random())) / 2))
  );
};
