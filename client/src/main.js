// statetemplate browser client. Loaded by the <script> tag that package live
// injects into the page:
//   <script src="/statetemplate.js" data-ref="TAB_REF" data-url="/ws" defer>
// It connects to the WebSocket, sends actions as {"action": name, ...fields},
// and applies the fragment updates the server sends. See live/doc.go for the
// wire format and close codes, fragments/doc.go for the update semantics.
import { fnv } from "./hash.js";
import { connect, status } from "./socket.js";
import { listen, send } from "./actions.js";

var d = document.currentScript.dataset;
window.statetemplate = { send: send, hash: fnv };
listen();
status("connecting");
connect(d.url || "/ws", d.ref, d.resumed, d.rc || "st_browser_resume");
