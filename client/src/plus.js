// The plus extension's loader. What few pages need — hooks, live
// navigation, live inputs (data-change), field errors, flash notices and
// uploads — is a second file, statetemplate-plus.js next to the client,
// loaded once when a page uses any of it. It fills the object plus with
// its functions; the core calls them through with.
import { doc } from "./morph.js";

export const plus = {},
  // USES are what in a page calls for the extension.
  USES = "[data-hook],[data-nav],[data-change],[data-error-for],[data-st-flash],input[type=file]";

let src, loading;
export const source = (s) => (src = s);

// with runs fn once the extension is loaded, loading it the first time.
export const withPlus = (fn) =>
  (loading ||= new Promise((ok, no) => {
    const s = doc.createElement("script");
    s.src = src.replace(/\.js(\?.*)?$/, "-plus.js");
    s.onload = ok;
    s.onerror = no;
    doc.head.append(s);
  })).then(fn);

// grow loads the extension when root (or one of its descendants) uses it,
// and tells it which elements a batch touched.
export const grow = (root, touched) =>
  plus.scan ? plus.scan(touched) : root.querySelector(USES) && withPlus(() => 0);
