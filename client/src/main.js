// statetemplate browser client. Loaded by the <script> tag that package live
// injects into the page:
//   <script src="/statetemplate.js" data-ref="TAB_REF" data-url="/ws" defer>
// It connects to the WebSocket, sends actions as {"action": name, ...fields},
// and applies the fragment updates the server sends. See live/doc.go for the
// wire format and close codes, fragments/doc.go for the update semantics,
// client/README.md for the attributes a page uses.
import { connect, status, here, uploadURL } from "./socket.js";
import { listenActions, send, fields, formFields, value, isInput } from "./actions.js";
import { fire, on } from "./notices.js";
import { plus, source, withPlus, grow } from "./plus.js";
import { doc, docEl } from "./morph.js";

const me = doc.currentScript,
  d = me.dataset;
source(me.src);
window.statetemplate = {
  send: (action, fields, el) => send(action, fields, el),
  navigate: (url) => withPlus(() => plus.go(url)),
  hook: (name, obj) => withPlus(() => plus.hook(name, obj)),
  on,
  // For the plus extension: see core.js.
  _: { send, here, up: uploadURL, fire, fields, form: formFields, value, input: isInput, plus },
};
listenActions();
grow(docEl, []);
status("connecting");
connect(d.url || "/ws", d.ref, d.resumed, d.rc || "st_browser_resume");
