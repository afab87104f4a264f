// Live navigation (plus): links marked data-nav (or inside an element
// marked so) and the back and forward buttons move between the App's pages
// without a page load (see live.App.Page).
import { core } from "./core.js";

let at = core.here();

// go navigates to url; pop says the browser's history moved there already.
export const go = (url, pop) => core.send("_nav", { _url: (at = url) }, null, pop);

export const listenNav = () => {
  document.addEventListener("click", (e) => {
    const a = e.target.closest?.("a[href]");
    if (!a?.closest("[data-nav]") || a.origin !== location.origin || a.target || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    go(a.pathname + a.search);
  });
  // popstate also fires for a #fragment: only another page is a navigation.
  addEventListener("popstate", () => core.here() !== at && go(core.here(), 1));
};
