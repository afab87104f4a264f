// statetemplate browser client. Loaded by the <script> tag that package live
// injects into the page:
//   <script src="/statetemplate.js" data-ref="TAB_REF" data-url="/ws" defer>
// It connects to the WebSocket, sends actions as {"action": name, ...fields},
// and applies the fragment updates the server sends. See live/doc.go for the
// wire format and close codes, fragments/doc.go for the update semantics,
// client/README.md for the attributes a page uses.
import { connect, status } from "./socket.js";
import { listenActions, send, setSource } from "./actions.js";
import { listenNav, go } from "./nav.js";
import { hook, scan } from "./hooks.js";
import { on } from "./notices.js";

const me = document.currentScript,
  d = me.dataset;
setSource(me.src);
window.statetemplate = {
  send: (action, fields, el) => send(action, fields, el),
  navigate: go,
  hook: hook,
  on: on,
};
listenActions();
listenNav();
scan([]);
status("connecting");
connect(d.url || "/ws", d.ref, d.resumed, d.rc || "st_browser_resume");
